package dev.wharf.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The reference registry (CNCF distribution, Debian's {@code docker-registry}) on a free loopback
 * port with its own storage, for comparing behaviour. Deletes are enabled. It can be stopped and
 * started again on the same port with the same content ({@link #stop()}, {@link #restart()}), and
 * started with htpasswd basic authentication ({@link #startWithBasicAuth}).
 */
public final class ReferenceRegistry implements AutoCloseable {

    private volatile Process process;
    private final Path root;
    private final int port;
    private final boolean basicAuth;

    private ReferenceRegistry(Path root, int port, boolean basicAuth) {
        this.root = root;
        this.port = port;
        this.basicAuth = basicAuth;
    }

    /** Starts one; skips (or fails in CI) when docker-registry is not installed. */
    public static ReferenceRegistry start() {
        return start(null, null);
    }

    /**
     * Starts one that asks for {@code user} and {@code password} (htpasswd, bcrypt; the line is made
     * with Spring Security's encoder, so no htpasswd tool is needed).
     */
    public static ReferenceRegistry startWithBasicAuth(String user, String password) {
        return start(user, password);
    }

    private static ReferenceRegistry start(String user, String password) {
        Tools.require("docker-registry", "docker-registry");
        try {
            Path root = Files.createTempDirectory("reference-registry-");
            Path config = root.resolve("config.yml");
            int port = freePort();
            String auth = "";
            if (user != null) {
                Path htpasswd = root.resolve("htpasswd");
                Files.writeString(htpasswd, user + ":"
                        + new org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder().encode(password) + "\n");
                auth = """
                        auth:
                          htpasswd:
                            realm: reference
                            path: %s
                        """.formatted(htpasswd);
            }
            Files.writeString(config, """
                    version: 0.1
                    log:
                      level: warn
                      accesslog:
                        disabled: true
                    storage:
                      filesystem:
                        rootdirectory: %s
                      delete:
                        enabled: true
                    http:
                      addr: 127.0.0.1:%d
                    """.formatted(root.resolve("data"), port) + auth);
            ReferenceRegistry registry = new ReferenceRegistry(root, port, user != null);
            registry.restart();
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the registry (again, after {@link #stop()}) on its port with its content. */
    public void restart() {
        try {
            process = new ProcessBuilder(Tools.find("docker-registry").toString(), "serve",
                    root.resolve("config.yml").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("registry.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitUp();
    }

    /** Stops the process, keeping its content for {@link #restart()}. */
    public void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitUp() {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(base().resolve("/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200 || basicAuth && r.statusCode() == 401) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited: " + readLog());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException("docker-registry did not come up: " + readLog());
    }

    private String readLog() {
        try {
            return Files.readString(root.resolve("registry.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public URI base() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        stop();
        Tools.run(Path.of("/"), 30, "rm", "-rf", root.toString());
    }
}
