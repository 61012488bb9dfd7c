package dev.wharf.server.gc;

import static dev.wharf.server.gc.Images.Blob;
import static dev.wharf.server.gc.Images.Manifest;
import static dev.wharf.server.gc.Images.collect;
import static dev.wharf.server.gc.Images.file;
import static dev.wharf.server.gc.Images.manifestStatus;
import static dev.wharf.server.gc.Images.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * What the collector removes and what it keeps, on a server whose reviews are due at once
 * ({@code wharf.gc.review-delay=0s}) and whose workers are off: each test collects with
 * {@code POST /api/v1/gc} when it wants to.
 */
class GcIT {

    private static RegistryServer server;
    private static RegistryHttp http;
    private static Path store;

    @BeforeAll
    static void start() {
        server = RegistryServer.start(Map.of("wharf.gc.enabled", "false", "wharf.gc.review-delay", "0s"));
        http = new RegistryHttp(server.base());
        store = server.dataDir().resolve("storage");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void startFromAnEmptyQueue() {
        collect(http);
    }

    @Test
    void deletingAnImageRemovesItsOwnLayersAndKeepsTheSharedOnes() throws Exception {
        String repo = TestData.repository("gc");
        Blob base = Blob.random(3000);
        Blob ownA = Blob.random(2000);
        Blob ownB = Blob.random(2500);
        Blob configA = Blob.config();
        Blob configB = Blob.config();
        Manifest a = Images.pushImage(http, repo, "a", configA, List.of(base, ownA));
        Manifest b = Images.pushImage(http, repo, "b", configB, List.of(base, ownB));
        assertThat(collect(http).get("blobsDeleted").asInt()).as("everything is in use").isZero();

        RegistryHttp.check(http.delete("/v2/" + repo + "/manifests/" + a.digest()), 202);
        JsonNode report = collect(http);

        assertThat(report.get("linksDeleted").asInt()).isEqualTo(2);
        assertThat(report.get("blobsDeleted").asInt()).isEqualTo(2);
        assertThat(report.get("bytesFreed").asLong()).isEqualTo(ownA.bytes().length + configA.bytes().length);
        assertThat(report.get("dryRun").asBoolean()).isFalse();
        assertThat(status(http, repo, ownA.digest())).isEqualTo(404);
        assertThat(status(http, repo, configA.digest())).isEqualTo(404);
        assertThat(file(store, ownA.digest())).doesNotExist();
        assertThat(file(store, configA.digest())).doesNotExist();
        for (Blob kept : List.of(base, ownB, configB)) {
            assertThat(http.get("/v2/" + repo + "/blobs/" + kept.digest()).body()).isEqualTo(kept.bytes());
        }
        assertThat(manifestStatus(http, repo, "b")).isEqualTo(200);
        assertThat(manifestStatus(http, repo, b.digest().toString())).isEqualTo(200);
    }

    @Test
    void aManifestLeftByAMovedTagIsCollectedWithWhatOnlyItUsed() {
        String repo = TestData.repository("gc");
        Blob base = Blob.random(1000);
        Blob old = Blob.random(1000);
        Manifest first = Images.pushImage(http, repo, "latest", Blob.config(), List.of(base, old));
        Manifest second = Images.pushImage(http, repo, "latest", Blob.config(), List.of(base));

        JsonNode report = collect(http);

        assertThat(report.get("manifestsDeleted").asInt()).isEqualTo(1);
        assertThat(manifestStatus(http, repo, first.digest().toString())).isEqualTo(404);
        assertThat(manifestStatus(http, repo, "latest")).isEqualTo(200);
        assertThat(manifestStatus(http, repo, second.digest().toString())).isEqualTo(200);
        assertThat(status(http, repo, old.digest())).isEqualTo(404);
        assertThat(status(http, repo, base.digest())).isEqualTo(200);
    }

    @Test
    void aManifestWhoseLastTagIsDeletedIsCollectedAndOneWithAnotherTagIsNot() {
        String repo = TestData.repository("gc");
        Manifest image = Images.pushImage(http, repo, "one", Blob.config(), List.of(Blob.random(100)));
        Images.put(http, repo, "two", image);

        RegistryHttp.check(http.delete("/v2/" + repo + "/manifests/one"), 202);
        collect(http);
        assertThat(manifestStatus(http, repo, image.digest().toString())).isEqualTo(200);

        RegistryHttp.check(http.delete("/v2/" + repo + "/manifests/two"), 202);
        collect(http);
        assertThat(manifestStatus(http, repo, image.digest().toString())).isEqualTo(404);
    }

    @Test
    void aManifestPushedByDigestWithoutATagIsCollected() {
        String repo = TestData.repository("gc");
        Blob layer = Blob.random(500);
        Manifest image = Images.pushImage(http, repo, null, Blob.config(), List.of(layer));

        collect(http);

        assertThat(manifestStatus(http, repo, image.digest().toString())).isEqualTo(404);
        assertThat(status(http, repo, layer.digest())).isEqualTo(404);
    }

    @Test
    void indexChildrenGoWithTheirLastParent() {
        String repo = TestData.repository("gc");
        Blob onlyInFirst = Blob.random(700);
        Manifest amd64 = Images.pushImage(http, repo, null, Blob.config(), List.of(onlyInFirst));
        Manifest arm64 = Images.pushImage(http, repo, null, Blob.config(), List.of(Blob.random(800)));
        Manifest first = Images.index(List.of(amd64, arm64));
        Manifest second = Images.index(List.of(arm64));
        Images.put(http, repo, "multi", first);
        Images.put(http, repo, "arm", second);
        collect(http);
        assertThat(manifestStatus(http, repo, amd64.digest().toString())).as("a child of a tagged index").isEqualTo(200);

        RegistryHttp.check(http.delete("/v2/" + repo + "/manifests/" + first.digest()), 202);
        collect(http);

        assertThat(manifestStatus(http, repo, amd64.digest().toString())).isEqualTo(404);
        assertThat(status(http, repo, onlyInFirst.digest())).isEqualTo(404);
        assertThat(manifestStatus(http, repo, arm64.digest().toString())).as("the other index lists it").isEqualTo(200);

        RegistryHttp.check(http.delete("/v2/" + repo + "/manifests/arm"), 202);
        collect(http);
        assertThat(manifestStatus(http, repo, second.digest().toString())).isEqualTo(404);
        assertThat(manifestStatus(http, repo, arm64.digest().toString())).isEqualTo(404);
    }

    @Test
    void referrersGoWithTheirSubject() {
        String repo = TestData.repository("gc");
        Manifest subject = Images.pushImage(http, repo, "app", Blob.config(), List.of(Blob.random(300)));
        Blob sbom = Blob.random(400);
        Blob sbomConfig = Blob.config();
        Images.pushBlobs(http, repo, List.of(sbom, sbomConfig));
        Manifest referrer = Images.image(sbomConfig, List.of(sbom), subject);
        Images.put(http, repo, referrer.digest().toString(), referrer);

        collect(http);
        assertThat(manifestStatus(http, repo, referrer.digest().toString())).as("its subject lives").isEqualTo(200);

        RegistryHttp.check(http.delete("/v2/" + repo + "/manifests/" + subject.digest()), 202);
        collect(http);

        assertThat(manifestStatus(http, repo, referrer.digest().toString())).isEqualTo(404);
        assertThat(status(http, repo, sbom.digest())).isEqualTo(404);
        assertThat(file(store, sbom.digest())).doesNotExist();
    }

    @Test
    void aBlobUploadedButNeverUsedIsCollected() {
        String repo = TestData.repository("gc");
        Digest digest = http.pushBlob(repo, TestData.random(1234));

        JsonNode report = collect(http);

        assertThat(report.get("linksDeleted").asInt()).isEqualTo(1);
        assertThat(report.get("blobsDeleted").asInt()).isEqualTo(1);
        assertThat(report.get("bytesFreed").asLong()).isEqualTo(1234);
        assertThat(status(http, repo, digest)).isEqualTo(404);
        assertThat(file(store, digest)).doesNotExist();
    }

    @Test
    void aBlobOtherRepositoriesUseKeepsItsBytesWhenOneLinkGoes() throws Exception {
        String used = TestData.repository("gc");
        String unused = TestData.repository("gc");
        Blob layer = Blob.random(900);
        Images.pushImage(http, used, "v1", Blob.config(), List.of(layer));
        RegistryHttp.check(http.post("/v2/" + unused + "/blobs/uploads/?mount=" + layer.digest() + "&from=" + used,
                new byte[0]), 201);

        JsonNode report = collect(http);

        assertThat(report.get("linksDeleted").asInt()).isEqualTo(1);
        assertThat(report.get("blobsDeleted").asInt()).isZero();
        assertThat(status(http, unused, layer.digest())).isEqualTo(404);
        assertThat(status(http, used, layer.digest())).isEqualTo(200);
        Images.assertStored(store, layer);
    }

    @Test
    void aBlobDeletedByTheClientLeavesItsBytesToTheCollector() {
        String repo = TestData.repository("gc");
        Blob layer = Blob.random(600);
        Images.pushImage(http, repo, "v1", Blob.config(), List.of(layer));
        RegistryHttp.check(http.delete("/v2/" + repo + "/blobs/" + layer.digest()), 202);
        assertThat(file(store, layer.digest())).exists();

        collect(http);

        assertThat(file(store, layer.digest())).doesNotExist();
    }

    @Test
    void aDryRunReportsWhatARunThenDoesAndChangesNothing() throws Exception {
        String repo = TestData.repository("gc");
        Blob layer = Blob.random(2222);
        Blob config = Blob.config();
        Manifest image = Images.pushImage(http, repo, null, config, List.of(layer));

        JsonNode dry = collect(http, "?dryRun=true");

        assertThat(dry.get("dryRun").asBoolean()).isTrue();
        assertThat(dry.get("manifestsDeleted").asInt()).isEqualTo(1);
        assertThat(dry.get("linksDeleted").asInt()).isEqualTo(2);
        assertThat(dry.get("blobsDeleted").asInt()).isEqualTo(2);
        assertThat(dry.get("bytesFreed").asLong()).isEqualTo(2222 + config.bytes().length);
        assertThat(manifestStatus(http, repo, image.digest().toString())).isEqualTo(200);
        Images.assertStored(store, layer);
        assertThat(dry.get("remaining").asLong()).as("nothing was taken off the queue").isPositive();

        JsonNode real = collect(http);
        for (String field : List.of("manifestsDeleted", "linksDeleted", "blobsDeleted", "bytesFreed")) {
            assertThat(real.get(field).asLong()).as(field).isEqualTo(dry.get(field).asLong());
        }
        assertThat(real.get("remaining").asLong()).isZero();
        assertThat(file(store, layer.digest())).doesNotExist();
    }

    @Test
    void theInventorySweepRemovesStoreObjectsWithoutMetadataAndADryRunListsThem() throws Exception {
        byte[] content = "bytes a crash left behind".getBytes(StandardCharsets.UTF_8);
        Digest orphan = Digest.sha256(content);
        Files.createDirectories(file(store, orphan).getParent());
        Files.write(file(store, orphan), content);
        Path scratch = Files.createDirectories(store.resolve("uploads").resolve("0f0e0d0c-0000-4000-8000-000000000001"));
        Files.write(scratch.resolve("g1"), TestData.random(10));
        Files.setLastModifiedTime(scratch.resolve("g1"), java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(java.time.Duration.ofDays(2))));
        Files.setLastModifiedTime(scratch, Files.getLastModifiedTime(scratch.resolve("g1")));
        String repo = TestData.repository("gc");
        Manifest kept = Images.pushImage(http, repo, "v1", Blob.config(), List.of(Blob.random(100)));

        JsonNode dry = collect(http, "?dryRun=true&inventory=true").get("inventory");

        assertThat(dry.get("orphanBlobs").asInt()).isEqualTo(1);
        assertThat(dry.get("orphanUploads").asInt()).isEqualTo(1);
        assertThat(dry.get("orphanBytes").asLong()).isEqualTo(content.length + 10);
        assertThat(dry.get("scanned").asLong()).isGreaterThanOrEqualTo(4);
        assertThat(dry.get("orphans").findValuesAsString("name"))
                .containsExactlyInAnyOrder(orphan.toString(), scratch.getFileName().toString());
        assertThat(file(store, orphan)).exists();
        assertThat(scratch).exists();

        JsonNode real = collect(http, "?inventory=true").get("inventory");

        assertThat(real.get("orphanBlobs").asInt()).isEqualTo(1);
        assertThat(real.get("orphanUploads").asInt()).isEqualTo(1);
        assertThat(file(store, orphan)).doesNotExist();
        assertThat(scratch).doesNotExist();
        assertThat(manifestStatus(http, repo, kept.digest().toString())).isEqualTo(200);
        assertThat(collect(http).get("inventory").isNull()).as("only when asked").isTrue();
    }

    @Test
    void metricsShowDeletionsBytesAndTheQueues() {
        String repo = TestData.repository("gc");
        http.pushBlob(repo, TestData.random(4321));
        collect(http);

        String metrics = new String(http.get("/actuator/prometheus").body(), StandardCharsets.UTF_8);

        assertThat(metrics).contains("wharf_gc_deletes_total{kind=\"blob\"}", "wharf_gc_deletes_total{kind=\"link\"}",
                "wharf_gc_freed_bytes_total", "wharf_gc_queue_depth{kind=\"blob\"}",
                "wharf_gc_queue_oldest_due_seconds{kind=\"manifest\"}");
        assertThat(value(metrics, "wharf_gc_freed_bytes_total")).isGreaterThanOrEqualTo(4321);
    }

    @Test
    void reviewsQueueInTheDatabaseWhileTheCollectorIsOff() {
        String repo = TestData.repository("gc");
        http.pushBlob(repo, TestData.random(10));
        JdbcClient jdbc = server.bean(JdbcClient.class);

        assertThat(jdbc.sql("SELECT count(*) FROM gc_link_reviews").query(Long.class).single()).isEqualTo(1);
        assertThat(collect(http).get("linksDeleted").asInt()).isEqualTo(1);
    }

    private static double value(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
