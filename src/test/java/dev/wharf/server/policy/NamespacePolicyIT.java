package dev.wharf.server.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestClock;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * A namespace's policy through the API (auth off: the caller counts as admin; AccessMatrixIT has who
 * may do what): quotas refuse what does not fit and give space back on delete and collection,
 * immutable tags cannot move or go, retention untags what its rules do not keep.
 */
class NamespacePolicyIT {

    private static final AtomicInteger NAMESPACES = new AtomicInteger();
    private static final TestClock clock = new TestClock();
    private static RegistryServer server;
    private static RegistryHttp http;

    @BeforeAll
    static void start() {
        server = RegistryServer.start(TestDatabases.create(),
                // retention's schedule is on, but checks only when a test asks (runWhenDue)
                Map.of("wharf.gc.enabled", "false", "wharf.gc.review-delay", "0s", "wharf.retention.check-interval", "1h"),
                clock.initializer());
        http = new RegistryHttp(server.base());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aPolicyStartsEmptyAndAFieldLeftOutKeepsItsValue() {
        String ns = namespace();
        JsonNode empty = policy(ns);
        assertThat(empty.get("quotaBytes").isNull()).isTrue();
        assertThat(empty.get("usedBytes").asLong()).isZero();
        assertThat(empty.get("immutableTags")).isEmpty();

        put(ns, "{\"quotaBytes\":5000,\"immutableTags\":[\"v*\",\"release-*\"],\"retention\":[{\"keepLast\":3}]}", 200);
        put(ns, "{\"immutableTags\":[\"stable\"]}", 200);
        JsonNode after = policy(ns);

        assertThat(after.get("quotaBytes").asLong()).isEqualTo(5000);
        assertThat(after.get("immutableTags").toString()).isEqualTo("[\"stable\"]");
        assertThat(after.get("retention").get(0).get("keepLast").asInt()).isEqualTo(3);
        assertThat(after.get("retention").get(0).get("repositories").asString()).isEqualTo("**");
        put(ns, "{\"quotaBytes\":null}", 200);
        assertThat(policy(ns).get("quotaBytes").isNull()).isTrue();
    }

    @Test
    void usageCountsEachDistinctBlobAndManifestOfTheNamespaceOnce() {
        String ns = namespace();
        byte[] layer = TestData.random(3000);
        byte[] config = config();
        pushBlob(ns + "/a", layer);
        pushBlob(ns + "/b", layer);
        pushBlob(ns + "/a", config);
        byte[] manifest = manifest(config, layer);
        RegistryHttp.check(http.putManifest(ns + "/a", "v1", MediaTypes.OCI_MANIFEST, manifest), 201);
        RegistryHttp.check(http.putManifest(ns + "/a", "v2", MediaTypes.OCI_MANIFEST, manifest), 201);

        assertThat(used(ns)).isEqualTo(layer.length + config.length + manifest.length).isEqualTo(recomputed(ns));
    }

    @Test
    void aBlobUploadBeyondTheQuotaIsDeniedWithQuotaUsageAndNeedAndLeavesNothing() {
        String ns = namespace();
        put(ns, "{\"quotaBytes\":1000}", 200);
        pushBlob(ns + "/app", TestData.random(600));
        byte[] big = TestData.random(600);
        Digest digest = Digest.sha256(big);
        double before = refusals();

        HttpResponse<byte[]> monolithic = http.post("/v2/" + ns + "/app/blobs/uploads/?digest=" + digest, big,
                "Content-Type", "application/octet-stream");

        assertThat(monolithic.statusCode()).isEqualTo(403);
        assertThat(RegistryHttp.errorCode(monolithic)).isEqualTo("DENIED");
        assertThat(message(monolithic)).isEqualTo(
                "quota exceeded for namespace " + ns + ": quota 1000 B, used 600 B, this push needs 600 B more");
        assertThat(http.head("/v2/" + ns + "/app/blobs/" + digest).statusCode()).isEqualTo(404);
        assertThat(used(ns)).isEqualTo(600).isEqualTo(recomputed(ns));
        assertThat(refusals()).isEqualTo(before + 1);
        assertThat(new String(http.get("/n/" + ns).body(), StandardCharsets.UTF_8))
                .as("the namespace's page shows usage against quota").contains("600 B of 1000 B (60%)");
    }

    @Test
    void aSessionUploadIsCheckedAtItsCommitAndARefusedOneLeavesNoSessionNoBlobAndNoBytes() {
        String ns = namespace();
        put(ns, "{\"quotaBytes\":1000}", 200);
        byte[] first = TestData.random(600);
        Digest digest = Digest.sha256(first);
        // the chunk fits when it arrives...
        HttpResponse<byte[]> start = http.post("/v2/" + ns + "/app/blobs/uploads/", new byte[0]);
        RegistryHttp.check(start, 202);
        String location = start.headers().firstValue("Location").orElseThrow();
        HttpResponse<byte[]> chunk = http.patch(location, first, "Content-Type", "application/octet-stream");
        RegistryHttp.check(chunk, 202);
        location = chunk.headers().firstValue("Location").orElseThrow();
        // ...but another upload takes the space before it commits
        pushBlob(ns + "/app", TestData.random(500));

        HttpResponse<byte[]> commit = http.put(location + (location.contains("?") ? "&" : "?") + "digest=" + digest,
                new byte[0]);

        assertThat(commit.statusCode()).isEqualTo(403);
        assertThat(message(commit)).isEqualTo(
                "quota exceeded for namespace " + ns + ": quota 1000 B, used 500 B, this push needs 600 B more");
        assertThat(http.get(location).statusCode()).as("the session is gone").isEqualTo(404);
        assertThat(http.head("/v2/" + ns + "/app/blobs/" + digest).statusCode()).isEqualTo(404);
        assertThat(server.dataDir().resolve("storage")).isDirectory();
        assertThat(storedBytes(digest)).as("the bytes it published are removed").isFalse();
        assertThat(used(ns)).isEqualTo(500).isEqualTo(recomputed(ns));
    }

    @Test
    void aChunkThatCannotFitIsRefusedBeforeItsBodyIsReadAndItsSessionGoes() {
        String ns = namespace();
        put(ns, "{\"quotaBytes\":1000}", 200);
        HttpResponse<byte[]> start = http.post("/v2/" + ns + "/app/blobs/uploads/", new byte[0]);
        RegistryHttp.check(start, 202);
        String location = start.headers().firstValue("Location").orElseThrow();

        HttpResponse<byte[]> chunk = http.patch(location, TestData.random(1001), "Content-Type", "application/octet-stream");

        assertThat(chunk.statusCode()).isEqualTo(403);
        assertThat(message(chunk)).isEqualTo(
                "quota exceeded for namespace " + ns + ": quota 1000 B, used 0 B, this push needs 1001 B more");
        assertThat(http.get(location).statusCode()).as("the session is gone").isEqualTo(404);
        assertThat(used(ns)).isZero();
    }

    /**
     * A streamed chunk (chunked transfer, no Content-Length: what docker sends) announces no size to
     * check before it is read: it is refused as soon as more has arrived than the quota has left,
     * instead of filling scratch storage until its commit, and its session goes with its bytes.
     */
    @Test
    void aStreamedChunkIsRefusedOnceItGoesBeyondTheQuotaAndItsSessionGoesWithItsBytes() {
        String ns = namespace();
        put(ns, "{\"quotaBytes\":100000}", 200);
        pushBlob(ns + "/app", TestData.random(40_000));
        HttpResponse<byte[]> start = http.post("/v2/" + ns + "/app/blobs/uploads/", new byte[0]);
        RegistryHttp.check(start, 202);
        String location = start.headers().firstValue("Location").orElseThrow();
        String session = location.replaceAll("^.*/blobs/uploads/([^?/]+).*$", "$1");

        HttpResponse<byte[]> chunk = streamed("PATCH", location, TestData.random(4 << 20));

        assertThat(chunk.statusCode()).isEqualTo(403);
        assertThat(RegistryHttp.errorCode(chunk)).isEqualTo("DENIED");
        assertThat(message(chunk)).startsWith("quota exceeded for namespace " + ns + ": quota 97.7 KiB, used 39.1 KiB, "
                + "this push needs at least ");
        assertThat(RegistryHttp.json(chunk).get("errors").get(0).get("detail").get("neededBytes").asLong())
                .as("what had arrived when it went beyond the 60,000 bytes left").isGreaterThan(60_000);
        assertThat(http.get(location).statusCode()).as("the session is gone").isEqualTo(404);
        assertThat(scratchOf(session)).as("its scratch data is gone").isEmpty();
        assertThat(used(ns)).isEqualTo(40_000).isEqualTo(recomputed(ns));

        // what fits still streams, and commits
        byte[] fits = TestData.random(50_000);
        start = http.post("/v2/" + ns + "/app/blobs/uploads/", new byte[0]);
        HttpResponse<byte[]> small = streamed("PATCH", start.headers().firstValue("Location").orElseThrow(), fits);
        RegistryHttp.check(small, 202);
        String next = small.headers().firstValue("Location").orElseThrow();
        RegistryHttp.check(http.put(next + (next.contains("?") ? "&" : "?") + "digest=" + Digest.sha256(fits),
                new byte[0]), 201);
        assertThat(used(ns)).isEqualTo(90_000).isEqualTo(recomputed(ns));
    }

    @Test
    void aStreamedMonolithicUploadBeyondTheQuotaIsRefusedAndLeavesNothing() {
        String ns = namespace();
        put(ns, "{\"quotaBytes\":100000}", 200);
        byte[] big = TestData.random(4 << 20);
        Digest digest = Digest.sha256(big);

        HttpResponse<byte[]> upload = streamed("POST", "/v2/" + ns + "/app/blobs/uploads/?digest=" + digest, big);

        assertThat(upload.statusCode()).isEqualTo(403);
        assertThat(message(upload)).startsWith("quota exceeded for namespace " + ns + ": quota 97.7 KiB, used 0 B, "
                + "this push needs at least ");
        assertThat(RegistryHttp.json(upload).get("errors").get(0).get("detail").get("neededBytes").asLong())
                .as("refused while it streamed, not once all of it was stored").isGreaterThan(100_000).isLessThan(4 << 20);
        assertThat(http.head("/v2/" + ns + "/app/blobs/" + digest).statusCode()).isEqualTo(404);
        assertThat(storedBytes(digest)).isFalse();
        assertThat(used(ns)).isZero();
    }

    /** Sends {@code body} without a Content-Length (chunked transfer encoding). */
    private static HttpResponse<byte[]> streamed(String method, String path, byte[] body) {
        return http.send(http.request(path).header("Content-Type", "application/octet-stream")
                .method(method, java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(body)))
                .build());
    }

    /** The files of the upload session's scratch data. */
    private static List<java.nio.file.Path> scratchOf(String session) {
        try (var files = java.nio.file.Files.walk(server.dataDir())) {
            return files.filter(p -> p.toString().contains(session)).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aBlobTheNamespaceHoldsAlreadyCostsNothingEvenAtTheQuota() {
        String ns = namespace();
        byte[] layer = TestData.random(800);
        pushBlob(ns + "/a", layer);
        put(ns, "{\"quotaBytes\":800}", 200);

        pushBlob(ns + "/b", layer);
        HttpResponse<byte[]> mount = http.post("/v2/" + ns + "/c/blobs/uploads/?mount=" + Digest.sha256(layer)
                + "&from=" + ns + "/a", new byte[0]);

        assertThat(mount.statusCode()).isEqualTo(201);
        assertThat(used(ns)).isEqualTo(800);
    }

    @Test
    void aManifestBeyondTheQuotaIsDeniedAndDeletingAndCollectingGivesTheSpaceBack() {
        String ns = namespace();
        byte[] layer = TestData.random(2000);
        byte[] config = config();
        pushBlob(ns + "/app", layer);
        pushBlob(ns + "/app", config);
        long blobs = layer.length + config.length;
        put(ns, "{\"quotaBytes\":" + (blobs + 10) + "}", 200);
        byte[] manifest = manifest(config, layer);

        HttpResponse<byte[]> refused = http.putManifest(ns + "/app", "v1", MediaTypes.OCI_MANIFEST, manifest);

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(RegistryHttp.errorCode(refused)).isEqualTo("DENIED");
        assertThat(message(refused)).startsWith("quota exceeded for namespace " + ns + ": quota 2.")
                .endsWith("this push needs " + manifest.length + " B more");
        JsonNode detail = RegistryHttp.json(refused).get("errors").get(0).get("detail");
        assertThat(detail.get("quotaBytes").asLong()).isEqualTo(blobs + 10);
        assertThat(detail.get("usedBytes").asLong()).isEqualTo(blobs);
        assertThat(detail.get("neededBytes").asLong()).isEqualTo(manifest.length);
        assertThat(http.head("/v2/" + ns + "/app/manifests/v1").statusCode()).isEqualTo(404);

        put(ns, "{\"quotaBytes\":" + (blobs + manifest.length) + "}", 200);
        RegistryHttp.check(http.putManifest(ns + "/app", "v1", MediaTypes.OCI_MANIFEST, manifest), 201);
        assertThat(used(ns)).isEqualTo(blobs + manifest.length);

        RegistryHttp.check(http.delete("/v2/" + ns + "/app/manifests/" + Digest.sha256(manifest)), 202);
        assertThat(used(ns)).as("the manifest's bytes at once").isEqualTo(blobs);
        RegistryHttp.check(http.post("/api/v1/gc", new byte[0]), 200);
        assertThat(used(ns)).as("its blobs once collected").isZero().isEqualTo(recomputed(ns));
    }

    @Test
    void anImmutableTagCannotMoveOrGoButItsFirstPushAndTheSameDigestAgainWork() {
        String ns = namespace();
        put(ns, "{\"immutableTags\":[\"v*\"]}", 200);
        byte[] a = image(ns + "/app");
        byte[] b = image(ns + "/app");

        RegistryHttp.check(http.putManifest(ns + "/app", "v1", MediaTypes.OCI_MANIFEST, a), 201);
        RegistryHttp.check(http.putManifest(ns + "/app", "v1", MediaTypes.OCI_MANIFEST, a), 201);
        HttpResponse<byte[]> move = http.putManifest(ns + "/app", "v1", MediaTypes.OCI_MANIFEST, b);
        HttpResponse<byte[]> deleteTag = http.delete("/v2/" + ns + "/app/manifests/v1");
        HttpResponse<byte[]> deleteManifest = http.delete("/v2/" + ns + "/app/manifests/" + Digest.sha256(a));

        for (HttpResponse<byte[]> r : List.of(move, deleteTag, deleteManifest)) {
            assertThat(r.statusCode()).as(r.request().method() + " " + r.request().uri()).isEqualTo(403);
            assertThat(RegistryHttp.errorCode(r)).isEqualTo("DENIED");
            assertThat(message(r)).contains("tag v1 is immutable (rule \"v*\"");
        }
        assertThat(http.get("/v2/" + ns + "/app/manifests/v1", "Accept", MediaTypes.OCI_MANIFEST).body()).isEqualTo(a);
        assertThat(new String(http.get("/n/" + ns).body(), StandardCharsets.UTF_8))
                .as("the namespace's page shows the rules to its owners").contains("Policy: <span>immutable tags v*</span>");
        // other tags move and go as before
        RegistryHttp.check(http.putManifest(ns + "/app", "latest", MediaTypes.OCI_MANIFEST, a), 201);
        RegistryHttp.check(http.putManifest(ns + "/app", "latest", MediaTypes.OCI_MANIFEST, b), 201);
        RegistryHttp.check(http.delete("/v2/" + ns + "/app/manifests/latest"), 202);
    }

    @Test
    void retentionKeepsTheLastNAndWhatARuleKeepsAndNeverAnImmutableTag() {
        String ns = namespace();
        String repo = ns + "/app";
        for (String tag : List.of("nightly-1", "nightly-2", "nightly-3", "nightly-4", "v1", "other")) {
            RegistryHttp.check(http.putManifest(repo, tag, MediaTypes.OCI_MANIFEST, image(repo)), 201);
        }
        put(ns, "{\"immutableTags\":[\"v*\"],\"retention\":[{\"tags\":\"nightly-*\",\"keepLast\":2},"
                + "{\"tags\":\"v*\",\"keepLast\":0}]}", 200);

        JsonNode dry = RegistryHttp.json(http.post("/api/v1/namespaces/" + ns + "/retention?dryRun=true", new byte[0]));
        assertThat(tags(dry)).containsExactly(repo + ":nightly-2", repo + ":nightly-1");
        assertThat(tagList(repo)).hasSize(6);

        JsonNode run = RegistryHttp.json(http.post("/api/v1/namespaces/" + ns + "/retention", new byte[0]));

        assertThat(run.get("dryRun").asBoolean()).isFalse();
        assertThat(tags(run)).containsExactly(repo + ":nightly-2", repo + ":nightly-1");
        assertThat(tagList(repo)).containsExactlyInAnyOrder("nightly-3", "nightly-4", "v1", "other");
        assertThat(RegistryHttp.json(http.get("/api/v1/audit?namespace=" + ns + "&type=tag.deleted"))
                .get("events")).hasSize(2);

        // what retention untagged, garbage collection removes, and the namespace gets the space back
        long before = used(ns);
        RegistryHttp.check(http.post("/api/v1/gc", new byte[0]), 200);
        for (JsonNode removed : run.get("removed")) {
            assertThat(http.head("/v2/" + repo + "/manifests/" + removed.get("digest").asString()).statusCode())
                    .isEqualTo(404);
        }
        assertThat(used(ns)).isLessThan(before).isEqualTo(recomputed(ns));
    }

    @Test
    void retentionByAgeFollowsTheClockAndAPullWithinTheWindowKeepsATag() {
        String ns = namespace();
        String repo = ns + "/app";
        for (String tag : List.of("pr-1", "pr-2", "pr-3")) {
            RegistryHttp.check(http.putManifest(repo, tag, MediaTypes.OCI_MANIFEST, image(repo)), 201);
        }
        put(ns, "{\"retention\":[{\"tags\":\"pr-*\",\"pushedWithinDays\":14},{\"tags\":\"pr-*\",\"pulledWithinDays\":30}]}",
                200);
        assertThat(tags(dryRun(ns))).isEmpty();

        clock.advance(Duration.ofDays(15));
        RegistryHttp.check(http.get("/v2/" + repo + "/manifests/pr-2", "Accept", MediaTypes.OCI_MANIFEST), 200);
        server.bean(dev.wharf.server.manifest.PullCounter.class).flush();

        assertThat(tags(dryRun(ns))).containsExactlyInAnyOrder(repo + ":pr-1", repo + ":pr-3");
    }

    @Test
    void theScheduledRunTakesEachIntervalOnceAndAppliesEveryNamespacesRules() {
        String ns = namespace();
        String repo = ns + "/app";
        for (String tag : List.of("build-1", "build-2", "build-3")) {
            RegistryHttp.check(http.putManifest(repo, tag, MediaTypes.OCI_MANIFEST, image(repo)), 201);
        }
        put(ns, "{\"retention\":[{\"tags\":\"build-*\",\"keepLast\":1}]}", 200);
        dev.wharf.server.retention.Retention retention = server.bean(dev.wharf.server.retention.Retention.class);
        JdbcClient jdbc = server.bean(JdbcClient.class);
        jdbc.sql("UPDATE gc_jobs SET last_started_at = :at WHERE name = 'retention'")
                .param("at", java.time.OffsetDateTime.ofInstant(clock.instant(), java.time.ZoneOffset.UTC)).update();

        retention.runWhenDue();
        assertThat(tagList(repo)).as("not due yet").hasSize(3);

        clock.advance(Duration.ofHours(24).plusMinutes(1));
        retention.runWhenDue();
        assertThat(tagList(repo)).containsExactly("build-3");

        RegistryHttp.check(http.putManifest(repo, "build-4", MediaTypes.OCI_MANIFEST, image(repo)), 201);
        retention.runWhenDue();
        assertThat(tagList(repo)).as("this interval's run is done").containsExactlyInAnyOrder("build-3", "build-4");
    }

    /**
     * A run whose replica stopped (its progress recorded up to some namespace, then nothing) is
     * finished by another replica once it has recorded nothing for 30 minutes, from the namespace
     * after its last; a run that still records progress is left to its replica.
     */
    @Test
    void aRunWhoseReplicaStoppedIsFinishedByAnotherFromTheNamespaceAfterItsLast() {
        String base = namespace();
        String done = base + "a";
        String rest = base + "b";
        for (String ns : List.of(done, rest)) {
            for (String tag : List.of("build-1", "build-2", "build-3")) {
                RegistryHttp.check(http.putManifest(ns + "/app", tag, MediaTypes.OCI_MANIFEST, image(ns + "/app")), 201);
            }
            put(ns, "{\"retention\":[{\"tags\":\"build-*\",\"keepLast\":1}]}", 200);
        }
        dev.wharf.server.retention.Retention retention = server.bean(dev.wharf.server.retention.Retention.class);
        JdbcClient jdbc = server.bean(JdbcClient.class);
        java.time.OffsetDateTime now = java.time.OffsetDateTime.ofInstant(clock.instant(), java.time.ZoneOffset.UTC);
        java.time.OffsetDateTime started = now.minusHours(1);
        // a run started an hour ago, done up to the first namespace, and still recording a minute ago
        jdbc.sql("""
                        UPDATE gc_jobs SET last_started_at = :started, finished_at = NULL, heartbeat_at = :beat,
                            progress = :done WHERE name = 'retention'""")
                .param("started", started).param("beat", now.minusMinutes(1)).param("done", done).update();

        retention.runWhenDue();
        assertThat(tagList(rest + "/app")).as("a run under way is its replica's").hasSize(3);

        clock.advance(Duration.ofMinutes(30));
        retention.runWhenDue();

        assertThat(tagList(rest + "/app")).as("finished by this replica").containsExactly("build-3");
        assertThat(tagList(done + "/app")).as("what the stopped run had done is not run again").hasSize(3);
        Map<String, Object> job = jdbc.sql("SELECT last_started_at, finished_at, progress FROM gc_jobs WHERE name = 'retention'")
                .query().singleRow();
        assertThat(job.get("finished_at")).as("the run is finished").isNotNull();
        assertThat(((java.sql.Timestamp) job.get("last_started_at")).toInstant())
                .as("still the stopped run's start: the next one is due an interval after it").isEqualTo(started.toInstant());
        assertThat((String) job.get("progress")).isGreaterThanOrEqualTo(rest);

        retention.runWhenDue();
        RegistryHttp.check(http.putManifest(rest + "/app", "build-4", MediaTypes.OCI_MANIFEST, image(rest + "/app")), 201);
        retention.runWhenDue();
        assertThat(tagList(rest + "/app")).as("not due again yet").containsExactlyInAnyOrder("build-3", "build-4");
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static String namespace() {
        return "policy" + NAMESPACES.incrementAndGet() + "x" + Long.toString(System.nanoTime() % 46656, 36);
    }

    private static JsonNode policy(String ns) {
        HttpResponse<byte[]> r = http.get("/api/v1/namespaces/" + ns + "/policy");
        RegistryHttp.check(r, 200);
        return RegistryHttp.json(r);
    }

    private static void put(String ns, String body, int status) {
        RegistryHttp.check(http.put("/api/v1/namespaces/" + ns + "/policy", body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json"), status);
    }

    private static JsonNode dryRun(String ns) {
        return RegistryHttp.json(http.post("/api/v1/namespaces/" + ns + "/retention?dryRun=true", new byte[0]));
    }

    private static long used(String ns) {
        return policy(ns).get("usedBytes").asLong();
    }

    /** The namespace's usage computed from scratch: each distinct digest of its links and manifests once. */
    static long recomputed(JdbcClient jdbc, String ns) {
        return jdbc.sql("""
                        SELECT coalesce(sum(size), 0) FROM (SELECT DISTINCT ON (digest) digest, size FROM (
                            SELECT rb.digest, b.size FROM repository_blobs rb
                            JOIN repositories r ON r.id = rb.repository_id JOIN blobs b ON b.digest = rb.digest
                            WHERE split_part(r.name, '/', 1) = :ns
                            UNION ALL
                            SELECT m.digest, octet_length(m.content) FROM manifests m
                            JOIN repositories r ON r.id = m.repository_id WHERE split_part(r.name, '/', 1) = :ns) x) y""")
                .param("ns", ns)
                .query(Long.class)
                .single();
    }

    private static long recomputed(String ns) {
        return recomputed(server.bean(JdbcClient.class), ns);
    }

    private static double refusals() {
        return server.bean(MeterRegistry.class).counter("wharf.quota.refusals").count();
    }

    private static boolean storedBytes(Digest digest) {
        try (var files = java.nio.file.Files.walk(server.dataDir())) {
            return files.anyMatch(p -> p.getFileName().toString().equals(digest.hex()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String message(HttpResponse<byte[]> r) {
        return RegistryHttp.json(r).get("errors").get(0).get("message").asString();
    }

    private static List<String> tags(JsonNode report) {
        List<String> out = new ArrayList<>();
        report.get("removed").forEach(r -> out.add(r.get("repository").asString() + ":" + r.get("tag").asString()));
        return out;
    }

    private static List<String> tagList(String repo) {
        List<String> out = new ArrayList<>();
        RegistryHttp.json(http.get("/v2/" + repo + "/tags/list")).get("tags").forEach(t -> out.add(t.asString()));
        return out;
    }

    private static void pushBlob(String repo, byte[] content) {
        http.pushBlob(repo, content);
    }

    static byte[] config() {
        return ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"nonce\":\"" + System.nanoTime() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] manifest(byte[] config, byte[]... layers) {
        List<String> layerJson = new ArrayList<>();
        for (byte[] layer : layers) {
            layerJson.add(RegistryHttp.descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(layer), layer.length));
        }
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length) + ",\"layers\":["
                + String.join(",", layerJson) + "]}").getBytes(StandardCharsets.UTF_8);
    }

    /** Uploads a fresh config and layer and returns the manifest naming them (not pushed). */
    private static byte[] image(String repo) {
        byte[] config = config();
        byte[] layer = TestData.random(100);
        pushBlob(repo, config);
        pushBlob(repo, layer);
        return manifest(config, layer);
    }
}
