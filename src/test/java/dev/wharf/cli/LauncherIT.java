package dev.wharf.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.ReferenceRegistry;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.ServerProcess;
import dev.wharf.testing.TestData;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/wharf}, the launcher, running the packaged jar: client commands start fast and never
 * load Spring; {@code wharf train} makes the server's start-up cache, which {@code wharf serve}
 * then starts from.
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

    /**
     * The one test that runs a training run (77 s measured at load 7-10, 98-129 s at
     * load 13-15): the server sends itself
     * its clients' requests, exits 0, and leaves an ahead-of-time cache (Java 25+, which the
     * launcher looks for) or a class-data archive (Java 17-24). The server then starts from it:
     * {@code -XX:AOTMode=on} / {@code -Xshare:on} make the JVM refuse to start if the cache does
     * not fit, instead of falling back silently.
     */
    @Test
    void trainMakesAStartUpCacheThatServeStartsFromAndAnswers() throws Exception {
        Path launcherCache = tmp.resolve("launcher-cache");
        Map<String, String> env = Map.of("WHARF_JAR", JAR.toString(), "WHARF_CACHE_DIR", launcherCache.toString());
        Run train = wharf(env, "train");
        assertThat(train.exitCode()).as(train.output()).isZero();
        assertThat(train.output()).contains("a training run makes the server's start-up cache", "start-up cache made in");
        Path cacheFile;
        try (Stream<Path> files = Files.walk(launcherCache)) {
            cacheFile = files.filter(p -> p.getFileName().toString().matches("server-\\d+-\\d+\\.(aot|jsa)"))
                    .findFirst().orElseThrow(() -> new AssertionError("no server-*.aot or server-*.jsa in " + launcherCache));
        }
        assertThat(Files.size(cacheFile)).isGreaterThan(10_000_000L);
        boolean aot = cacheFile.toString().endsWith(".aot");

        int port = ReferenceRegistry.freePort();
        Map<String, String> serveEnv = new java.util.HashMap<>(env);
        serveEnv.put("WHARF_JAVA_OPTS", aot ? "-XX:AOTMode=on" : "-Xshare:on");
        try (ServerProcess server = ServerProcess.launch(List.of(LAUNCHER.toString(), "serve", "--server.port=" + port,
                "--wharf.data-dir=" + tmp.resolve("data"), "--wharf.auth.enabled=false"), serveEnv, port)) {
            String commandLine = Files.readString(Path.of("/proc", Long.toString(server.pid()), "cmdline")).replace('\0', ' ');
            assertThat(commandLine).as("the server's JVM (the launcher execs it)")
                    .contains((aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + cacheFile)
                    .contains("-XX:+UseSerialGC", "-Xmx256m");
            if (aot) {
                // Java 25 knows AOTCompileEagerly: the methods the training run compiled are compiled at start
                assertThat(Path.of(cacheFile + ".eager")).exists();
                assertThat(commandLine).contains("-XX:+UnlockExperimentalVMOptions -XX:+AOTCompileEagerly");
            }
            assertThat(server.log()).doesNotContain("training run");
            String repository = TestData.repository("launcher-serve");
            new RegistryHttp(server.base()).pushImage(repository, "v1", 1);
            HttpResponse<String> tags = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    server.base().resolve("/v2/" + repository + "/tags/list")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(tags.statusCode()).isEqualTo(200);
            assertThat(tags.body()).contains("\"v1\"");
        }
    }

    @Test
    void aJarNamedOtherwiseRunsFromItsExtractedCopyToo() throws Exception {
        Path versioned = Files.copy(JAR, tmp.resolve("wharf-0.1.0.jar"));
        Path launcherCache = tmp.resolve("launcher-cache");
        Run run = wharf(Map.of("WHARF_JAR", versioned.toString(), "WHARF_CACHE_DIR", launcherCache.toString()), "--version");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).startsWith("wharf ");
        try (Stream<Path> files = Files.list(launcherCache)) {
            Path app = files.filter(Files::isDirectory).findFirst().orElseThrow();
            assertThat(app.resolve("wharf.jar")).isRegularFile();
            assertThat(app.resolve("ready")).isRegularFile();
        }
    }

    /**
     * Two jars launched in turn (a server and a newer client, or the old and the new jar during an
     * upgrade) keep each other's extracted copy instead of deleting and re-extracting it; the copy
     * of a jar launched before the three latest ones is removed.
     */
    @Test
    void theCopiesOfTheThreeMostRecentlyLaunchedJarsStayAndOlderOnesAreRemoved() throws Exception {
        Path launcherCache = tmp.resolve("launcher-cache");
        List<Path> jars = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path jar = Files.copy(JAR, tmp.resolve("wharf-" + i + ".jar"));
            // distinct identities (size and modification time) for the same bytes
            Files.setLastModifiedTime(jar, FileTime.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i)));
            jars.add(jar);
        }
        Path first = launchVersion(jars.get(0), launcherCache);
        Path kept = Files.writeString(first.resolve("still-here"), "a file in the first jar's copy");
        Path second = launchVersion(jars.get(1), launcherCache);
        assertThat(kept).as("the second jar's extraction kept the first jar's copy").exists();
        assertThat(launchVersion(jars.get(0), launcherCache)).isEqualTo(first);
        assertThat(kept).as("the first jar ran again from its copy, not a fresh one").exists();

        // the last launches, oldest first: the second jar, the first, the third, the fourth
        Path third = launchVersion(jars.get(2), launcherCache);
        Path fourth = launchVersion(jars.get(3), launcherCache);
        assertThat(second).as("the least recently launched of four").doesNotExist();
        assertThat(List.of(first, third, fourth)).allSatisfy(app -> assertThat(app.resolve("ready")).isRegularFile());
        assertThat(kept).exists();
    }

    /** Runs {@code wharf --version} from {@code jar} and returns its extracted copy's directory. */
    private Path launchVersion(Path jar, Path launcherCache) throws Exception {
        Run run = wharf(Map.of("WHARF_JAR", jar.toString(), "WHARF_CACHE_DIR", launcherCache.toString()), "--version");
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).startsWith("wharf ");
        Path app = launcherCache.resolve(Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toInstant().getEpochSecond());
        assertThat(app.resolve("ready")).as("the copy of " + jar).isRegularFile();
        return app;
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
