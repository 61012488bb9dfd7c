package dev.wharf.server.gc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The workers collect on their own, in the background, once reviews fall due. */
class GcWorkersIT {

    private static RegistryServer server;
    private static RegistryHttp http;
    private static JdbcClient jdbc;

    @BeforeAll
    static void start() {
        server = RegistryServer.start(Map.of("wharf.gc.review-delay", "1h", "wharf.gc.interval", "100ms"));
        http = new RegistryHttp(server.base());
        jdbc = server.bean(JdbcClient.class);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aBlobNoManifestUsesIsCollectedOnceItsReviewsFallDue() throws Exception {
        String repo = TestData.repository("workers");
        Digest blob = http.pushBlob(repo, TestData.random(100));
        jdbc.sql("UPDATE gc_link_reviews SET queued_at = now() - interval '2 hours' WHERE digest = :d")
                .param("d", blob.toString()).update();

        // (polled in the database: a blob HEAD would postpone the review it waits for)
        await(() -> jdbc.sql("SELECT count(*) FROM repository_blobs WHERE digest = :d").param("d", blob.toString())
                .query(Long.class).single() == 0);
        assertThat(Images.status(http, repo, blob)).isEqualTo(404);
        await(() -> jdbc.sql("SELECT count(*) FROM gc_blob_reviews WHERE digest = :d").param("d", blob.toString())
                .query(Long.class).single() == 1);
        jdbc.sql("UPDATE gc_blob_reviews SET queued_at = now() - interval '2 hours' WHERE digest = :d")
                .param("d", blob.toString()).update();
        await(() -> jdbc.sql("SELECT count(*) FROM blobs WHERE digest = :d").param("d", blob.toString())
                .query(Long.class).single() == 0);

        assertThat(Images.file(server.dataDir().resolve("storage"), blob)).doesNotExist();
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("the workers did it in time").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
