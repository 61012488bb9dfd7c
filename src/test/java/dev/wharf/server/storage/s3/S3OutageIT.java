package dev.wharf.server.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.OutageProxy;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.S3Server;
import dev.wharf.testing.StoreAudit;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issue 7, faults: the S3 endpoint goes away in the middle of uploads, under load, in the two ways
 * it does (the service is down: connections reset and refused; the network path is gone:
 * connections hang), and comes back. Meanwhile every request that needs the store is answered 503
 * with {@code Retry-After} and the spec's {@code UNAVAILABLE} body, within the store's call timeout
 * (never a 500, never a hang); nothing half-published is visible; afterwards uploads resume from
 * the offset the registry reports and everything acknowledged reads back intact, from Wharf and
 * straight from the bucket.
 */
class S3OutageIT {

    /** Outages of each kind; {@code -Dwharf.outage.cycles=N} for a longer run. */
    private static final int CYCLES = Integer.getInteger("wharf.outage.cycles", 1);
    private static final int WORKERS = 6;
    private static final int CHUNK = 2 * 1024 * 1024;
    /** More than the socket buffers between S3, Wharf and a client hold, so a download waits mid-way. */
    private static final int BIG = 48 * 1024 * 1024;
    private static final String BUCKET = "outage";
    /** The store's call timeout in this test; a stalled S3 call must end within it, plus slack. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(3);

    private final ConcurrentMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final ConcurrentMap<String, byte[]> manifests = new ConcurrentHashMap<>();
    private final ConcurrentMap<Digest, String> blobs = new ConcurrentHashMap<>();
    private final AtomicInteger resumed = new AtomicInteger();
    private final AtomicInteger restarted = new AtomicInteger();
    private final AtomicInteger cutDownloads = new AtomicInteger();
    private final AtomicLong slowest503 = new AtomicLong();

    @Test
    void answers503WhileTheEndpointIsGoneAndRecoversWithNothingHalfPublished() throws Exception {
        TestDatabases.Database db = TestDatabases.create();
        try (S3Server s3 = S3Server.start(); OutageProxy proxy = OutageProxy.start(s3.endpoint())) {
            Map<String, String> props = new HashMap<>(s3.serverProperties(BUCKET));
            props.put("wharf.storage.s3.endpoint", proxy.endpoint().toString());
            props.put("wharf.storage.s3.call-timeout", CALL_TIMEOUT.toSeconds() + "s");
            String phases;
            try (RegistryServer server = RegistryServer.start(db, props)) {
                RegistryHttp http = new RegistryHttp(server.base());
                AtomicBoolean running = new AtomicBoolean(true);
                ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
                List<Future<?>> workers = new ArrayList<>();
                for (int w = 0; w < WORKERS; w++) {
                    String repository = "outage/w" + w;
                    workers.add(pool.submit(() -> {
                        for (int round = 0; running.get(); round++) {
                            pushAndPull(http, repository, "r" + round, running);
                        }
                        return null;
                    }));
                }
                try {
                    awaitCount(manifests::size, 6, "acknowledged pushes before the outage");
                    InputStream download = startDownload(http, bigBlob(http));
                    int refused = 0;
                    int stalled = 0;
                    for (int cycle = 0; cycle < CYCLES; cycle++) {
                        int before = count(503);
                        proxy.refuse();
                        if (cycle == 0) {
                            assertCut(download);
                        }
                        awaitCount(() -> count(503), before + 10, "503s while S3 refuses connections");
                        refused += count(503) - before;
                        pullWhileDown(http);
                        proxy.restore();
                        int acknowledged = manifests.size();
                        awaitCount(manifests::size, acknowledged + 6, "acknowledged pushes after S3 came back");

                        before = count(503);
                        proxy.stall();
                        awaitCount(() -> count(503), before + 6, "503s while S3 does not answer");
                        stalled += count(503) - before;
                        pullWhileDown(http);
                        proxy.restore();
                        acknowledged = manifests.size();
                        awaitCount(manifests::size, acknowledged + 6, "acknowledged pushes after S3 answered again");
                    }
                    phases = CYCLES + " outages of each kind: " + refused + " 503s while refused, " + stalled
                            + " while stalled";
                } finally {
                    running.set(false);
                    pool.shutdown();
                    assertThat(pool.awaitTermination(2, TimeUnit.MINUTES)).isTrue();
                }
                for (Future<?> f : workers) {
                    f.get();
                }
                verifyAcknowledged(http);
            }
            try (S3Client direct = s3.client(); Connection c = DriverManager.getConnection(db.url(), db.user(),
                    db.password())) {
                StoreAudit audit = StoreAudit.s3(direct, BUCKET);
                assertThat(audit.corrupt()).as("published objects that do not hash to their key").isEmpty();
                assertThat(audit.missingFromStore(c)).as("blobs recorded without their bytes").isEmpty();
                assertThat(blobs.keySet()).allSatisfy(d -> assertThat(audit.holds(d)).as(d.toString()).isTrue());
            }
            System.out.printf("S3 outage: %d workers, %s; statuses %s; slowest 503 %d ms (call timeout %s);"
                            + " %d manifests acknowledged and read back, %d sessions resumed after a 503, %d restarted,"
                            + " %d downloads cut mid-body; %d violations%n",
                    WORKERS, phases, statuses, slowest503.get(), CALL_TIMEOUT, manifests.size(), resumed.get(),
                    restarted.get(), cutDownloads.get(), violations.size());
        }
        assertThat(violations).isEmpty();
        assertThat(statuses.keySet()).as("statuses").doesNotContain(500, 502, 504);
    }

    /** One image in chunks through an upload session, resuming after 503s; then a pull of an earlier blob. */
    private void pushAndPull(RegistryHttp http, String repository, String tag, AtomicBoolean running) {
        byte[] layer = TestData.random(CHUNK / 2 + ThreadLocalRandom.current().nextInt(3 * CHUNK));
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"tag\":\"" + tag + "\",\"repository\":\""
                + repository + "\"}").getBytes(StandardCharsets.UTF_8);
        Digest layerDigest = upload(http, repository, layer, running);
        Digest configDigest = layerDigest == null ? null : upload(http, repository, config, running);
        if (configDigest == null) {
            return;
        }
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length) + ",\"layers\":["
                + RegistryHttp.descriptor(MediaTypes.OCI_LAYER_GZIP, layerDigest, layer.length) + "]}")
                .getBytes(StandardCharsets.UTF_8);
        while (running.get()) {
            HttpResponse<byte[]> put = send(http, http.request("/v2/" + repository + "/manifests/" + tag)
                    .header("Content-Type", MediaTypes.OCI_MANIFEST)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build());
            if (put != null && put.statusCode() == 201) {
                manifests.put(repository + ":" + tag, manifest);
                break;
            }
            if (put != null && put.statusCode() != 503) {
                violations.add("manifest PUT → " + put.statusCode());
                return;
            }
            pause();
        }
        pullOne(http);
    }

    /** A blob through a session: PATCH chunks, then the closing PUT; resumes from the session's Range after a 503. */
    private Digest upload(RegistryHttp http, String repository, byte[] content, AtomicBoolean running) {
        Digest digest = Digest.sha256(content);
        String location = null;
        long offset = 0;
        while (running.get()) {
            if (location == null) {
                HttpResponse<byte[]> start = send(http, http.request("/v2/" + repository + "/blobs/uploads/")
                        .POST(HttpRequest.BodyPublishers.noBody()).build());
                if (start == null || start.statusCode() != 202) {
                    pause();
                    continue;
                }
                location = start.headers().firstValue("Location").orElseThrow();
                offset = 0;
            }
            long end = Math.min(content.length, offset + CHUNK);
            boolean last = end == content.length;
            String uri = last ? location + (location.contains("?") ? "&" : "?") + "digest=" + digest : location;
            HttpResponse<byte[]> r = send(http, http.request(uri).header("Content-Type", "application/octet-stream")
                    .header("Content-Range", offset + "-" + (end - 1))
                    .method(last ? "PUT" : "PATCH", HttpRequest.BodyPublishers.ofByteArray(
                            Arrays.copyOfRange(content, (int) offset, (int) end))).build());
            if (r != null && r.statusCode() == (last ? 201 : 202)) {
                if (last) {
                    blobs.put(digest, repository);
                    return digest;
                }
                offset = end;
                continue;
            }
            if (r != null && r.statusCode() != 503 && r.statusCode() != 416) {
                violations.add((last ? "PUT" : "PATCH") + " → " + r.statusCode() + " "
                        + new String(r.body(), StandardCharsets.UTF_8));
                return null;
            }
            pause();
            // where does the session stand?
            HttpResponse<byte[]> status = send(http, http.request(location).GET().build());
            while (status != null && status.statusCode() == 503 && running.get()) {
                pause();
                status = send(http, http.request(location).GET().build());
            }
            if (status == null || status.statusCode() == 404) {
                restarted.incrementAndGet();
                location = null;
                continue;
            }
            if (status.statusCode() != 204) {
                violations.add("upload status → " + status.statusCode());
                return null;
            }
            String range = status.headers().firstValue("Range").orElseThrow();
            long at = range.equals("0-0") ? 0 : Long.parseLong(range.substring(range.indexOf('-') + 1)) + 1;
            if (at < offset) {
                violations.add(location + " fell back from " + offset + " to " + at + " acknowledged bytes");
            }
            offset = at;
            resumed.incrementAndGet();
        }
        return null;
    }

    private void pullOne(RegistryHttp http) {
        List<Map.Entry<Digest, String>> known = new ArrayList<>(blobs.entrySet());
        if (known.isEmpty()) {
            return;
        }
        var pick = known.get(ThreadLocalRandom.current().nextInt(known.size()));
        try {
            HttpResponse<byte[]> r = record(http.send(http.request("/v2/" + pick.getValue() + "/blobs/" + pick.getKey())
                    .timeout(CALL_TIMEOUT.multipliedBy(10)).GET().build()), System.nanoTime());
            if (r.statusCode() == 200 && !Digest.sha256(r.body()).equals(pick.getKey())) {
                violations.add("GET " + pick.getKey() + " returned other bytes");
            } else if (r.statusCode() != 200 && r.statusCode() != 503) {
                violations.add("GET blob → " + r.statusCode());
            }
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof java.net.http.HttpTimeoutException) {
                violations.add("GET " + pick.getKey() + " hung: " + e.getCause());
            } else {
                // the store went away after the response started: the connection is closed mid-body
                if (cutDownloads.incrementAndGet() <= 3) {
                    System.out.println("S3 outage: download of " + pick.getKey() + " cut: " + e.getCause());
                }
            }
        }
    }

    /**
     * A blob GET and HEAD while the store is gone: the GET is a 503 that says so, without the
     * blob's headers (a year-long Cache-Control on a 503 lets a proxy cache the outage); the HEAD
     * needs only the database.
     */
    private void pullWhileDown(RegistryHttp http) {
        var known = blobs.entrySet().iterator().next();
        String path = "/v2/" + known.getValue() + "/blobs/" + known.getKey();
        HttpResponse<byte[]> get = send(http, http.request(path).GET().build());
        assertThat(get).isNotNull();
        assertThat(get.statusCode()).isEqualTo(503);
        assertThat(get.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith(
                "application/json"));
        assertThat(RegistryHttp.errorCode(get)).isEqualTo("UNAVAILABLE");
        assertThat(get.headers().map()).doesNotContainKeys("cache-control", "docker-content-digest", "etag",
                "content-range");
        assertThat(send(http, http.request(path).method("HEAD", HttpRequest.BodyPublishers.noBody()).build())
                .statusCode()).isEqualTo(200);
    }

    /** A blob too big for the sockets between Wharf and a client that does not read to hold. */
    private String bigBlob(RegistryHttp http) {
        byte[] content = TestData.random(BIG);
        Digest digest = Digest.sha256(content);
        HttpResponse<byte[]> start = http.post("/v2/outage/big/blobs/uploads/", new byte[0]);
        RegistryHttp.check(start, 202);
        String location = start.headers().firstValue("Location").orElseThrow();
        RegistryHttp.check(http.put(location + (location.contains("?") ? "&" : "?") + "digest=" + digest, content,
                "Content-Type", "application/octet-stream"), 201);
        return "/v2/outage/big/blobs/" + digest;
    }

    /** Starts a download and reads its first bytes, so Wharf streams from S3 and then waits for the client. */
    private static InputStream startDownload(RegistryHttp http, String path) throws Exception {
        HttpResponse<InputStream> r = HttpClient.newHttpClient().send(http.request(path).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().readNBytes(64 * 1024)).hasSize(64 * 1024);
        return r.body();
    }

    /**
     * The store went away in the middle of the download: Wharf cannot answer with an error any
     * more, so it closes the connection, and the client sees the body end short (and resumes with a
     * Range request); it does not wait for bytes that never come.
     */
    private void assertCut(InputStream download) throws Exception {
        java.util.concurrent.Callable<Long> readToTheEnd = () -> {
            long read = 64 * 1024;
            try (download) {
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = download.read(buffer)) > 0) {
                    read += n;
                }
            } catch (IOException e) {
                // cut: what a client sees when the connection closes before Content-Length bytes came
            }
            return read;
        };
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            long read = reader.submit(readToTheEnd).get(CALL_TIMEOUT.toSeconds() * 10, TimeUnit.SECONDS);
            assertThat(read).as("bytes of %d read before the cut", BIG).isLessThan(BIG);
        } finally {
            reader.shutdownNow();
        }
        cutDownloads.incrementAndGet();
    }

    /** Sends and records; null when the connection failed (a violation: Wharf itself is up). */
    private HttpResponse<byte[]> send(RegistryHttp http, HttpRequest request) {
        long started = System.nanoTime();
        try {
            return record(http.send(HttpRequest.newBuilder(request, (n, v) -> true)
                    .timeout(CALL_TIMEOUT.multipliedBy(10)).build()), started);
        } catch (UncheckedIOException e) {
            violations.add(request.method() + " " + request.uri().getPath() + ": " + e.getCause());
            return null;
        }
    }

    private HttpResponse<byte[]> record(HttpResponse<byte[]> r, long started) {
        statuses.computeIfAbsent(r.statusCode(), s -> new AtomicInteger()).incrementAndGet();
        if (r.statusCode() == 503) {
            slowest503.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), Math::max);
            boolean retryAfter = r.headers().firstValue("Retry-After").isPresent();
            boolean json = r.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
            boolean head = "HEAD".equals(r.request().method());
            String code;
            try {
                code = head ? null : RegistryHttp.errorCode(r);
            } catch (RuntimeException e) {
                code = "not JSON: " + e.getMessage();
            }
            if (!retryAfter || !head && (!json || !"UNAVAILABLE".equals(code))) {
                violations.add(r.request().method() + " " + r.request().uri().getPath() + " → 503 without Retry-After"
                        + " or the UNAVAILABLE body: " + new String(r.body(), StandardCharsets.UTF_8));
            }
        }
        return r;
    }

    private void verifyAcknowledged(RegistryHttp http) {
        for (var e : manifests.entrySet()) {
            int colon = e.getKey().lastIndexOf(':');
            String repository = e.getKey().substring(0, colon);
            HttpResponse<byte[]> m = http.get("/v2/" + repository + "/manifests/" + e.getKey().substring(colon + 1),
                    "Accept", MediaTypes.OCI_MANIFEST);
            RegistryHttp.check(m, 200);
            assertThat(m.body()).isEqualTo(e.getValue());
        }
        for (var e : blobs.entrySet()) {
            HttpResponse<byte[]> b = http.get("/v2/" + e.getValue() + "/blobs/" + e.getKey());
            RegistryHttp.check(b, 200);
            assertThat(Digest.sha256(b.body())).isEqualTo(e.getKey());
        }
    }

    private int count(int status) {
        AtomicInteger n = statuses.get(status);
        return n == null ? 0 : n.get();
    }

    private void awaitCount(IntSupplier value, int target, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (value.getAsInt() < target) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + value.getAsInt() + " of " + target + " " + what + " within 120 s;"
                        + " statuses " + statuses + ", violations " + violations);
            }
            Thread.sleep(20);
        }
    }

    private static void pause() {
        try {
            // a real client waits Retry-After (5 s); the test is in a hurry
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
