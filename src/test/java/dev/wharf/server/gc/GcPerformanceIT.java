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
 * CI's: {@code wharf.gc.speed.blobs}, {@code wharf.gc.load.images} (warm-up),
 * {@code wharf.gc.load.backlog}, {@code wharf.gc.load.windows}, {@code wharf.gc.load.window-seconds}.
 */
class GcPerformanceIT {

    private static final int BLOBS = Integer.getInteger("wharf.gc.speed.blobs", 300);
    private static final int IMAGES = Integer.getInteger("wharf.gc.load.images", 150);
    private static final int BACKLOG = Integer.getInteger("wharf.gc.load.backlog", 40000);
    private static final int WINDOWS = Integer.getInteger("wharf.gc.load.windows", 4);
    private static final java.time.Duration WINDOW = java.time.Duration.ofSeconds(Integer.getInteger(
            "wharf.gc.load.window-seconds", 3));
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

    /**
     * Pushes run without pause from 4 clients while the collector's worker is switched off and on
     * in turns of {@code WINDOW}, with a backlog of blobs to delete that outlasts the run; the push
     * rate in the windows with the worker on is compared with the windows without it. Alternating
     * cancels the drift of a warming JVM and a shared machine, which comparing one phase with the
     * next does not.
     */
    @Test
    void pushesLoseLittleThroughputWhileTheCollectorWorksThroughABacklog() throws Exception {
        try (RegistryServer server = RegistryServer.start(Map.of("wharf.gc.workers", "1",
                "wharf.gc.interval", "100ms"))) {
            RegistryHttp http = new RegistryHttp(server.base());
            JdbcClient jdbc = server.bean(JdbcClient.class);
            GcWorkers workers = server.bean(GcWorkers.class);
            pushImages(http, "load/warm", IMAGES);
            workers.stop();
            backlog(jdbc, server.dataDir().resolve("storage"), BACKLOG);

            AtomicInteger pushed = new AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                running.add(clients.submit(() -> {
                    for (int i = 0; !done.get(); i++) {
                        pushImage(http, "load/c" + client, i);
                        pushed.incrementAndGet();
                    }
                    return null;
                }));
            }
            List<Double> on = new ArrayList<>();
            List<Double> off = new ArrayList<>();
            List<Double> deleted = new ArrayList<>();
            try {
                for (int window = 0; window < WINDOWS; window++) {
                    boolean collecting = window % 2 == 1;
                    if (collecting) {
                        workers.start();
                    }
                    double deletesBefore = deletes(http);
                    int before = pushed.get();
                    long started = System.nanoTime();
                    Thread.sleep(WINDOW.toMillis());
                    double rate = (pushed.get() - before) / ((System.nanoTime() - started) / 1e9);
                    if (collecting) {
                        workers.stop();
                        on.add(rate);
                        deleted.add(deletes(http) - deletesBefore);
                    } else {
                        off.add(rate);
                    }
                }
            } finally {
                done.set(true);
                clients.shutdown();
            }
            for (Future<?> f : running) {
                f.get(1, TimeUnit.MINUTES);
            }
            double onRate = on.stream().mapToDouble(d -> d).average().orElseThrow();
            double offRate = off.stream().mapToDouble(d -> d).average().orElseThrow();
            System.out.printf("gc load: images/s without the collector %s, with it %s (deleting %s blobs per"
                    + " window of %d s); with / without = %.2f; %d reviews still due%n", rounded(off), rounded(on),
                    rounded(deleted), WINDOW.toSeconds(), onRate / offRate, due(jdbc));
            assertThat(deleted).as("the collector worked in every window it was on").allMatch(d -> d > 0);
            assertThat(due(jdbc)).as("the backlog outlasted the run").isPositive();
            assertThat(onRate / offRate).isGreaterThan(0.5);
        }
    }

    /**
     * {@code count} blobs no repository links, written straight to the store and the database, and
     * their reviews due: the work of the collector's heaviest review (a row, then the bytes).
     */
    private static void backlog(JdbcClient jdbc, java.nio.file.Path store, int count) throws Exception {
        List<String> digests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] content = TestData.random(512 + i % 512);
            Digest digest = Digest.sha256(content);
            java.nio.file.Path file = Images.file(store, digest);
            java.nio.file.Files.createDirectories(file.getParent());
            java.nio.file.Files.write(file, content);
            digests.add(digest.toString());
        }
        jdbc.sql("INSERT INTO blobs (digest, size) SELECT d, 1000 FROM unnest(CAST(:d AS text[])) d")
                .param("d", digests.toArray(String[]::new)).update();
        jdbc.sql("""
                INSERT INTO gc_blob_reviews (digest, queued_at)
                SELECT d, now() - interval '25 hours' FROM unnest(CAST(:d AS text[])) d""")
                .param("d", digests.toArray(String[]::new)).update();
    }

    private static String rounded(List<Double> values) {
        return values.stream().map(v -> String.format("%.0f", v)).toList().toString();
    }

    /** Pushes {@code count} small images from 4 clients; images/s. */
    private double pushImages(RegistryHttp http, String repo, int count) throws Exception {
        long started = System.nanoTime();
        parallel(count, i -> pushImage(http, repo, i));
        return count / ((System.nanoTime() - started) / 1e9);
    }

    /** A small image: config, two 16 KiB layers (monolithic uploads), manifest under tag t{i}. */
    private static void pushImage(RegistryHttp http, String repo, int i) {
        Images.Blob config = Images.Blob.config();
        List<Images.Blob> layers = List.of(Images.Blob.random(16 * 1024), Images.Blob.random(16 * 1024));
        for (Images.Blob blob : List.of(config, layers.get(0), layers.get(1))) {
            upload(http, repo, blob.bytes());
        }
        Images.Manifest manifest = Images.image(config, layers);
        RegistryHttp.check(http.putManifest(repo, "t" + i, MediaTypes.OCI_MANIFEST, manifest.bytes()), 201);
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
