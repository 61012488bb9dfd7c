package dev.wharf.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/wharf}, the launcher, running the packaged jar: client commands start fast and never
 * load Spring.
 */
class LauncherIT {

    private static final Path JAR = Path.of(System.getProperty("wharf.test.jar", "target/wharf.jar")).toAbsolutePath();
    private static final Path LAUNCHER = Path.of("bin/wharf").toAbsolutePath();

    /** Shared by the tests: the jar is extracted (and its class data archived) once. */
    @TempDir
    static Path cache;

    @TempDir
    Path tmp;

    private record Run(int exitCode, String output, long millis) {
    }

    private Run wharf(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("WHARF_JAR", JAR.toString());
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), (System.nanoTime() - start) / 1_000_000);
    }

    @Test
    void versionAnswersInWellUnderASecond() throws Exception {
        assertThat(wharf(Map.of(), "--version").output()).startsWith("wharf ");
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            Run run = wharf(Map.of(), "--version");
            assertThat(run.exitCode()).isZero();
            best = Math.min(best, run.millis());
        }
        assertThat(best).as("fastest of three `wharf --version` runs, ms").isLessThan(1000);
    }

    @Test
    void clientCommandsLoadNoSpringJpaOrAwsClass() throws Exception {
        String repository = TestData.repository("launcher");
        new RegistryHttp(RegistryServer.shared().base()).pushImage(repository, "v1", 1);
        Run run = wharf(Map.of("WHARF_JAVA_OPTS", "-verbose:class"), "tags", RegistryServer.shared().hostPort() + "/" + repository);
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("dev.wharf.cli.TagsCommand")
                .doesNotContain("org.springframework", "jakarta.persistence", "software.amazon", "org.hibernate");
        assertThat(run.output().lines()).contains("v1");
    }

    @Test
    void pullAndPushRunThroughTheLauncherAndLeaveAClassDataArchiveForLaterRuns() throws Exception {
        String repository = TestData.repository("launcher-transfer");
        String host = RegistryServer.shared().hostPort();
        new RegistryHttp(RegistryServer.shared().base()).pushImage(repository, "v1", 2);
        Path archive = tmp.resolve("image.tar");
        Run pull = wharf(Map.of(), "pull", "--no-cache", host + "/" + repository + ":v1", archive.toString());
        assertThat(pull.exitCode()).as(pull.output()).isZero();
        assertThat(archive).isRegularFile();
        try (Stream<Path> files = Files.walk(cache.resolve("wharf/launcher"))) {
            assertThat(files.map(p -> p.getFileName().toString())).contains("wharf.jsa", "ready");
        }
        Run push = wharf(Map.of(), "push", "-q", "--no-cache", archive.toString(), host + "/" + repository + "-again:v1");
        assertThat(push.exitCode()).as(push.output()).isZero();
        assertThat(push.output().strip()).startsWith("sha256:");
    }
}
