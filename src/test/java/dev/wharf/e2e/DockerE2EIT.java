package dev.wharf.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestImages;
import dev.wharf.testing.Tools;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code docker push} and {@code docker pull} through a real Docker daemon. */
class DockerE2EIT {

    private final RegistryServer server = RegistryServer.shared();
    private final Path cwd = Path.of(".");

    @BeforeEach
    void needsDocker() {
        Tools.requireDocker();
    }

    private Tools.Result docker(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "docker";
        System.arraycopy(args, 0, command, 1, args.length);
        return Tools.run(cwd, 300, command);
    }

    private String imageId(String ref) {
        return docker("image", "inspect", "-f", "{{.Id}}", ref).orFail().output().strip();
    }

    @Test
    void multiLayerImagePushesAndPullsBackByTagAndByDigest() {
        String repo = TestData.repository("docker");
        String ref = server.hostPort() + "/" + repo + ":v1";
        TestImages.build(ref, 3, 512 * 1024);
        String id = imageId(ref);

        String push = docker("push", ref).orFail().output();
        assertThat(push).contains("v1: digest: sha256:");
        String digest = push.substring(push.indexOf("digest: ") + 8).split("\\s")[0];

        docker("rmi", ref).orFail();
        docker("pull", ref).orFail();
        assertThat(imageId(ref)).isEqualTo(id);

        docker("rmi", ref).orFail();
        String byDigest = server.hostPort() + "/" + repo + "@" + digest;
        docker("pull", byDigest).orFail();
        assertThat(imageId(byDigest)).isEqualTo(id);
        docker("rmi", byDigest).orFail();

        // what docker pushed is what the registry lists
        RegistryHttp http = new RegistryHttp(server.base());
        assertThat(RegistryHttp.json(http.get("/v2/" + repo + "/tags/list")).get("tags").get(0).asString()).isEqualTo("v1");
    }

    @Test
    void secondRepositoryGetsItsLayersByCrossRepositoryMount() {
        String first = server.hostPort() + "/" + TestData.repository("docker-mount") + ":v1";
        String second = server.hostPort() + "/" + TestData.repository("docker-mount") + ":v1";
        TestImages.build(first, 2, 256 * 1024);
        docker("push", first).orFail();
        docker("tag", first, second).orFail();
        String push = docker("push", second).orFail().output();
        assertThat(push).contains("Mounted from");
        docker("rmi", first, second).orFail();
        docker("pull", second).orFail();
        docker("rmi", second).orFail();
    }
}
