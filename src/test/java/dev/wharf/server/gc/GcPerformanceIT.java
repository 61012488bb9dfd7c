package dev.wharf.server.gc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.S3Server;
import dev.wharf.testing.TestData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The collector's speed (docs/PERFORMANCE.md has the figures and the commands): blob deletions per
 * second of one worker on each store, and the push throughput lost while the collector works
 * through a backlog. Sizes come from system properties so that the recorded runs can be larger than
 * CI's: {@code wharf.gc.speed.blobs}, {@code wharf.gc.load.images}, {@code wharf.gc.load.backlog}.
 */
class GcPerformanceIT {

    private static final int BLOBS = Integer.getInteger("wharf.gc.speed.blobs", 300);
    private static final int IMAGES = Integer.getInteger("wharf.gc.load.images", 150);
    private static final int BACKLOG = Integer.getInteger("wharf.gc.load.backlog", 3000);
    private static final int CLIENTS = 4;

    @Test
    void oneWorkerDeletesAtLeastAHundredBlobsASecondOnTheFilesystemStore() throws Exception {
        try (RegistryServer server = RegistryServer.start(Map.of("wharf.gc.enabled", "false",
                "wharf.gc.review-delay", "0s"))) {
            deletionSpeed("filesystem", server);
        }
    }

    @Test
    void oneWorkerDeletesAtLeastAHundredBlobsASecondOnS3() throws Exception {
        try (S3Server s3 = S3Server.start()) {
            Map<String, String> props = new HashMap<>(s3.serverProperties("gcspeed"));
            props.put("wharf.gc.enabled", "false");
            props.put("wharf.gc.review-delay", "0s");
            try (RegistryServer server = RegistryServer.start(props)) {
                deletionSpeed("s3", server);
            }
        }
    }

    /** Uploads blobs no manifest uses, then times one collection (one thread: what one worker does). */
    private void deletionSpeed(String store, RegistryServer server) throws Exception {
        RegistryHttp http = new RegistryHttp(server.base());
        parallel(BLOBS, i -> upload(http, "speed/r" + (i % 8), TestData.random(1024 + i)));
        long started = System.nanoTime();
        JsonNode report = Images.collect(http);
        double seconds = (System.nanoTime() - started) / 1e9;

        double rate = BLOBS / seconds;
        System.out.printf("gc speed (%s): %d blobs (and %d links) deleted by one worker in %.2f s: %.0f blobs/s%n",
                store, report.get("blobsDeleted").asInt(), report.get("linksDeleted").asInt(), seconds, rate);
        assertThat(report.get("blobsDeleted").asInt()).isEqualTo(BLOBS);
        assertThat(rate).isGreaterThanOrEqualTo(100);
    }

    @Test
    void pushesLoseLittleThroughputWhileTheCollectorWorksThroughABacklog() throws Exception {
        try (RegistryServer server = RegistryServer.start(Map.of("wharf.gc.workers", "1",
                "wharf.gc.interval", "100ms"))) {
            RegistryHttp http = new RegistryHttp(server.base());
            JdbcClient jdbc = server.bean(JdbcClient.class);
            pushImages(http, "load/warm", IMAGES / 2);
            List<Double> idle = new ArrayList<>();
            List<Double> busy = new ArrayList<>();
            for (int run = 0; run < 2; run++) {
                String garbage = "load/garbage" + run;
                idle.add(pushImages(http, "load/idle" + run, IMAGES));
                parallel(BACKLOG, i -> upload(http, garbage, TestData.random(512 + i % 512)));
                double deletedBefore = deletes(http);
                // the backlog: blobs whose links went a review delay ago (the heaviest review: the
                // row, then the bytes)
                jdbc.sql("""
                        WITH gone AS (
                            DELETE FROM repository_blobs WHERE repository_id = (SELECT id FROM repositories WHERE name = :repo)
                            RETURNING digest)
                        INSERT INTO gc_blob_reviews (digest, queued_at) SELECT digest, now() - interval '25 hours' FROM gone
                        ON CONFLICT (digest) DO UPDATE SET queued_at = EXCLUDED.queued_at""")
                        .param("repo", garbage).update();
                busy.add(pushImages(http, "load/busy" + run, IMAGES));
                double deletedDuring = deletes(http) - deletedBefore;
                long left = due(jdbc);
                System.out.printf("gc load run %d: %.1f images/s idle, %.1f images/s while the collector deleted"
                        + " %.0f blobs and links (%d reviews still due afterwards)%n", run, idle.get(run),
                        busy.get(run), deletedDuring, left);
                assertThat(deletedDuring).as("the collector worked during the pushes").isPositive();
                awaitEmpty(jdbc);
            }
            double ratio = busy.stream().mapToDouble(d -> d).sum() / idle.stream().mapToDouble(d -> d).sum();
            System.out.printf("gc load: push throughput while collecting / idle = %.2f%n", ratio);
            assertThat(ratio).isGreaterThan(0.5);
        }
    }

    /** Pushes {@code count} small images (config, two 16 KiB layers, manifest) from 4 clients; images/s. */
    private double pushImages(RegistryHttp http, String repo, int count) throws Exception {
        long started = System.nanoTime();
        parallel(count, i -> {
            Images.Blob config = Images.Blob.config();
            List<Images.Blob> layers = List.of(Images.Blob.random(16 * 1024), Images.Blob.random(16 * 1024));
            for (Images.Blob blob : List.of(config, layers.get(0), layers.get(1))) {
                upload(http, repo, blob.bytes());
            }
            Images.Manifest manifest = Images.image(config, layers);
            RegistryHttp.check(http.putManifest(repo, "t" + i, MediaTypes.OCI_MANIFEST, manifest.bytes()), 201);
        });
        return count / ((System.nanoTime() - started) / 1e9);
    }

    /** A monolithic upload. */
    private static void upload(RegistryHttp http, String repo, byte[] content) {
        RegistryHttp.check(http.post("/v2/" + repo + "/blobs/uploads/?digest=" + Digest.sha256(content), content,
                "Content-Type", "application/octet-stream"), 201);
    }

    private static double deletes(RegistryHttp http) {
        String metrics = new String(http.get("/actuator/prometheus").body(), java.nio.charset.StandardCharsets.UTF_8);
        return metrics.lines().filter(l -> l.startsWith("wharf_gc_deletes_total{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static long due(JdbcClient jdbc) {
        return jdbc.sql("""
                SELECT (SELECT count(*) FROM gc_link_reviews WHERE queued_at < now() - interval '24 hours')
                     + (SELECT count(*) FROM gc_blob_reviews WHERE queued_at < now() - interval '24 hours')""")
                .query(Long.class).single();
    }

    private static void awaitEmpty(JdbcClient jdbc) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (due(jdbc) > 0) {
            assertThat(System.nanoTime()).as("the backlog is worked off").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private interface Task {
        void run(int i) throws Exception;
    }

    private static void parallel(int count, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        AtomicInteger next = new AtomicInteger();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                running.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < count; ) {
                        task.run(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
