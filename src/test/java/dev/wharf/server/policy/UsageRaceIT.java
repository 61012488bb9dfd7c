package dev.wharf.server.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Usage stays exact under concurrency: pushes (sharing layers across repositories, moving tags,
 * some refused by the quota), mounts, tag, manifest and blob deletes and garbage collections (review
 * delay 0, so the collector takes what is unreferenced at once) race in one namespace; afterwards
 * {@code usedBytes} and every per-digest count equal a recomputation from scratch. Bounded: a few
 * threads, a few hundred requests, on loopback.
 */
class UsageRaceIT {

    private static final int ROUNDS = 3;
    private static final int THREADS = 6;
    private static final int OPERATIONS = 40;
    private static final long QUOTA = 30_000;

    private static RegistryServer server;
    private static RegistryHttp http;
    private static JdbcClient jdbc;

    @BeforeAll
    static void start() {
        server = RegistryServer.start(Map.of("wharf.gc.review-delay", "0s", "wharf.gc.workers", "1",
                "wharf.retention.enabled", "false"));
        http = new RegistryHttp(server.base());
        jdbc = server.bean(JdbcClient.class);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void usageEqualsARecomputationAfterRacingPushesDeletesAndCollections() throws Exception {
        String ns = "race" + Long.toString(System.nanoTime() % 46656, 36);
        List<byte[]> layers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            layers.add(TestData.random(4000 + i));
        }
        // room for some images, not all: some pushes are refused
        RegistryHttp.check(http.put("/api/v1/namespaces/" + ns + "/policy", ("{\"quotaBytes\":" + QUOTA + "}")
                .getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json"), 200);
        Map<String, AtomicInteger> statuses = new java.util.concurrent.ConcurrentSkipListMap<>();
        Map<String, Boolean> manifests = new ConcurrentHashMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = round * 100L + t;
                futures.add(pool.submit(() -> work(ns, layers, new Random(seed), statuses, manifests)));
            }
            for (Future<?> f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();

            assertExact(ns);
        }
        System.out.printf("usage race: %d rounds x %d threads x %d operations; statuses %s; used %d bytes%n",
                ROUNDS, THREADS, OPERATIONS, statuses, used(ns));
        assertThat(statuses.keySet()).as("never a 5xx").allMatch(s -> s.charAt(0) < '5');
        assertThat(statuses).as("some pushes hit the quota").containsKey("403 DENIED");

        // a repository's deletion (what a namespace's deletion does) counts everything it held down
        jdbc.sql("DELETE FROM repositories WHERE name LIKE :prefix").param("prefix", ns + "/%").update();
        assertThat(used(ns)).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM namespace_digests WHERE namespace = :ns").param("ns", ns)
                .query(Long.class).single()).isZero();
    }

    private static void work(String ns, List<byte[]> layers, Random random, Map<String, AtomicInteger> statuses,
                             Map<String, Boolean> manifests) {
        for (int i = 0; i < OPERATIONS; i++) {
            String repo = ns + "/r" + random.nextInt(3);
            int op = random.nextInt(10);
            List<HttpResponse<byte[]>> responses = new ArrayList<>();
            if (op < 4) {
                byte[] config = NamespacePolicyIT.config();
                byte[] a = layers.get(random.nextInt(layers.size()));
                byte[] b = layers.get(random.nextInt(layers.size()));
                for (byte[] blob : List.of(config, a, b)) {
                    responses.add(http.post("/v2/" + repo + "/blobs/uploads/?digest=" + Digest.sha256(blob), blob,
                            "Content-Type", "application/octet-stream"));
                }
                byte[] manifest = NamespacePolicyIT.manifest(config, a, b);
                HttpResponse<byte[]> put = http.putManifest(repo, "t" + random.nextInt(4), MediaTypes.OCI_MANIFEST, manifest);
                responses.add(put);
                if (put.statusCode() == 201) {
                    manifests.put(repo + "@" + Digest.sha256(manifest), true);
                }
            } else if (op == 4) {
                responses.add(http.delete("/v2/" + repo + "/manifests/t" + random.nextInt(4)));
            } else if (op == 5) {
                List<String> known = new ArrayList<>(manifests.keySet());
                if (!known.isEmpty()) {
                    String pick = known.get(random.nextInt(known.size()));
                    String[] parts = pick.split("@");
                    responses.add(http.delete("/v2/" + parts[0] + "/manifests/" + parts[1]));
                }
            } else if (op == 6) {
                Digest layer = Digest.sha256(layers.get(random.nextInt(layers.size())));
                responses.add(http.delete("/v2/" + repo + "/blobs/" + layer));
            } else if (op == 7) {
                Digest layer = Digest.sha256(layers.get(random.nextInt(layers.size())));
                responses.add(http.post("/v2/" + repo + "/blobs/uploads/?mount=" + layer + "&from=" + ns + "/r"
                        + random.nextInt(3), new byte[0]));
            } else {
                responses.add(http.post("/api/v1/gc", new byte[0]));
            }
            for (HttpResponse<byte[]> r : responses) {
                String key = r.statusCode() < 400 ? Integer.toString(r.statusCode())
                        : r.statusCode() + " " + RegistryHttp.errorCode(r);
                statuses.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                if (r.statusCode() >= 500) {
                    System.out.println(r.request().method() + " " + r.request().uri() + ": " + r.statusCode() + " "
                            + new String(r.body(), StandardCharsets.UTF_8));
                }
            }
        }
    }

    private static void assertExact(String ns) {
        assertThat(used(ns)).isEqualTo(NamespacePolicyIT.recomputed(jdbc, ns)).as("never above the quota")
                .isLessThanOrEqualTo(QUOTA);
        long wrongCounts = jdbc.sql("""
                        WITH actual AS (
                            SELECT digest, count(*) AS refs FROM (
                                SELECT rb.digest FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                                WHERE split_part(r.name, '/', 1) = :ns
                                UNION ALL
                                SELECT m.digest FROM manifests m JOIN repositories r ON r.id = m.repository_id
                                WHERE split_part(r.name, '/', 1) = :ns) x GROUP BY digest),
                        counted AS (SELECT digest, refs FROM namespace_digests WHERE namespace = :ns)
                        SELECT count(*) FROM actual a FULL JOIN counted c ON c.digest = a.digest
                        WHERE a.refs IS DISTINCT FROM c.refs""")
                .param("ns", ns)
                .query(Long.class)
                .single();
        assertThat(wrongCounts).as("digests whose reference count is wrong").isZero();
    }

    private static long used(String ns) {
        return RegistryHttp.json(http.get("/api/v1/namespaces/" + ns + "/policy")).get("usedBytes").asLong();
    }
}
