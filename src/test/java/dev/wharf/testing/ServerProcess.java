package dev.wharf.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged server ({@code java -jar target/wharf.jar serve}) in its own JVM, for tests about
 * the artifact itself: heap limits, the embedded default, restarts.
 */
public final class ServerProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final int port;
    private final List<String> command;
    private final Map<String, String> environment;

    private ServerProcess(Process process, Path log, int port, List<String> command, Map<String, String> environment) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.command = command;
        this.environment = environment;
    }

    /**
     * The jar the build produced. When it is missing (e.g. a test run from an IDE) the test is
     * skipped, except in CI ({@code CI=true}), where that is a broken build and fails.
     */
    public static Path jar() {
        String path = System.getProperty("wharf.test.jar", "target/wharf.jar");
        Path jar = Path.of(path);
        String message = "the packaged jar " + jar + " is missing: run through `mvn verify`";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(message);
            }
        } else {
            org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(jar), message);
        }
        return jar;
    }

    /**
     * Starts the jar with JVM options and Spring arguments on a free port, and waits until it
     * answers.
     */
    public static ServerProcess start(List<String> jvmOptions, List<String> arguments) {
        int port;
        try {
            port = ReferenceRegistry.freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar().toString(), "serve", "--server.port=" + port,
                "--server.address=127.0.0.1"));
        command.addAll(arguments);
        return launch(List.copyOf(command), Map.of(), port);
    }

    /**
     * Starts the server with a command line of the caller's (e.g. {@code bin/wharf serve ...}, with
     * {@code --server.port=<port>} among its arguments) and environment variables added to this
     * JVM's, and waits until it answers on {@code port}.
     */
    public static ServerProcess launch(List<String> command, Map<String, String> environment, int port) {
        return launch(List.copyOf(command), Map.copyOf(environment), port, Duration.ofSeconds(90));
    }

    /**
     * Starts the server again with the same command line (so on the same port, data directory,
     * database and store) after it stopped or {@linkplain #crash() crashed}; clients that knew the
     * old one find the new one where they left it.
     */
    public ServerProcess restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("the server is still running");
        }
        return launch(command, environment, port, Duration.ofSeconds(90));
    }

    private static ServerProcess launch(List<String> command, Map<String, String> environment, int port, Duration timeout) {
        try {
            Path log = Files.createTempFile("wharf-server-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            ServerProcess server = new ServerProcess(process, log, port, command, environment);
            server.awaitUp(timeout);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitUp(Duration timeout) {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("server exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(base().resolve("/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200 || r.statusCode() == 401) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException("server did not answer within " + timeout + ":\n" + log());
    }

    public URI base() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** {@code 127.0.0.1:<port>}, as docker and skopeo want it. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /**
     * Kills the server's JVM the way the OOM killer does (SIGKILL, no shutdown hooks), leaving any
     * process it started alone, and waits until it is gone.
     */
    public void crash() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the server survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the server the way an operator would (SIGTERM) and waits for it. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
