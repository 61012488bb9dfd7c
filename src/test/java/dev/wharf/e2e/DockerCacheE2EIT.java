package dev.wharf.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.ReferenceRegistry;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestImages;
import dev.wharf.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real {@code docker pull} through a pull-through cache of Debian's docker-registry, on an
 * auth-enabled Wharf: by the cache's name on the shared daemon, and by a Docker Hub name on a
 * private daemon whose {@code registry-mirrors} points at Wharf (mirror mode). The shared daemon is
 * never reconfigured; the private one has its own socket, data and exec roots, no networking, and
 * is stopped afterwards.
 */
class DockerCacheE2EIT {

    private static ReferenceRegistry upstream;
    private static RegistryServer wharf;
    private final Path cwd = Path.of(".");

    @BeforeAll
    static void start() {
        Tools.requireDocker();
        upstream = ReferenceRegistry.start();
        wharf = RegistryServer.startWithAuth(Map.of(
                "wharf.proxy.caches.dockerhub.url", upstream.base().toString(),
                "wharf.proxy.caches.dockerhub.library-prefix", "true",
                "wharf.proxy.caches.dockerhub.public", "true",
                "wharf.proxy.mirror", "dockerhub"));
    }

    @AfterAll
    static void stop() {
        if (wharf != null) {
            wharf.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private Tools.Result docker(String... args) {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        return Tools.run(cwd, 300, command.toArray(String[]::new));
    }

    private String imageId(String reference) {
        return docker("image", "inspect", "-f", "{{.Id}}", reference).orFail().output().strip();
    }

    /** Pushes the test base image to the upstream as {@code library/<name>:<tag>}; returns its image id. */
    private String pushUpstream(String name, String tag) {
        String ref = upstream.hostPort() + "/library/" + name + ":" + tag;
        docker("tag", TestImages.base(), ref).orFail();
        docker("push", ref).orFail();
        docker("rmi", ref).orFail();
        return imageId(TestImages.BASE);
    }

    @Test
    void dockerPullsThroughTheCacheAndStillPullsWhatIsCachedWhenTheUpstreamIsStopped() {
        String name = "cached" + System.nanoTime() % 100000;
        String id = pushUpstream(name, "1");
        String through = wharf.hostPort() + "/dockerhub/" + name + ":1";

        docker("pull", through).orFail();
        assertThat(imageId(through)).isEqualTo(id);
        docker("rmi", through).orFail();

        upstream.stop();
        try {
            docker("pull", through).orFail();
            assertThat(imageId(through)).isEqualTo(id);
            docker("rmi", through).orFail();
        } finally {
            upstream.restart();
        }
    }

    @Test
    void aDaemonWithRegistryMirrorsPullsADockerHubNameThroughWharf() throws Exception {
        Tools.requireRoot("a private dockerd");
        String tag = "m" + System.nanoTime() % 100000;
        String id = pushUpstream("busybox", tag);
        try (PrivateDockerd daemon = PrivateDockerd.start("http://" + wharf.hostPort())) {
            daemon.docker("pull", "busybox:" + tag).orFail();
            assertThat(daemon.docker("image", "inspect", "-f", "{{.Id}}", "busybox:" + tag).orFail().output().strip())
                    .isEqualTo(id);
        }
        // what the daemon asked for, Wharf read through the mirror cache
        assertThat(new dev.wharf.testing.RegistryHttp(wharf.base()).get("/v2/dockerhub/library/busybox/manifests/" + tag)
                .headers().firstValue("X-Wharf-Cache")).hasValue("hit");
    }

    /**
     * A dockerd of its own (socket, data root, exec root, pid file in a temporary directory; no
     * bridge, no iptables; vfs storage) with one registry mirror.
     */
    static final class PrivateDockerd implements AutoCloseable {
        private final Path dir;
        private final Process process;

        private PrivateDockerd(Path dir, Process process) {
            this.dir = dir;
            this.process = process;
        }

        static PrivateDockerd start(String mirror) throws IOException {
            Tools.require("dockerd", "docker.io");
            // short: the daemon's sockets live under it, and a socket path has at most 107 bytes
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "wd");
            Process p = new ProcessBuilder(Tools.find("dockerd").toString(),
                    "--host", "unix://" + dir.resolve("docker.sock"),
                    "--data-root", dir.resolve("data").toString(),
                    "--exec-root", dir.resolve("exec").toString(),
                    "--pidfile", dir.resolve("docker.pid").toString(),
                    "--bridge=none", "--iptables=false", "--ip6tables=false", "--storage-driver=vfs",
                    "--registry-mirror=" + mirror)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dockerd.log").toFile())
                    .start();
            PrivateDockerd daemon = new PrivateDockerd(dir, p);
            long deadline = System.nanoTime() + 90_000_000_000L;
            while (daemon.docker("info", "--format", "{{.ServerVersion}}").exitCode() != 0) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    String log = Files.readString(dir.resolve("dockerd.log"));
                    daemon.close();
                    throw new AssertionError("the private dockerd did not start:\n" + log);
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            return daemon;
        }

        Tools.Result docker(String... args) {
            List<String> command = new ArrayList<>(List.of("docker", "--host", "unix://" + dir.resolve("docker.sock")));
            command.addAll(List.of(args));
            return Tools.run(dir, 300, command.toArray(String[]::new));
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Tools.run(Path.of("/"), 120, "rm", "-rf", dir.toString());
        }
    }
}
