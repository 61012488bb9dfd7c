package dev.wharf.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.DebianBase;
import dev.wharf.testing.ReferenceRegistry;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.ServerProcess;
import dev.wharf.testing.TestImages;
import dev.wharf.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code docker/Dockerfile} built and run for real: on a Debian base with a headless JRE made on
 * this machine ({@link DebianBase}; the default Temurin base cannot be pulled here), with no
 * settings but a port, as the README's quick start runs it. docker logs in with the generated
 * administrator password read from the volume, pushes and pulls; a second container on the same
 * volume, with a read-only root filesystem and no capabilities (as the Helm chart runs pods),
 * still has everything. The containers share the host's network (dockerd runs without a
 * bridge here), so they are told to listen on 127.0.0.1 only.
 */
class ContainerImageIT {

    private static final Path ROOT = Path.of(".").toAbsolutePath().normalize();
    /**
     * The image is kept under this tag between runs: a rebuild then reuses every layer but the
     * last (the jar), which on dockerd's vfs driver saves a copy of the whole base per instruction.
     */
    private static final String IMAGE = "wharf-it/wharf:latest";
    private static String image;

    @TempDir
    Path dir;

    @BeforeAll
    static void buildImage() {
        Tools.requireDocker();
        Tools.require("debootstrap", "debootstrap");
        Tools.requireRoot("building the Debian base image with debootstrap");
        ServerProcess.jar();
        long started = System.nanoTime();
        String base = DebianBase.ensure();
        long baseReady = System.nanoTime();
        Tools.Result previous = docker("image", "inspect", "--format", "{{.Id}}", IMAGE);
        Tools.run(ROOT, 1800, "env", "DOCKER_BUILDKIT=0", "docker", "build", "--network", "host", "-q",
                "-f", "docker/Dockerfile", "--build-arg", "BASE_IMAGE=" + base, "-t", IMAGE, ".").orFail();
        image = IMAGE;
        String built = docker("image", "inspect", "--format", "{{.Id}}", IMAGE).orFail().output().strip();
        if (previous.exitCode() == 0 && !previous.output().strip().equals(built)) {
            // the last run's image, now untagged: only its own top layer goes
            docker("rmi", previous.output().strip());
        }
        System.out.printf("ContainerImageIT: base image %s ready in %d s, wharf image built in %d s%n", base,
                Duration.ofNanos(baseReady - started).toSeconds(), Duration.ofNanos(System.nanoTime() - baseReady).toSeconds());
    }

    private static Tools.Result docker(String... args) {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        return Tools.run(ROOT, 600, command.toArray(String[]::new));
    }

    @Test
    void imageServesTheNetworkOnPort5000AsANonRootUserWithItsDataInAVolume() {
        JsonNode config = RegistryHttp.JSON.readTree(docker("image", "inspect", "--format", "{{json .Config}}", image)
                .orFail().output().strip());
        assertThat(config.get("User").asString()).isEqualTo("10001:10001");
        List<String> env = new ArrayList<>();
        config.get("Env").forEach(e -> env.add(e.asString()));
        assertThat(env).contains("SERVER_ADDRESS=0.0.0.0", "SERVER_PORT=5000", "WHARF_DATA_DIR=/var/lib/wharf");
        assertThat(config.get("ExposedPorts").has("5000/tcp")).isTrue();
        assertThat(config.get("Volumes").has("/var/lib/wharf")).isTrue();
        assertThat(config.get("Healthcheck").get("Test").toString()).contains("/actuator/health/readiness");
        assertThat(config.get("Entrypoint").toString()).contains("\"/opt/wharf/wharf\"").contains("serve");
    }

    @Test
    void quickStartServesDockerLoginPushAndPullAndAFreshContainerOnTheVolumeKeepsIt() throws IOException {
        String volume = "wharf-it-" + System.nanoTime();
        docker("volume", "create", volume).orFail();
        int port = ReferenceRegistry.freePort();
        Path config = Files.createDirectories(dir.resolve("docker-config"));
        String ref = "127.0.0.1:" + port + "/admin/quick-start:v1";
        String first = null;
        String second = null;
        try {
            first = start(volume, port);
            awaitHealthy(first);
            assertThat(docker("exec", first, "cat", "/proc/1/status").orFail().output())
                    .as("the server (PID 1) runs as the image's user").containsPattern("(?m)^Uid:\\s+10001\\s");
            assertThat(docker("exec", first, "cat", "/proc/1/maps").orFail().output())
                    .as("the server's JVM mapped the class cache the image's training run made")
                    .containsPattern("/opt/wharf/cache/[^ ]*/server-[0-9]+-[0-9]+\\.(jsa|aot)");
            String password = docker("exec", first, "cat", "/var/lib/wharf/admin-password").orFail().output().strip();
            assertThat(password).isNotBlank();
            assertThat(docker("exec", first, "wharf", "--version").orFail().output()).as("the client on the PATH")
                    .contains("wharf");

            login(config, port, password);
            TestImages.build(ref, 2, 64 * 1024);
            String id = imageId(ref);
            String push = dockerWith(config, null, "push", ref).orFail().output();
            String digest = push.substring(push.indexOf("digest: ") + 8).split("\\s")[0];
            docker("rmi", ref).orFail();
            dockerWith(config, null, "pull", ref).orFail();
            assertThat(imageId(ref)).isEqualTo(id);

            // a clean stop, then a new container on the same volume, locked down as the Helm chart's
            // pods are (read-only root, scratch /tmp, no capabilities): same password, same images
            docker("stop", "-t", "90", first).orFail();
            second = start(volume, port, "--read-only", "--tmpfs", "/tmp:rw,exec,size=1g", "--cap-drop", "ALL",
                    "--security-opt", "no-new-privileges");
            awaitHealthy(second);
            assertThat(docker("exec", second, "cat", "/var/lib/wharf/admin-password").orFail().output().strip())
                    .isEqualTo(password);
            docker("rmi", ref).orFail();
            String byDigest = "127.0.0.1:" + port + "/admin/quick-start@" + digest;
            dockerWith(config, null, "pull", byDigest).orFail();
            assertThat(imageId(byDigest)).isEqualTo(id);
            docker("rmi", byDigest);
        } finally {
            for (String container : new String[] {first, second}) {
                if (container != null) {
                    docker("rm", "-f", container);
                }
            }
            docker("rmi", ref);
            docker("volume", "rm", "-f", volume);
        }
    }

    /**
     * A container as the quick start runs it, but on a free port of the host's loopback interface
     * and with a health check every 2 s.
     */
    private static String start(String volume, int port, String... options) {
        List<String> run = new ArrayList<>(List.of("run", "-d", "--network", "host", "--health-interval", "2s",
                "-e", "SERVER_PORT=" + port, "-e", "SERVER_ADDRESS=127.0.0.1", "-v", volume + ":/var/lib/wharf"));
        run.addAll(List.of(options));
        run.add(image);
        return docker(run.toArray(String[]::new)).orFail().output().strip();
    }

    /** Waits until the image's HEALTHCHECK reports the container healthy. */
    private static void awaitHealthy(String container) {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        String state = "";
        while (System.nanoTime() < deadline) {
            state = docker("inspect", "--format", "{{.State.Status}} {{.State.Health.Status}}", container).orFail()
                    .output().strip();
            if (state.equals("running healthy")) {
                return;
            }
            if (!state.startsWith("running")) {
                break;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("container " + container + " is '" + state + "', not healthy:\n"
                + docker("logs", "--tail", "80", container).output());
    }

    private void login(Path config, int port, String password) {
        String out = dockerWith(config, password, "login", "127.0.0.1:" + port, "-u", "admin", "--password-stdin")
                .orFail().output();
        assertThat(out).contains("Login Succeeded");
    }

    private Tools.Result dockerWith(Path config, String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "--config", config.toString()));
        command.addAll(List.of(args));
        return Tools.runWithInput(dir, 600, stdin, command.toArray(String[]::new));
    }

    private static String imageId(String ref) {
        return docker("image", "inspect", "-f", "{{.Id}}", ref).orFail().output().strip();
    }
}
