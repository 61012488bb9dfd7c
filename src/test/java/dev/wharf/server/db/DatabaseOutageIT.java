package dev.wharf.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.ReferenceRegistry;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7, faults: PostgreSQL stopped and started again under load. Meanwhile every request is
 * answered 503 with {@code Retry-After} and the spec's error body (also when the exception escapes
 * the credentials filter, before MVC), never a 500 or the container's error page; afterwards the
 * server recovers by itself and everything it acknowledged (201) is intact.
 */
class DatabaseOutageIT {

    private static final int WORKERS = 4;

    @TempDir
    Path pgData;

    private final String basic = "Basic " + Base64.getEncoder().encodeToString(
            (RegistryServer.ADMIN + ":" + RegistryServer.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
    private final ConcurrentMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    private final List<String> wrong503s = new CopyOnWriteArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    /** repository:tag → manifest bytes, for every manifest PUT answered 201 */
    private final ConcurrentMap<String, byte[]> acknowledged = new ConcurrentHashMap<>();

    @Test
    void answers503WhileTheDatabaseIsDownAndRecoversWithNothingLost() throws Exception {
        int port = ReferenceRegistry.freePort();
        EmbeddedPostgres postgres = startPostgres(port);
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE outage");
        }
        var db = new TestDatabases.Database("jdbc:postgresql://127.0.0.1:" + port + "/outage", "postgres", "");
        try (RegistryServer server = RegistryServer.start(db, RegistryServer.withAuth(Map.of(
                "spring.datasource.hikari.connection-timeout", "1000",
                // every Basic check reads the database in the credentials filter, before MVC
                "wharf.auth.credential-cache-ttl", "0s")))) {
            RegistryHttp http = new RegistryHttp(server.base());
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger rounds = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                int worker = w;
                workers.add(pool.submit(() -> {
                    for (int round = 0; running.get(); round++) {
                        pushRound(http, "admin/outage-w" + worker, "r" + round);
                        rounds.incrementAndGet();
                    }
                }));
            }
            try {
                awaitAcknowledged(8, 60);
                postgres.close();
                int before = count(503);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (count(503) < before + 8 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                int acknowledgedWhileDown = acknowledged.size();
                postgres = startPostgres(port);
                awaitAcknowledged(acknowledgedWhileDown + 8, 60);
            } finally {
                running.set(false);
                pool.shutdown();
                assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            }
            for (Future<?> f : workers) {
                f.get();
            }
            System.out.printf("database outage: %d rounds by %d workers, statuses %s, %d manifests acknowledged%n",
                    rounds.get(), WORKERS, statuses, acknowledged.size());
            assertThat(failures).as("answers other than 2xx or a proper 503").isEmpty();
            assertThat(wrong503s).as("503s without Retry-After or the spec's UNAVAILABLE body").isEmpty();
            assertThat(count(503)).as("the outage was seen").isGreaterThanOrEqualTo(8);
            assertThat(count(500)).isZero();

            for (var e : acknowledged.entrySet()) {
                int colon = e.getKey().lastIndexOf(':');
                String repository = e.getKey().substring(0, colon);
                HttpResponse<byte[]> manifest = http.send(http.request("/v2/" + repository + "/manifests/"
                        + e.getKey().substring(colon + 1)).header("Authorization", basic)
                        .header("Accept", MediaTypes.OCI_MANIFEST).GET().build());
                RegistryHttp.check(manifest, 200);
                assertThat(manifest.body()).isEqualTo(e.getValue());
                var layers = RegistryHttp.JSON.readTree(e.getValue()).get("layers");
                for (var layer : layers) {
                    String digest = layer.get("digest").asString();
                    HttpResponse<byte[]> blob = http.send(http.request("/v2/" + repository + "/blobs/" + digest)
                            .header("Authorization", basic).GET().build());
                    RegistryHttp.check(blob, 200);
                    assertThat(Digest.sha256(blob.body()).toString()).isEqualTo(digest);
                }
            }
        } finally {
            postgres.close();
        }
    }

    /** One image: a layer, a config, a manifest; statuses recorded, stops at the first refusal. */
    private void pushRound(RegistryHttp http, String repository, String tag) {
        try {
            byte[] layer = TestData.random(2048);
            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"tag\":\"" + tag + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            Digest layerDigest = pushBlob(http, repository, layer);
            Digest configDigest = layerDigest == null ? null : pushBlob(http, repository, config);
            if (configDigest == null) {
                return;
            }
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                    + RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length) + ",\"layers\":["
                    + RegistryHttp.descriptor(MediaTypes.OCI_LAYER_GZIP, layerDigest, layer.length) + "]}")
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<byte[]> put = record(http.send(http.request("/v2/" + repository + "/manifests/" + tag)
                    .header("Authorization", basic).header("Content-Type", MediaTypes.OCI_MANIFEST)
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(manifest)).build()), 201);
            if (put.statusCode() == 201) {
                acknowledged.put(repository + ":" + tag, manifest);
            }
        } catch (UncheckedIOException e) {
            failures.add("transport: " + e.getMessage());
        }
    }

    private Digest pushBlob(RegistryHttp http, String repository, byte[] content) {
        Digest digest = Digest.sha256(content);
        HttpResponse<byte[]> start = record(http.send(http.request("/v2/" + repository + "/blobs/uploads/")
                .header("Authorization", basic).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build()), 202);
        if (start.statusCode() != 202) {
            return null;
        }
        String location = start.headers().firstValue("Location").orElseThrow();
        HttpResponse<byte[]> put = record(http.send(http.request(location + (location.contains("?") ? "&" : "?")
                        + "digest=" + digest).header("Authorization", basic)
                .header("Content-Type", "application/octet-stream")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(content)).build()), 201);
        return put.statusCode() == 201 ? digest : null;
    }

    private HttpResponse<byte[]> record(HttpResponse<byte[]> response, int expected) {
        int status = response.statusCode();
        statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
        String what = response.request().method() + " " + response.request().uri().getPath() + " → " + status + " "
                + new String(response.body(), StandardCharsets.UTF_8);
        if (status == 503) {
            boolean retryAfter = response.headers().firstValue("Retry-After").isPresent();
            boolean json = response.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
            if (!retryAfter || !json || !"UNAVAILABLE".equals(RegistryHttp.errorCode(response))) {
                wrong503s.add(what);
            }
        } else if (status != expected) {
            failures.add(what);
        }
        return response;
    }

    private int count(int status) {
        AtomicInteger n = statuses.get(status);
        return n == null ? 0 : n.get();
    }

    private void awaitAcknowledged(int n, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (acknowledged.size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + acknowledged.size() + " manifests acknowledged within " + seconds
                        + " s; statuses " + statuses + ", failures " + failures);
            }
            Thread.sleep(20);
        }
    }

    private EmbeddedPostgres startPostgres(int port) {
        try {
            return EmbeddedPostgres.builder().setPort(port).setDataDirectory(pgData).setCleanDataDirectory(false)
                    .setServerConfig("listen_addresses", "127.0.0.1").start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
