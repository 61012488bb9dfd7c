package dev.wharf.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestImages;
import dev.wharf.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8's done-when for namespace policies, with docker: a tag matching an immutable pattern
 * cannot be overwritten (docker prints the refusal naming the rule, and pulls the first image
 * still), and a push beyond the namespace's quota is refused with a message that names the quota,
 * the usage and what the push needed.
 */
class NamespacePolicyE2EIT {

    private RegistryServer server;
    private RegistryHttp http;
    private final Path cwd = Path.of(".");

    @BeforeEach
    void start() {
        Tools.requireDocker();
        server = RegistryServer.start(Map.of());
        http = new RegistryHttp(server.base());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anImmutableTagIsNotOverwrittenAndAPushBeyondTheQuotaIsRefusedWithTheQuotaInDockersOutput() {
        String ns = "policye2e" + Long.toString(System.nanoTime() % 46656, 36);
        String first = server.hostPort() + "/" + ns + "/app:v1";
        String other = server.hostPort() + "/" + ns + "/app:other";
        String big = server.hostPort() + "/" + ns + "/app:big";
        setPolicy(ns, "{\"immutableTags\":[\"v*\"]}");
        TestImages.build(first, 1, 1024);
        TestImages.build(other, 1, 1024);
        docker("push", first).orFail();
        String firstId = docker("image", "inspect", "-f", "{{.Id}}", first).orFail().output().strip();

        docker("tag", other, first).orFail();
        Tools.Result overwrite = docker("push", first);

        assertThat(overwrite.exitCode()).as(overwrite.output()).isNotZero();
        assertThat(overwrite.output()).contains("denied", "tag v1 is immutable (rule \"v*\"");
        docker("rmi", first, other).orFail();
        docker("pull", first).orFail();
        assertThat(docker("image", "inspect", "-f", "{{.Id}}", first).orFail().output().strip()).isEqualTo(firstId);

        long used = RegistryHttp.json(http.get("/api/v1/namespaces/" + ns + "/policy")).get("usedBytes").asLong();
        setPolicy(ns, "{\"quotaBytes\":" + (used + 100 * 1024) + "}");
        TestImages.build(big, 2, 300 * 1024);
        Tools.Result beyond = docker("push", big);

        assertThat(beyond.exitCode()).as(beyond.output()).isNotZero();
        // docker streams its layers (no Content-Length): refused once more than the quota's 100 KiB
        // arrived, the rest read and dropped so that docker gets the answer
        assertThat(beyond.output()).contains("denied", "quota exceeded for namespace " + ns + ": quota ",
                "this push needs at least ");
        System.out.println("docker said: " + overwrite.output().lines().filter(l -> l.contains("denied")).toList()
                + " and " + beyond.output().lines().filter(l -> l.contains("denied")).toList());
        long after = RegistryHttp.json(http.get("/api/v1/namespaces/" + ns + "/policy")).get("usedBytes").asLong();
        assertThat(after).isLessThanOrEqualTo(used + 100 * 1024);
        docker("rmi", first, big).orFail();
    }

    private void setPolicy(String ns, String body) {
        RegistryHttp.check(http.put("/api/v1/namespaces/" + ns + "/policy", body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json"), 200);
    }

    private Tools.Result docker(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "docker";
        System.arraycopy(args, 0, command, 1, args.length);
        return Tools.run(cwd, 300, command);
    }
}
