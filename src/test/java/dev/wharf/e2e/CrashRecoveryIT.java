package dev.wharf.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.client.ClientOptions;
import dev.wharf.client.ImageReference;
import dev.wharf.client.PullOptions;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TransferListener;
import dev.wharf.client.registry.Credentials;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.S3Server;
import dev.wharf.testing.ServerProcess;
import dev.wharf.testing.StoreAudit;
import dev.wharf.testing.TestDatabases;
import dev.wharf.testing.TestImages;
import dev.wharf.testing.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 7, faults: {@code kill -9} of the packaged server (its JVM only, as the OOM killer does)
 * during 50 concurrent pushes by docker, skopeo, the wharf client library and chunked upload
 * sessions, for each kind of database (the embedded default, an external PostgreSQL) and store
 * (filesystem, S3). Each round waits for pushes to be acknowledged, kills the server mid-way, and
 * then, before the server is back (so no client can have repaired anything), reads the store and
 * the database directly: every acknowledged manifest and blob is there and intact, nothing in the
 * store is half-written, nothing recorded lacks its bytes. After the restart (same data directory,
 * database, store and port) everything acknowledged is pulled back and verified; every push the
 * kill interrupted is either whole already or absent, and then completes: the sessions continue
 * from where the registry says they stand, which is never below an acknowledged offset, or are
 * cleanly gone (404 {@code BLOB_UPLOAD_UNKNOWN}).
 *
 * <p>{@code -Dwharf.crash.rounds=N} kills each server N times (CI: once); {@code -Dwharf.crash.only}
 * picks the combinations (see {@link #combinations()}).
 */
class CrashRecoveryIT {

    private static final int PUSHES = Integer.getInteger("wharf.crash.pushes", 50);
    private static final int ROUNDS = Integer.getInteger("wharf.crash.rounds", 1);
    private static final int DOCKER = 2;
    private static final int SKOPEO = 4;
    private static final List<String> dockerImages = new ArrayList<>();

    enum Database { EMBEDDED, EXTERNAL }

    enum Store { FILESYSTEM, S3 }

    @BeforeAll
    static void clientsAndImages() {
        ServerProcess.jar();
        Tools.require("skopeo", "skopeo");
        Tools.requireDocker();
        for (int i = 0; i < DOCKER; i++) {
            dockerImages.add(TestImages.build("wharf-crash/source-" + i + ":latest", 2, 300 * 1024));
        }
    }

    @AfterAll
    static void removeImages() {
        for (String image : dockerImages) {
            Tools.run(Path.of("."), 60, "docker", "rmi", image);
        }
    }

    /**
     * The database and store kinds {@code -Dwharf.crash.only} names ({@code all}, or e.g.
     * {@code embedded-s3,external-filesystem}); by default three, which cover each kind of
     * database and of store, to keep CI short: embedded with S3 adds nothing the others lack but
     * their combination.
     */
    static Stream<Arguments> combinations() {
        String only = System.getProperty("wharf.crash.only", "embedded-filesystem,external-filesystem,external-s3")
                .toUpperCase(Locale.ROOT);
        return Stream.of(Database.EMBEDDED, Database.EXTERNAL)
                .flatMap(d -> Stream.of(Store.FILESYSTEM, Store.S3).map(s -> List.of(d, s)))
                .filter(c -> only.equals("ALL") || List.of(only.split(",")).contains(c.get(0) + "-" + c.get(1)))
                .map(c -> Arguments.of(c.get(0), c.get(1)));
    }

    /** Where the server keeps things, and how the test reads them behind its back. */
    private record Setup(Path dataDir, TestDatabases.Database external, S3Server s3, String bucket, Path accessLogs)
            implements AutoCloseable {

        List<String> arguments() {
            List<String> args = new ArrayList<>(List.of("--wharf.data-dir=" + dataDir, "--wharf.auth.enabled=false",
                    "--server.tomcat.accesslog.enabled=true", "--server.tomcat.accesslog.directory=" + accessLogs,
                    "--server.tomcat.accesslog.buffered=false", "--server.tomcat.accesslog.pattern=%s %m %U"));
            if (external != null) {
                args.addAll(List.of("--spring.datasource.url=" + external.url(),
                        "--spring.datasource.username=" + external.user(),
                        "--spring.datasource.password=" + external.password(),
                        // the server cannot tell a dead replica's lease from a live one's: sessions the
                        // killed server was writing to resume once their lease lapses (default 2 min)
                        "--wharf.upload.lease-ttl=6s"));
            }
            if (s3 != null) {
                s3.serverProperties(bucket).forEach((k, v) -> args.add("--" + k + "=" + v));
            }
            return args;
        }

        /** The database, straight (for the embedded one: its postmaster, alive or orphaned). */
        Connection connect() throws SQLException, IOException {
            if (external != null) {
                return DriverManager.getConnection(external.url(), external.user(), external.password());
            }
            int port = Integer.parseInt(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(3).strip());
            return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres",
                    Files.readString(dataDir.resolve("postgres-password")).strip());
        }

        long postmasterPid() throws IOException {
            return Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(0).strip());
        }

        StoreAudit audit() {
            try (var client = s3 == null ? null : s3.client()) {
                return s3 == null ? StoreAudit.filesystem(dataDir.resolve("storage")) : StoreAudit.s3(client, bucket);
            }
        }

        @Override
        public void close() {
            if (s3 != null) {
                s3.close();
            }
        }
    }

    @ParameterizedTest(name = "{0} database, {1} store")
    @MethodSource("combinations")
    void everyAcknowledgedPushSurvivesKill9AndEveryOtherResumesOrIsCleanlyGone(Database database, Store store)
            throws Exception {
        Path dir = Files.createTempDirectory("wharf-crash-");
        try (Setup setup = new Setup(dir.resolve("data"), database == Database.EXTERNAL ? TestDatabases.create() : null,
                store == Store.S3 ? S3Server.start() : null, "crash", Files.createDirectories(dir.resolve("access")))) {
            run(database + " database, " + store + " store", setup, Files.createDirectories(dir.resolve("work")));
        } finally {
            Tools.run(Path.of("/"), 60, "rm", "-rf", dir.toString());
        }
    }

    private void run(String combination, Setup setup, Path work) throws Exception {
        long started = System.nanoTime();
        boolean embedded = setup.external() == null;
        // C1 only: half the CPU of a start, and this test is about correctness, not speed
        ServerProcess server = ServerProcess.start(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), setup.arguments());
        CrashPushers.ServerState state = new CrashPushers.ServerState(server.hostPort());
        PushLedger ledger = new PushLedger();
        CrashPushers pushers = new CrashPushers(state, ledger, work, dockerImages, SKOPEO,
                (PUSHES - DOCKER - SKOPEO) / 2, PUSHES - DOCKER - SKOPEO - (PUSHES - DOCKER - SKOPEO) / 2);
        List<String> figures = new ArrayList<>();
        int heldAtKill = 0;
        int heldAfterRestart = 0;
        pushers.start();
        try {
            for (int round = 1; round <= ROUNDS; round++) {
                awaitAcknowledged(ledger, ledger.manifests() + PUSHES / 2, pushers);
                if (round == ROUNDS) {
                    // after the last kill only the interrupted pushes go on, which bounds the run
                    pushers.finishCurrent();
                }
                List<CrashPushers.Push> inFlight = pushers.inFlight();
                long orphan = embedded ? setup.postmasterPid() : -1;
                state.goingDown();
                long killed = System.nanoTime();
                server.crash();

                Leases atKill = auditWhileDown(setup, ledger, orphan);
                heldAtKill += atKill.held();
                server = server.restart();
                long up = System.nanoTime();
                if (embedded) {
                    assertThat(ProcessHandle.of(orphan).filter(ProcessHandle::isAlive)).as("the orphan was stopped").isEmpty();
                }
                try (Connection db = setup.connect()) {
                    // before any client is let in again: only leases the killed server's requests held
                    heldAfterRestart += heldLeases(db, atKill.now()).held();
                }
                int whole = checkAfterRestart(new RegistryHttp(server.base()), ledger, inFlight, pushers);
                long restarted = System.nanoTime();
                state.recovered();
                awaitInterruptedPushesCompleted(pushers, ledger);
                figures.add("round " + round + ": " + inFlight.size() + " pushes in flight at the kill, " + whole
                        + " of them whole already, all completed " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime()
                        - restarted) + " ms after the checks (kill at " + TimeUnit.NANOSECONDS.toSeconds(killed - started)
                        + " s, up again at " + TimeUnit.NANOSECONDS.toSeconds(up - started) + " s)");
            }
            pushers.stop();

            RegistryHttp http = new RegistryHttp(server.base());
            ledger.verifyNew(http);
            pullWithRealClients(server, ledger, work);
            StoreAudit audit = setup.audit();
            assertThat(audit.corrupt()).as("published blobs that do not hash to their name").isEmpty();
            try (Connection db = setup.connect()) {
                assertThat(audit.missingFromStore(db)).as("blobs recorded in the database without their bytes").isEmpty();
            }
        } finally {
            state.recovered();
            server.close();
        }
        if (embedded) {
            assertThat(setup.dataDir().resolve("postgres/postmaster.pid")).as("the embedded database stopped with the server")
                    .doesNotExist();
        }
        Map<String, Integer> statuses = accessLogStatuses(setup.accessLogs());
        System.out.printf("crash recovery (%s): %d pushers (docker %d, skopeo %d, wharf client %d, sessions %d), %d kills"
                        + " in %d s; %d manifests and %d blob uploads acknowledged, %d blob reads verified; %s;"
                        + " upload sessions leased to requests the kill cut off %d, still leased after the restart %d;"
                        + " server responses %s; session pushers saw %s;"
                        + " %s; violations %d%n",
                combination, pushers.size(), DOCKER, SKOPEO, (PUSHES - DOCKER - SKOPEO) / 2,
                PUSHES - DOCKER - SKOPEO - (PUSHES - DOCKER - SKOPEO) / 2, ROUNDS,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), ledger.manifests(), ledger.blobs(),
                ledger.checkedBlobs(), pushers.tallies(), heldAtKill, heldAfterRestart, statuses, pushers.sessionStatuses(),
                String.join("; ", figures), ledger.violations().size());
        assertThat(ledger.violations()).isEmpty();
        assertThat(statuses.keySet()).as("server errors").noneMatch(s -> s.startsWith("5"));
        if (embedded) {
            assertThat(heldAfterRestart).as("the embedded database is this server's alone: leases of its killed"
                    + " predecessor are released at start").isZero();
        }
    }

    private static void awaitAcknowledged(PushLedger ledger, int manifests, CrashPushers pushers)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (ledger.manifests() < manifests) {
            if (System.nanoTime() > deadline || !ledger.violations().isEmpty()) {
                throw new AssertionError("only " + ledger.manifests() + " of " + manifests + " manifests acknowledged; "
                        + pushers.tallies() + "; violations " + ledger.violations());
            }
            Thread.sleep(50);
        }
    }

    /**
     * With the server dead, nothing can repair anything: every acknowledged manifest is recorded
     * with its exact bytes and every acknowledged blob is in the store whole.
     *
     * @return the upload sessions requests of the killed server held
     */
    private static Leases auditWhileDown(Setup setup, PushLedger ledger, long orphan) throws Exception {
        if (orphan > 0) {
            assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive))
                    .as("precondition: the embedded postmaster outlives the killed server").contains(true);
        }
        StoreAudit audit = setup.audit();
        assertThat(audit.corrupt()).as("published blobs that do not hash to their name").isEmpty();
        try (Connection db = setup.connect()) {
            assertThat(audit.missingFromStore(db)).as("blobs recorded without their bytes").isEmpty();
            for (PushLedger.Manifest m : ledger.manifestList()) {
                try (var s = db.prepareStatement("""
                        SELECT m.digest, m.content FROM tags t JOIN manifests m ON m.id = t.manifest_id
                        JOIN repositories r ON r.id = t.repository_id WHERE r.name = ? AND t.name = ?""")) {
                    s.setString(1, m.repository());
                    s.setString(2, m.tag());
                    try (ResultSet rs = s.executeQuery()) {
                        if (!rs.next()) {
                            ledger.violation("acknowledged " + m.repository() + ":" + m.tag() + " is not in the database");
                        } else if (m.digest() != null && !rs.getString(1).equals(m.digest().toString())
                                || m.bytes() != null && !Arrays.equals(rs.getBytes(2), m.bytes())) {
                            ledger.violation("acknowledged " + m.repository() + ":" + m.tag() + " is recorded as "
                                    + rs.getString(1));
                        }
                    }
                }
            }
            return heldLeases(db, null);
        }
    }

    /** How many upload sessions were leased at the database's time {@code now}. */
    private record Leases(int held, Timestamp now) {
    }

    /**
     * Upload sessions leased now; with {@code createdBefore}, only those that existed then (docker
     * may be retrying on its own already, in new sessions).
     */
    private static Leases heldLeases(Connection db, Timestamp createdBefore) throws SQLException {
        try (var s = db.prepareStatement("SELECT count(*), clock_timestamp() FROM upload_sessions"
                + " WHERE lease_token IS NOT NULL AND lease_expires > clock_timestamp()"
                + " AND (CAST(? AS timestamptz) IS NULL OR created_at < ?)")) {
            s.setTimestamp(1, createdBefore);
            s.setTimestamp(2, createdBefore);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return new Leases(rs.getInt(1), rs.getTimestamp(2));
            }
        }
    }

    /**
     * Everything acknowledged is pullable and intact; each interrupted push is absent or whole.
     *
     * @return how many interrupted pushes were whole already (their 201 was lost with the connection)
     */
    private static int checkAfterRestart(RegistryHttp http, PushLedger ledger, List<CrashPushers.Push> inFlight,
                                         CrashPushers pushers) {
        ledger.verifyAll(http);
        int whole = 0;
        for (CrashPushers.Push push : inFlight) {
            // docker's manifest is not known before docker made it: whatever is there must be whole
            if (ledger.verifyUnacknowledged(http, push.repository, push.tag,
                    push.manifest == null ? null : push.manifest.digest())) {
                whole++;
                pushers.tallies().get(push.kind).landedThoughUnacknowledged.incrementAndGet();
            }
            for (var blob : push.blobs) {
                ledger.verifyUnacknowledgedBlob(http, push.repository, blob.digest(), blob.bytes().length);
            }
        }
        assertThat(ledger.violations()).as("after the restart").isEmpty();
        return whole;
    }

    private static void awaitInterruptedPushesCompleted(CrashPushers pushers, PushLedger ledger)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (pushers.stillInterrupted() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(pushers.stillInterrupted() + " interrupted pushes did not complete after the"
                        + " restart; " + pushers.tallies() + "; violations " + ledger.violations());
            }
            Thread.sleep(50);
        }
    }

    /** One image of each kind pulled back by a real client, which verifies every digest. */
    private static void pullWithRealClients(ServerProcess server, PushLedger ledger, Path work) {
        Map<String, PushLedger.Manifest> byKind = new TreeMap<>();
        for (PushLedger.Manifest m : ledger.manifestList()) {
            byKind.putIfAbsent(m.repository().replaceAll("^crash/|-\\d+$", ""), m);
        }
        assertThat(byKind.keySet()).containsExactlyInAnyOrder("docker", "skopeo", "client", "session");
        try (RegistryClient client = new RegistryClient(ClientOptions.defaults(), h -> Credentials.ANONYMOUS,
                TransferListener.NONE)) {
            for (String kind : List.of("client", "session")) {
                PushLedger.Manifest m = byKind.get(kind);
                var pulled = client.pull(ImageReference.parse(server.hostPort() + "/" + m.repository() + ":" + m.tag()),
                        work.resolve("pull-" + kind), PullOptions.defaults());
                assertThat(pulled.digest()).isEqualTo(m.digest());
            }
        }
        for (String kind : List.of("docker", "skopeo")) {
            PushLedger.Manifest m = byKind.get(kind);
            Tools.run(work, 300, "skopeo", "--insecure-policy", "copy", "--src-tls-verify=false",
                    "docker://" + server.hostPort() + "/" + m.repository() + ":" + m.tag(),
                    "oci:" + work.resolve("pull-" + kind) + ":" + m.tag()).orFail();
        }
        String docker = server.hostPort() + "/" + byKind.get("docker").repository() + ":" + byKind.get("docker").tag();
        Tools.run(work, 300, "docker", "pull", docker).orFail();
        Tools.run(work, 60, "docker", "rmi", docker);
    }

    /** Responses of every incarnation of the server, by status. */
    private static Map<String, Integer> accessLogStatuses(Path dir) {
        Map<String, Integer> statuses = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (!line.isBlank()) {
                        String status = line.substring(0, line.indexOf(' '));
                        // docker and skopeo try TLS first: a handshake on the plain port is a 400 without a method
                        if (statuses.merge(status, 1, Integer::sum) <= 5 && !status.equals("404")
                                && status.compareTo("400") >= 0 && !line.startsWith("400 null")) {
                            System.out.println("crash recovery: server answered " + line);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return statuses;
    }
}
