package dev.wharf.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.ServerProcess;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7, hole 3 and the first fault: the embedded default database accepts no connection without
 * its password (kept 0600 in the data directory), also when the data directory was made by an older
 * Wharf with trust authentication; and after a {@code kill -9} of the server, whose embedded
 * postmaster outlives it, the next start stops the orphan and comes back with everything acknowledged.
 */
class EmbeddedDatabaseSecurityIT {

    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    @TempDir
    Path dataDir;

    private List<String> args() {
        return List.of("--wharf.data-dir=" + dataDir, "--wharf.auth.enabled=false");
    }

    @Test
    void demandsItsPasswordAndComesBackAfterKill9() throws Exception {
        byte[] manifest;
        long orphan;
        try (ServerProcess server = ServerProcess.start(List.of("-Xmx256m"), args())) {
            Path passwordFile = dataDir.resolve("postgres-password");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).isEqualTo("rw-------");
            String password = Files.readString(passwordFile).strip();
            assertThat(password).hasSizeGreaterThanOrEqualTo(40);
            int port = postmasterPort();
            assertThatThrownBy(() -> connect(port, null)).isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> connect(port, "postgres")).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
            try (Connection c = connect(port, password)) {
                assertThat(count(c, "SELECT count(*) FROM pg_roles WHERE rolname = 'postgres'")).isEqualTo(1);
                assertThat(setting(c, "fsync")).as("commits reach the disk (zonky turns fsync off)").isEqualTo("on");
                assertThat(setting(c, "synchronous_commit")).isEqualTo("on");
            }
            assertThat(activeRules()).allSatisfy(rule -> assertThat(rule).endsWith("scram-sha-256"));
            assertThat(server.log()).doesNotContain(password);

            manifest = new RegistryHttp(server.base()).pushImage("crash/app", "v1", 2);
            orphan = postmasterPid();
            server.crash();
        }
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive))
                .as("precondition: the embedded postmaster outlives a killed server").contains(true);

        try (ServerProcess restarted = ServerProcess.start(List.of("-Xmx256m"), args())) {
            assertThat(ProcessHandle.of(orphan).filter(ProcessHandle::isAlive)).as("the orphan was stopped").isEmpty();
            RegistryHttp http = new RegistryHttp(restarted.base());
            assertThat(http.get("/v2/crash/app/manifests/v1", "Accept", OCI_MANIFEST).body()).isEqualTo(manifest);
            assertThat(restarted.log()).contains("did not shut down");
            assertThat(postmasterPid()).isNotEqualTo(orphan);
        }
        assertThat(dataDir.resolve("postgres/postmaster.pid")).doesNotExist();
    }

    @Test
    void switchesATrustDataDirectoryToPasswordsAndIgnoresAStaleLockWithAReusedPid() throws Exception {
        Path pgData = dataDir.resolve("postgres");
        try (EmbeddedPostgres legacy = EmbeddedPostgres.builder().setDataDirectory(pgData)
                .setCleanDataDirectory(false).start();
             Connection c = legacy.getPostgresDatabase().getConnection();
             Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA legacy");
            s.execute("CREATE TABLE legacy.marker (id int)");
            s.execute("INSERT INTO legacy.marker VALUES (42)");
        }
        assertThat(activeRules()).anySatisfy(rule -> assertThat(rule).endsWith("trust"));
        // a crash left a lock file whose PID now belongs to another program (this test's JVM)
        Files.writeString(pgData.resolve("postmaster.pid"), ProcessHandle.current().pid() + "\n" + pgData
                + "\n1700000000\n5432\n/tmp\n127.0.0.1\n  1234567   7\nready   \n", StandardCharsets.UTF_8);

        try (ServerProcess server = ServerProcess.start(List.of("-Xmx256m"), args())) {
            int port = postmasterPort();
            assertThatThrownBy(() -> connect(port, null)).isInstanceOf(SQLException.class);
            String password = Files.readString(dataDir.resolve("postgres-password")).strip();
            try (Connection c = connect(port, password)) {
                assertThat(count(c, "SELECT id FROM legacy.marker")).isEqualTo(42);
            }
            assertThat(activeRules()).allSatisfy(rule -> assertThat(rule).endsWith("scram-sha-256"));
            assertThat(server.log()).doesNotContain(password);
            new RegistryHttp(server.base()).pushImage("legacy/app", "v1", 1);
        }
    }

    private List<String> activeRules() throws IOException {
        return Files.readAllLines(dataDir.resolve("postgres/pg_hba.conf")).stream()
                .map(line -> line.replaceFirst("#.*", "").strip()).filter(line -> !line.isEmpty()).toList();
    }

    @Test
    void startsTheEmbeddedDatabaseWhileTheApplicationContextStarts() {
        try (ServerProcess server = ServerProcess.start(List.of("-Xmx256m"), args())) {
            assertThat(server.log().lines().filter(l -> l.contains("starting the embedded PostgreSQL")))
                    .as("started by EarlyEmbeddedDatabase, on its own thread")
                    .singleElement().asString().contains("postgres-start]");
        }
    }

    @Test
    void aStartUpThatFailsAfterTheDatabaseBeganLeavesNoPostmasterBehind() throws Exception {
        Path log = Files.createTempFile("wharf-failed-start-", ".log");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-jar", ServerProcess.jar().toString(), "serve", "--server.port=0", "--server.address=127.0.0.1",
                "--wharf.data-dir=" + dataDir, "--wharf.auth.enabled=false", "--wharf.manifest.max-size=lots");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("the start-up fails and the JVM exits").isTrue();
            String output = Files.readString(log);
            assertThat(process.exitValue()).as(output).isNotZero();
            assertThat(output).contains("starting the embedded PostgreSQL", "lots");
            assertThat(dataDir.resolve("postgres/postmaster.pid")).as("the postmaster was stopped").doesNotExist();
            assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                    .filter(c -> c.contains("postgres") && c.contains(dataDir.toString())).isPresent()))
                    .as("no PostgreSQL process of this data directory").isEmpty();
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    private long postmasterPid() throws IOException {
        return Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(0).strip());
    }

    private int postmasterPort() throws IOException {
        return Integer.parseInt(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(3).strip());
    }

    private static Connection connect(int port, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        if (password != null) {
            properties.setProperty("password", password);
        }
        properties.setProperty("connectTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", properties);
    }

    private static String setting(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
