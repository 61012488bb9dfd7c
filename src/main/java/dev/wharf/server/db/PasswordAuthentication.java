package dev.wharf.server.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the embedded database demands a password, every start: a data directory from a Wharf
 * that used trust authentication gets the superuser's password set (its SCRAM verifier computed
 * by the driver, so the password itself never reaches the server's logs) and a {@code pg_hba.conf}
 * that demands scram-sha-256 everywhere; then a connection without a password must be refused, or
 * the server does not start.
 */
final class PasswordAuthentication {

    static final String HBA = """
            # Written by Wharf. The embedded database demands the password kept in
            # <wharf.data-dir>/postgres-password on its Unix socket and on TCP (127.0.0.1 only).
            # TYPE  DATABASE     USER  ADDRESS        METHOD
            local   all          all                  scram-sha-256
            host    all          all   127.0.0.1/32   scram-sha-256
            host    all          all   ::1/128        scram-sha-256
            local   replication  all                  scram-sha-256
            host    replication  all   127.0.0.1/32   scram-sha-256
            host    replication  all   ::1/128        scram-sha-256
            """;

    private static final Logger log = LoggerFactory.getLogger(PasswordAuthentication.class);

    private PasswordAuthentication() {
    }

    static void enforce(EmbeddedPostgres postgres, Path dataDirectory, String user, String password)
            throws IOException {
        Path hba = dataDirectory.resolve("pg_hba.conf");
        if (!onlyScram(Files.readAllLines(hba, StandardCharsets.UTF_8))) {
            log.warn("the embedded database in {} accepted connections without a password (made by an older Wharf):"
                    + " setting its password and demanding scram-sha-256 from now on", dataDirectory);
            try (Connection c = postgres.getPostgresDatabase().getConnection()) {
                c.unwrap(PGConnection.class).alterUserPassword(user, password.toCharArray(), "scram-sha-256");
            } catch (SQLException e) {
                throw new IllegalStateException("cannot set the embedded database's password", e);
            }
            Path next = dataDirectory.resolve("pg_hba.conf.wharf");
            Files.writeString(next, HBA, StandardCharsets.UTF_8);
            Files.move(next, hba, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("SELECT pg_reload_conf()");
            } catch (SQLException e) {
                throw new IllegalStateException("cannot reload the embedded database's configuration", e);
            }
        }
        awaitPasswordDemanded(postgres, user);
    }

    /** True when every rule of a pg_hba.conf uses scram-sha-256. */
    static boolean onlyScram(List<String> lines) {
        boolean any = false;
        for (String line : lines) {
            String rule = line.replaceFirst("#.*", "").strip();
            if (rule.isEmpty()) {
                continue;
            }
            any = true;
            String[] fields = rule.split("\\s+");
            int method = fields[0].equals("local") ? 3 : 4;
            if (fields.length <= method || !fields[method].equals("scram-sha-256")) {
                return false;
            }
        }
        return any;
    }

    /** A reload is asynchronous: poll briefly until a password-less login fails, or refuse to run. */
    private static void awaitPasswordDemanded(EmbeddedPostgres postgres, String user) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (Connection ignored = postgres.getDatabase(user, "postgres", Map.of()).getConnection()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the embedded database still accepts connections without a"
                            + " password; refusing to start (check pg_hba.conf in its data directory)");
                }
            } catch (SQLException e) {
                String state = e.getSQLState() == null ? "" : e.getSQLState();
                if (state.equals("08004") || state.startsWith("28")) {
                    return; // refused for want of a password
                }
                throw new IllegalStateException("cannot check the embedded database's authentication", e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while checking the embedded database", e);
            }
        }
    }
}
