package dev.wharf.testing;

import dev.wharf.server.WharfServerApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real Wharf server for tests: the whole Spring application on a free loopback port, with its
 * own data directory and a fresh PostgreSQL database (see {@link TestDatabases}).
 *
 * <p>Test servers run with {@code wharf.auth.enabled=false} unless a test asks for auth
 * ({@link #startWithAuth}): the spec endpoint tests push anonymously.
 */
public final class RegistryServer implements AutoCloseable {

    /** The admin account of servers started by {@link #startWithAuth}. */
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "test-admin-password";

    private static RegistryServer shared;

    private final ConfigurableApplicationContext context;
    private final Path dataDir;
    private final URI base;

    private RegistryServer(ConfigurableApplicationContext context, Path dataDir) {
        this.context = context;
        this.dataDir = dataDir;
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    /** Starts a server; {@code properties} override the test defaults. */
    public static RegistryServer start(Map<String, String> properties) {
        TestDatabases.Database db = TestDatabases.create();
        return start(db, properties);
    }

    /** Starts a server on an existing database (for several replicas sharing one). */
    public static RegistryServer start(TestDatabases.Database db, Map<String, String> properties) {
        return start(db, properties, new ApplicationContextInitializer<?>[0]);
    }

    /**
     * Starts a server with {@code initializers} run before the context refreshes (after logging is
     * set up), e.g. to capture what the server logs while it starts.
     */
    public static RegistryServer start(TestDatabases.Database db, Map<String, String> properties,
                                       ApplicationContextInitializer<?>... initializers) {
        Path dataDir;
        try {
            dataDir = Files.createTempDirectory("wharf-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("server.port", "0");
        props.put("server.address", "127.0.0.1");
        props.put("wharf.data-dir", dataDir.toString());
        props.put("spring.datasource.url", db.url());
        props.put("spring.datasource.username", db.user());
        props.put("spring.datasource.password", db.password());
        props.put("spring.datasource.hikari.maximum-pool-size", "8");
        props.put("logging.level.root", "warn");
        props.put("logging.level.dev.wharf", "info");
        props.put("wharf.auth.enabled", "false");
        props.putAll(properties);
        // as command-line arguments: those outrank application.yaml
        String[] args = props.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(WharfServerApplication.class)
                .initializers(initializers).run(args);
        return new RegistryServer(context, dataDir);
    }

    /**
     * Starts a server with auth enabled and the admin {@link #ADMIN} / {@link #ADMIN_PASSWORD};
     * {@code properties} override these settings.
     */
    public static RegistryServer startWithAuth(Map<String, String> properties) {
        return start(TestDatabases.create(), withAuth(properties));
    }

    /** The settings of an auth-enabled server plus {@code properties}. */
    public static Map<String, String> withAuth(Map<String, String> properties) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("wharf.auth.enabled", "true");
        props.put("wharf.auth.admin-username", ADMIN);
        props.put("wharf.auth.admin-password", ADMIN_PASSWORD);
        props.putAll(properties);
        return props;
    }

    /**
     * One server per test JVM with default settings, for tests that only need a registry. Tests
     * using it must pick unique repository names.
     */
    public static synchronized RegistryServer shared() {
        if (shared == null) {
            shared = start(Map.of());
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** {@code http://127.0.0.1:<port>} */
    public URI base() {
        return base;
    }

    /** {@code 127.0.0.1:<port>}, as docker and skopeo want it. */
    public String hostPort() {
        return base.getHost() + ":" + base.getPort();
    }

    public Path dataDir() {
        return dataDir;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public <T> T bean(String name, Class<T> type) {
        return context.getBean(name, type);
    }

    @Override
    public void close() {
        context.close();
    }
}
