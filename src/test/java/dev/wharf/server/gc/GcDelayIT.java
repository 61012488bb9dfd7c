package dev.wharf.server.gc;

import static dev.wharf.server.gc.Images.Blob;
import static dev.wharf.server.gc.Images.collect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The review delay (one hour here): nothing is reviewed before it has passed, queueing again
 * postpones, and a blob HEAD postpones a link review that would fall due soon (the window between
 * docker's HEAD of a layer it then skips and its manifest). Time moves by moving {@code queued_at}
 * back, as if the reviews had been queued earlier: due times are PostgreSQL's.
 */
class GcDelayIT {

    private static RegistryServer server;
    private static RegistryHttp http;
    private static JdbcClient jdbc;

    @BeforeAll
    static void start() {
        server = RegistryServer.start(Map.of("wharf.gc.enabled", "false", "wharf.gc.review-delay", "1h"));
        http = new RegistryHttp(server.base());
        jdbc = server.bean(JdbcClient.class);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void nothingIsReviewedBeforeTheDelayHasPassed() {
        String repo = TestData.repository("delay");
        Digest blob = http.pushBlob(repo, TestData.random(100));

        collect(http);
        assertThat(Images.status(http, repo, blob)).isEqualTo(200);
        age(repo, blob, 59);
        collect(http);
        assertThat(Images.status(http, repo, blob)).isEqualTo(200);
        age(repo, blob, 61);
        collect(http);

        assertThat(Images.status(http, repo, blob)).isEqualTo(404);
        // the blob's own review was queued by the link's removal, due an hour from now
        assertThat(jdbc.sql("SELECT count(*) FROM blobs WHERE digest = :d").param("d", blob.toString())
                .query(Long.class).single()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT count(*) FROM gc_blob_reviews WHERE digest = :d").param("d", blob.toString())
                .query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void uploadingABlobAgainPostponesItsLinkReview() {
        String repo = TestData.repository("delay");
        byte[] content = TestData.random(100);
        Digest blob = http.pushBlob(repo, content);
        age(repo, blob, 61);

        http.pushBlob(repo, content);

        assertThat(minutesSinceQueued(repo, blob)).isLessThan(1);
        collect(http);
        assertThat(Images.status(http, repo, blob)).isEqualTo(200);
    }

    @Test
    void aBlobHeadPostponesALinkReviewDueWithinHalfTheDelay() {
        String repo = TestData.repository("delay");
        Digest soon = http.pushBlob(repo, TestData.random(100));
        Digest later = http.pushBlob(repo, TestData.random(100));
        age(repo, soon, 40);
        age(repo, later, 20);

        assertThat(Images.status(http, repo, soon)).isEqualTo(200);
        assertThat(Images.status(http, repo, later)).isEqualTo(200);
        assertThat(http.get("/v2/" + repo + "/blobs/" + later).statusCode()).isEqualTo(200);

        assertThat(minutesSinceQueued(repo, soon)).isLessThan(1);
        assertThat(minutesSinceQueued(repo, later)).isBetween(19.0, 21.0);
    }

    @Test
    void theLinksOfACollectedManifestGetAFullDelayAgain() {
        String repo = TestData.repository("delay");
        Blob layer = Blob.random(100);
        Images.Manifest image = Images.pushImage(http, repo, null, Blob.config(), List.of(layer));
        jdbc.sql("""
                        UPDATE gc_manifest_reviews SET queued_at = now() - interval '61 minutes'
                        WHERE digest = :digest""").param("digest", image.digest().toString()).update();
        age(repo, layer.digest(), 61);

        collect(http);

        assertThat(Images.manifestStatus(http, repo, image.digest().toString())).isEqualTo(404);
        assertThat(Images.status(http, repo, layer.digest())).isEqualTo(200);
        assertThat(minutesSinceQueued(repo, layer.digest())).isLessThan(1);
    }

    /** Moves the link review of {@code blob} in {@code repo} back to {@code minutes} ago. */
    private static void age(String repo, Digest blob, int minutes) {
        assertThat(jdbc.sql("""
                        UPDATE gc_link_reviews SET queued_at = now() - make_interval(mins => :minutes)
                        WHERE digest = :digest AND repository_id = (SELECT id FROM repositories WHERE name = :repo)""")
                .param("minutes", minutes).param("digest", blob.toString()).param("repo", repo)
                .update()).isEqualTo(1);
    }

    private static double minutesSinceQueued(String repo, Digest blob) {
        return jdbc.sql("""
                        SELECT EXTRACT(EPOCH FROM now() - queued_at) / 60 FROM gc_link_reviews
                        WHERE digest = :digest AND repository_id = (SELECT id FROM repositories WHERE name = :repo)""")
                .param("digest", blob.toString()).param("repo", repo)
                .query(Double.class).single();
    }
}
