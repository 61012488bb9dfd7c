package dev.wharf.server.gc;

import static dev.wharf.server.gc.Images.Blob;
import static dev.wharf.server.gc.Images.Manifest;
import static dev.wharf.server.gc.Images.file;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The interleavings of docs/ARCHITECTURE.md's locking argument, one at a time: a connection of the
 * test holds the locks the collector (or a push) would hold, a request is sent that must wait for
 * them (the test sees it waiting in {@code pg_stat_activity}) or, for the collector, that must pass
 * them by, the connection finishes as the collector (or push) would, and the outcome is checked.
 */
class GcLockingIT {

    private static TestDatabases.Database db;
    private static RegistryServer server;
    private static RegistryHttp http;
    private static Path store;
    private Connection holder;

    @BeforeAll
    static void start() {
        db = TestDatabases.create();
        server = RegistryServer.start(db, Map.of("wharf.gc.enabled", "false", "wharf.gc.review-delay", "0s"));
        http = new RegistryHttp(server.base());
        store = server.dataDir().resolve("storage");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void connect() throws SQLException {
        holder = DriverManager.getConnection(db.url(), db.user(), db.password());
        holder.setAutoCommit(false);
    }

    @AfterEach
    void disconnect() throws SQLException {
        holder.rollback();
        holder.close();
    }

    @Test
    void aDeleteThatWaitedForALockDoesNotSeeWhatTheOtherTransactionCommitted() throws Exception {
        // why the collector locks first and checks in a new statement: PostgreSQL's behaviour in READ COMMITTED
        String repo = TestData.repository("lock");
        Blob layer = Blob.random(100);
        Images.pushBlobs(http, repo, List.of(layer));
        long repository = repositoryId(repo);
        sql("SELECT 1 FROM repository_blobs WHERE repository_id = ? AND digest = ? FOR SHARE", repository,
                layer.digest().toString());
        long manifest = insertManifestUsing(repository, layer);
        try (Connection naive = DriverManager.getConnection(db.url(), db.user(), db.password())) {
            naive.setAutoCommit(false);
            CompletableFuture<Integer> delete = CompletableFuture.supplyAsync(() -> update(naive, """
                    DELETE FROM repository_blobs rb WHERE repository_id = ? AND digest = ?
                      AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
                                      WHERE mb.digest = rb.digest AND m.repository_id = rb.repository_id)""",
                    repository, layer.digest().toString()));
            awaitWaiters(1);
            holder.commit();

            assertThat(delete.get(30, TimeUnit.SECONDS)).as("deleted although a manifest now uses it").isEqualTo(1);
            naive.rollback();
        }
        sql("DELETE FROM manifests WHERE id = ?", manifest);
        holder.commit();
    }

    @Test
    void theCollectorLeavesALinkAManifestPushHoldsAndReviewsItAgain() throws Exception {
        Images.collect(http); // what earlier tests left
        String repo = TestData.repository("lock");
        Blob layer = Blob.random(100);
        Images.pushBlobs(http, repo, List.of(layer));
        long repository = repositoryId(repo);
        // what a push does: share-lock the link, then record the manifest that uses it
        sql("SELECT 1 FROM repository_blobs WHERE repository_id = ? AND digest = ? FOR SHARE", repository,
                layer.digest().toString());
        insertManifestUsing(repository, layer);

        JsonNode whileHeld = Images.collect(http);

        assertThat(whileHeld.get("linksDeleted").asInt()).isZero();
        assertThat(scalar("SELECT count(*) FROM gc_link_reviews WHERE repository_id = ? AND digest = ?", repository,
                layer.digest().toString())).as("queued again").isEqualTo(1);
        holder.commit();
        dueNow(repository, layer);
        JsonNode afterwards = Images.collect(http);
        assertThat(afterwards.get("linksDeleted").asInt()).as("the manifest uses it now").isZero();
        assertThat(scalar("SELECT count(*) FROM gc_link_reviews WHERE repository_id = ? AND digest = ?", repository,
                layer.digest().toString())).as("reviewed").isZero();
        assertThat(http.get("/v2/" + repo + "/blobs/" + layer.digest()).body()).isEqualTo(layer.bytes());
    }

    @Test
    void aLinkLeftBecauseAPushHeldItGoesWhenThatPushFails() throws Exception {
        Images.collect(http);
        String repo = TestData.repository("lock");
        Blob layer = Blob.random(100);
        Images.pushBlobs(http, repo, List.of(layer));
        long repository = repositoryId(repo);
        sql("SELECT 1 FROM repository_blobs WHERE repository_id = ? AND digest = ? FOR SHARE", repository,
                layer.digest().toString());

        assertThat(Images.collect(http).get("linksDeleted").asInt()).isZero();
        holder.rollback();
        dueNow(repository, layer);
        JsonNode afterwards = Images.collect(http);

        assertThat(afterwards.get("linksDeleted").asInt()).isEqualTo(1);
        assertThat(Images.status(http, repo, layer.digest())).isEqualTo(404);
    }

    @Test
    void aManifestPushThatFindsALinkTheCollectorRemovedIsRefusedManifestBlobUnknown() throws Exception {
        String repo = TestData.repository("lock");
        Blob layer = Blob.random(100);
        Blob config = Blob.config();
        Images.pushBlobs(http, repo, List.of(layer, config));
        long repository = repositoryId(repo);
        // what the collector does: lock the link, find it unused, delete it
        sql("SELECT 1 FROM repository_blobs WHERE repository_id = ? AND digest = ? FOR UPDATE", repository,
                layer.digest().toString());

        Manifest image = Images.image(config, List.of(layer));
        CompletableFuture<HttpResponse<byte[]>> push = async(() -> http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST,
                image.bytes()));
        awaitWaiters(1);
        sql("DELETE FROM repository_blobs WHERE repository_id = ? AND digest = ?", repository, layer.digest().toString());
        holder.commit();
        HttpResponse<byte[]> response = push.get(30, TimeUnit.SECONDS);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(RegistryHttp.errorCode(response)).isEqualTo("MANIFEST_BLOB_UNKNOWN");
        assertThat(new String(response.body())).contains(layer.digest().toString())
                .doesNotContain(config.digest().toString());
        assertThat(Images.manifestStatus(http, repo, "v1")).isEqualTo(404);
    }

    @Test
    void anUploadWaitingForARowTheCollectorDeletesWithItsBytesRecreatesBoth() throws Exception {
        String first = TestData.repository("lock");
        String second = TestData.repository("lock");
        Blob blob = Blob.random(5000);
        Images.pushBlobs(http, first, List.of(blob));
        sql("DELETE FROM repository_blobs WHERE digest = ?", blob.digest().toString());
        holder.commit();
        // the collector's review of the unlinked blob, deleting the bytes while it holds the row
        sql("SELECT 1 FROM blobs WHERE digest = ? FOR UPDATE", blob.digest().toString());

        CompletableFuture<HttpResponse<byte[]>> upload = async(() -> monolithic(second, blob));
        awaitWaiters(1);
        Files.delete(file(store, blob.digest()));
        sql("DELETE FROM blobs WHERE digest = ?", blob.digest().toString());
        holder.commit();

        RegistryHttp.check(upload.get(30, TimeUnit.SECONDS), 201);
        Images.assertStored(store, blob);
        assertThat(http.get("/v2/" + second + "/blobs/" + blob.digest()).body()).isEqualTo(blob.bytes());
    }

    @Test
    void anUploadWaitingForTheCollectorsPlaceholderPublishesTheRemovedBytesAgain() throws Exception {
        String first = TestData.repository("lock");
        String second = TestData.repository("lock");
        Blob blob = Blob.random(5000);
        Images.pushBlobs(http, first, List.of(blob));
        // the collector deleted link and row; it now holds the digest while it removes the bytes
        sql("DELETE FROM repository_blobs WHERE digest = ?", blob.digest().toString());
        sql("DELETE FROM blobs WHERE digest = ?", blob.digest().toString());
        holder.commit();
        sql("INSERT INTO blobs (digest, size) VALUES (?, 0)", blob.digest().toString());

        // a session upload: POST, PUT with the bytes; its publish finds the blob still stored
        CompletableFuture<HttpResponse<byte[]>> upload = async(() -> {
            HttpResponse<byte[]> start = http.post("/v2/" + second + "/blobs/uploads/", new byte[0]);
            String location = start.headers().firstValue("Location").orElseThrow();
            return http.put(location + "?digest=" + blob.digest(), blob.bytes(), "Content-Type",
                    "application/octet-stream");
        });
        awaitWaiters(1);
        Files.delete(file(store, blob.digest()));
        holder.rollback();

        RegistryHttp.check(upload.get(30, TimeUnit.SECONDS), 201);
        Images.assertStored(store, blob);
        assertThat(http.get("/v2/" + second + "/blobs/" + blob.digest()).body()).isEqualTo(blob.bytes());
        assertThat(scalar("SELECT size FROM blobs WHERE digest = ?", blob.digest().toString()))
                .isEqualTo(blob.bytes().length);
    }

    @Test
    void aMountOfABlobTheCollectorDeletesMeanwhileFallsBackToAnUploadSession() throws Exception {
        String from = TestData.repository("lock");
        String to = TestData.repository("lock");
        Blob blob = Blob.random(300);
        Images.pushBlobs(http, from, List.of(blob));
        sql("DELETE FROM repository_blobs WHERE digest = ?", blob.digest().toString());
        sql("SELECT 1 FROM blobs WHERE digest = ? FOR UPDATE", blob.digest().toString());

        CompletableFuture<HttpResponse<byte[]>> mount = async(() -> http.post("/v2/" + to + "/blobs/uploads/?mount="
                + blob.digest() + "&from=" + from, new byte[0]));
        awaitWaiters(1);
        sql("DELETE FROM blobs WHERE digest = ?", blob.digest().toString());
        holder.commit();
        HttpResponse<byte[]> response = mount.get(30, TimeUnit.SECONDS);

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.headers().firstValue("Location").orElseThrow()).contains("/blobs/uploads/");
        assertThat(Images.status(http, to, blob.digest())).isEqualTo(404);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "pushed by {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"tag", "digest"})
    void pushingAManifestTheCollectorDeletesMeanwhileStoresItAgain(String by) throws Exception {
        String repo = TestData.repository("lock");
        Manifest image = Images.pushImage(http, repo, null, Blob.config(), List.of(Blob.random(100)));
        String reference = by.equals("tag") ? "v1" : image.digest().toString();
        long repository = repositoryId(repo);
        sql("SELECT 1 FROM manifests WHERE repository_id = ? AND digest = ? FOR UPDATE", repository,
                image.digest().toString());

        CompletableFuture<HttpResponse<byte[]>> push = async(() -> http.putManifest(repo, reference,
                MediaTypes.OCI_MANIFEST, image.bytes()));
        awaitWaiters(1);
        sql("DELETE FROM manifests WHERE repository_id = ? AND digest = ?", repository, image.digest().toString());
        holder.commit();

        RegistryHttp.check(push.get(30, TimeUnit.SECONDS), 201);
        assertThat(http.get("/v2/" + repo + "/manifests/" + reference, "Accept", MediaTypes.OCI_MANIFEST).body())
                .isEqualTo(image.bytes());
    }

    @Test
    void deletingASubjectWhileAReferrerOfItIsPushedQueuesTheReferrersReview() throws Exception {
        String repo = TestData.repository("lock");
        Manifest subject = Images.pushImage(http, repo, "v1", Blob.config(), List.of(Blob.random(100)));
        long repository = repositoryId(repo);
        // what a referrer's push does: hold its subject, record the referrer
        sql("SELECT 1 FROM manifests WHERE repository_id = ? AND digest = ? FOR KEY SHARE", repository,
                subject.digest().toString());
        String referrer = Blob.random(10).digest().toString();
        sql("""
                INSERT INTO manifests (repository_id, digest, media_type, content, subject_digest)
                VALUES (?, ?, 'application/vnd.oci.image.manifest.v1+json', '\\x7b7d', ?)""", repository, referrer,
                subject.digest().toString());

        CompletableFuture<HttpResponse<byte[]>> delete = async(() -> http.delete("/v2/" + repo + "/manifests/"
                + subject.digest()));
        awaitWaiters(1);
        holder.commit();

        RegistryHttp.check(delete.get(30, TimeUnit.SECONDS), 202);
        assertThat(scalar("SELECT count(*) FROM gc_manifest_reviews WHERE repository_id = ? AND digest = ?",
                repository, referrer)).isEqualTo(1);
        Images.collect(http);
        assertThat(Images.manifestStatus(http, repo, referrer)).isEqualTo(404);
    }

    @Test
    void aReferrerPushWaitsForTheDeletionOfItsSubjectAndIsCollectedAfterIt() throws Exception {
        String repo = TestData.repository("lock");
        Manifest subject = Images.pushImage(http, repo, "v1", Blob.config(), List.of(Blob.random(100)));
        Blob sbom = Blob.random(50);
        Blob config = Blob.config();
        Images.pushBlobs(http, repo, List.of(sbom, config));
        Manifest referrer = Images.image(config, List.of(sbom), subject);
        long repository = repositoryId(repo);
        sql("SELECT 1 FROM manifests WHERE repository_id = ? AND digest = ? FOR UPDATE", repository,
                subject.digest().toString());

        CompletableFuture<HttpResponse<byte[]>> push = async(() -> http.putManifest(repo, referrer.digest().toString(),
                MediaTypes.OCI_MANIFEST, referrer.bytes()));
        awaitWaiters(1);
        sql("DELETE FROM manifests WHERE repository_id = ? AND digest = ?", repository, subject.digest().toString());
        holder.commit();

        RegistryHttp.check(push.get(30, TimeUnit.SECONDS), 201);
        Images.collect(http);
        assertThat(Images.manifestStatus(http, repo, referrer.digest().toString())).isEqualTo(404);
    }

    @Test
    void deletingATagThatAPushMovesMeanwhileQueuesTheReviewOfWhatThePushStored() throws Exception {
        // found by GcRaceIT: the DELETE waited for the push, then did not see the manifest it stored
        String repo = TestData.repository("lock");
        Images.pushImage(http, repo, "t", Blob.config(), List.of(Blob.random(100)));
        long repository = repositoryId(repo);
        long moved = insertManifestUsing(repository, Blob.random(10));
        sql("UPDATE tags SET manifest_id = ? WHERE repository_id = ? AND name = 't'", moved, repository);
        String movedDigest = scalarText("SELECT digest FROM manifests WHERE id = ?", moved);

        CompletableFuture<HttpResponse<byte[]>> delete = async(() -> http.delete("/v2/" + repo + "/manifests/t"));
        awaitWaiters(1);
        holder.commit();

        RegistryHttp.check(delete.get(30, TimeUnit.SECONDS), 202);
        assertThat(scalar("SELECT count(*) FROM gc_manifest_reviews WHERE repository_id = ? AND digest = ?",
                repository, movedDigest)).isEqualTo(1);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static HttpResponse<byte[]> monolithic(String repository, Blob blob) {
        return http.post("/v2/" + repository + "/blobs/uploads/?digest=" + blob.digest(), blob.bytes(),
                "Content-Type", "application/octet-stream");
    }

    private static <T> CompletableFuture<T> async(Supplier<T> request) {
        return CompletableFuture.supplyAsync(request);
    }

    /** Waits until {@code n} other sessions of the database wait for a lock. */
    private void awaitWaiters(int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (scalar("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()""") >= n) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no request waited for the held lock");
    }

    /** Makes a link review queued again a second from now due at once (as if that second had passed). */
    private void dueNow(long repository, Blob layer) throws SQLException {
        sql("UPDATE gc_link_reviews SET queued_at = now() - interval '1 minute' WHERE repository_id = ? AND digest = ?",
                repository, layer.digest().toString());
        holder.commit();
    }

    private long repositoryId(String name) throws SQLException {
        return scalar("SELECT id FROM repositories WHERE name = ?", name);
    }

    /** Records a manifest that uses {@code layer}, as a push does, in the holder's transaction. */
    private long insertManifestUsing(long repository, Blob layer) throws SQLException {
        long id = scalar("""
                INSERT INTO manifests (repository_id, digest, media_type, content)
                VALUES (?, ?, 'application/vnd.oci.image.manifest.v1+json', '\\x7b7d') RETURNING id""",
                repository, Blob.random(10).digest().toString());
        sql("INSERT INTO manifest_blobs (manifest_id, digest) VALUES (?, ?)", id, layer.digest().toString());
        return id;
    }

    private void sql(String sql, Object... params) throws SQLException {
        try (PreparedStatement s = holder.prepareStatement(sql)) {
            bind(s, params);
            s.execute();
        }
    }

    private long scalar(String sql, Object... params) throws SQLException {
        try (PreparedStatement s = holder.prepareStatement(sql)) {
            bind(s, params);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private String scalarText(String sql, Object... params) throws SQLException {
        try (PreparedStatement s = holder.prepareStatement(sql)) {
            bind(s, params);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static int update(Connection c, String sql, Object... params) {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, params);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void bind(PreparedStatement s, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            s.setObject(i + 1, params[i]);
        }
    }
}
