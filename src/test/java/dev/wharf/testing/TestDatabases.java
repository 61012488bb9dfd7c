package dev.wharf.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real PostgreSQL for tests, one fresh database per caller. By default an embedded server (one per
 * test JVM); with {@code WHARF_TEST_DATABASE_URL} (plus {@code WHARF_TEST_DATABASE_USER} and
 * {@code WHARF_TEST_DATABASE_PASSWORD}) an external server, such as the one CI installs, is used
 * instead. Nothing is mocked.
 */
public final class TestDatabases {

    /** Connection details of one fresh database. */
    public record Database(String url, String user, String password) {
    }

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres embedded;
    private static String adminUrl;
    private static String adminUser;
    private static String adminPassword;

    private TestDatabases() {
    }

    /** A new, empty database on the test server. */
    public static synchronized Database create() {
        start();
        String name = "wharf_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (Connection c = DriverManager.getConnection(adminUrl, adminUser, adminPassword);
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database on " + adminUrl, e);
        }
        int slash = adminUrl.lastIndexOf('/');
        int query = adminUrl.indexOf('?', slash);
        String url = adminUrl.substring(0, slash + 1) + name + (query < 0 ? "" : adminUrl.substring(query));
        return new Database(url, adminUser, adminPassword);
    }

    /** True when tests run against an external server (CI), false for the embedded one. */
    public static boolean external() {
        String url = System.getenv("WHARF_TEST_DATABASE_URL");
        return url != null && !url.isBlank();
    }

    private static void start() {
        if (adminUrl != null) {
            return;
        }
        if (external()) {
            adminUrl = System.getenv("WHARF_TEST_DATABASE_URL");
            adminUser = System.getenv().getOrDefault("WHARF_TEST_DATABASE_USER", "postgres");
            adminPassword = System.getenv().getOrDefault("WHARF_TEST_DATABASE_PASSWORD", "");
            return;
        }
        try {
            embedded = EmbeddedPostgres.builder().setServerConfig("max_connections", "300").start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        }
        adminUrl = embedded.getJdbcUrl("postgres", "postgres");
        adminUser = "postgres";
        adminPassword = "";
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                embedded.close();
            } catch (IOException ignored) {
                // the JVM is going away
            }
        }));
    }
}
