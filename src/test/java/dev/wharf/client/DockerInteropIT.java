package dev.wharf.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.client.registry.Credentials;
import dev.wharf.testing.ReferenceRegistry;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestImages;
import dev.wharf.testing.Tools;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wharf's client against the tools people already use: an image pushed by wharf is pulled and run
 * by docker and copied by skopeo; an image pushed by docker is pulled by wharf, and the docker
 * archive wharf writes loads with {@code docker load}.
 */
class DockerInteropIT {

    @TempDir
    Path tmp;

    private final List<String> images = new ArrayList<>();
    private final String wharf = RegistryServer.shared().hostPort();

    private RegistryClient client() {
        return new RegistryClient(ClientOptions.defaults(), h -> Credentials.ANONYMOUS, TransferListener.NONE);
    }

    @AfterEach
    void removeImages() {
        for (String image : images) {
            Tools.run(tmp, 60, "docker", "rmi", "-f", image);
        }
    }

    private String build(String name) {
        String tag = TestImages.build("wharf-test/" + name + ":" + System.nanoTime(), 2, 300_000);
        images.add(tag);
        return tag;
    }

    /** What the image's command prints: the digest of its first data layer's file. */
    private String checksum(String image) {
        return Tools.run(tmp, 120, "docker", "run", "--rm", "--network", "none", image, "sha256sum", "/data/layer1.bin")
                .orFail().output().strip();
    }

    @Test
    void imagePushedByWharfIsPulledAndRunByDockerAndCopiedBySkopeo() {
        Tools.requireDocker();
        Tools.require("skopeo", "skopeo");
        String local = build("wharf-pushed");
        String expected = checksum(local);
        Path archive = tmp.resolve("saved.tar");
        Tools.run(tmp, 120, "docker", "save", "-o", archive.toString(), local).orFail();

        String repository = TestData.repository("interop-push");
        ImageReference target = ImageReference.parse(wharf + "/" + repository + ":v1");
        try (RegistryClient client = client()) {
            client.push(archive, target, PushOptions.defaults());
        }
        String pulled = wharf + "/" + repository + ":v1";
        images.add(pulled);
        Tools.run(tmp, 120, "docker", "pull", pulled).orFail();
        assertThat(checksum(pulled)).isEqualTo(expected);

        try (ReferenceRegistry reference = ReferenceRegistry.start()) {
            Tools.run(tmp, 120, "skopeo", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                    "docker://" + pulled, "docker://" + reference.hostPort() + "/" + repository + ":v1").orFail();
            try (RegistryClient client = client()) {
                ImageReference copied = ImageReference.parse(reference.hostPort() + "/" + repository + ":v1");
                assertThat(client.manifest(copied).layers()).hasSameSizeAs(client.manifest(target).layers());
            }
        }
    }

    @Test
    void imagePushedByDockerIsPulledByWharfAndItsDockerArchiveLoads() {
        Tools.requireDocker();
        String local = build("docker-pushed");
        String expected = checksum(local);
        String repository = TestData.repository("interop-pull");
        String remote = wharf + "/" + repository + ":v1";
        images.add(remote);
        Tools.run(tmp, 60, "docker", "tag", local, remote).orFail();
        Tools.run(tmp, 300, "docker", "push", remote).orFail();

        Path archive = tmp.resolve("pulled.tar");
        try (RegistryClient client = client()) {
            client.pull(ImageReference.parse(remote), archive, PullOptions.defaults());
            client.pull(ImageReference.parse(remote), tmp.resolve("layout"), PullOptions.defaults());
        }
        Tools.run(tmp, 60, "docker", "rmi", "-f", remote).orFail();
        String loaded = Tools.run(tmp, 300, "docker", "load", "-i", archive.toString()).orFail().output();
        assertThat(loaded).contains("Loaded image: " + remote);
        assertThat(checksum(remote)).isEqualTo(expected);
    }
}
