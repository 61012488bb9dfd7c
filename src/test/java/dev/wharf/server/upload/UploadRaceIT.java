package dev.wharf.server.upload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.S3Server;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issue 7, upload fencing: two replicas over one PostgreSQL and one store, and rounds of uploads
 * whose chunks race across them: duplicate PATCHes of the same chunk on both replicas at once,
 * bodies cut off mid-way, writers that stall past their lease while another request takes the
 * session over, retries from whatever offset the server reports, and cancels. The lease is 1 s, so
 * takeovers of live writers really happen.
 *
 * <p>Afterwards every published blob's stored bytes, read straight from the store (not through
 * Wharf), hash to its digest and equal what the client sent, and no acknowledged byte was lost: the
 * offset a replica reports never falls below the end of a chunk that was answered 202.
 */
class UploadRaceIT {

    private static final int ROUNDS = Integer.getInteger("wharf.race.rounds", 500);
    private static final int WORKERS = 4;
    private static final String OCTETS = "application/octet-stream";

    @TempDir
    Path storageRoot;

    private final AtomicInteger published = new AtomicInteger();
    private final AtomicInteger cancelled = new AtomicInteger();
    private final AtomicInteger takeovers = new AtomicInteger();
    private final AtomicInteger truncations = new AtomicInteger();
    private final AtomicInteger duplicates = new AtomicInteger();
    private final ConcurrentMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final ConcurrentMap<Digest, byte[]> blobs = new ConcurrentHashMap<>();

    @Test
    void filesystemStoreSharedByTwoReplicas() throws Exception {
        Map<String, String> props = Map.of("wharf.storage.filesystem.root", storageRoot.toString());
        race("filesystem", props, digest -> {
            Path file = storageRoot.resolve("blobs/sha256").resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
            try {
                return Files.exists(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void s3StoreSharedByTwoReplicas() throws Exception {
        try (S3Server s3 = S3Server.start(); S3Client client = s3.client()) {
            race("s3", s3.serverProperties("race"), digest -> {
                String key = "blobs/sha256/" + digest.hex().substring(0, 2) + "/" + digest.hex();
                try {
                    return Optional.of(client.getObjectAsBytes(b -> b.bucket("race").key(key)).asByteArray());
                } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
                    return Optional.empty();
                }
            });
        }
    }

    private void race(String store, Map<String, String> storeProps, Function<Digest, Optional<byte[]>> stored)
            throws Exception {
        TestDatabases.Database db = TestDatabases.create();
        Map<String, String> props = new HashMap<>(storeProps);
        props.put("wharf.upload.lease-ttl", "1s");
        props.put("wharf.upload.claim-wait", "3s");
        long started = System.nanoTime();
        try (RegistryServer a = RegistryServer.start(db, props); RegistryServer b = RegistryServer.start(db, props)) {
            List<RegistryHttp> replicas = List.of(new RegistryHttp(a.base()), new RegistryHttp(b.base()));
            ExecutorService pool = Executors.newFixedThreadPool(WORKERS * 2);
            List<Future<?>> rounds = new ArrayList<>();
            AtomicInteger next = new AtomicInteger();
            for (int w = 0; w < WORKERS; w++) {
                rounds.add(pool.submit(() -> {
                    for (int round; (round = next.getAndIncrement()) < ROUNDS; ) {
                        round(replicas, pool, new Random(round * 7919L + store.hashCode()), store + "/r" + round % 50);
                    }
                    return null;
                }));
            }
            try {
                for (Future<?> f : rounds) {
                    f.get(15, TimeUnit.MINUTES);
                }
            } finally {
                pool.shutdownNow();
            }
        }
        for (var e : blobs.entrySet()) {
            Optional<byte[]> bytes = stored.apply(e.getKey());
            if (bytes.isEmpty()) {
                violations.add("published " + e.getKey() + " is not in the store");
            } else if (!Digest.sha256(bytes.get()).equals(e.getKey()) || !java.util.Arrays.equals(bytes.get(), e.getValue())) {
                violations.add("stored bytes of " + e.getKey() + " do not match what was sent");
            }
        }
        System.out.printf("upload race (%s, 2 replicas): %d rounds in %d s: %d published, %d cancelled; %d takeovers"
                        + " of stalled writers, %d truncated bodies, %d duplicate chunks; statuses %s; %d violations%n",
                store, ROUNDS, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), published.get(),
                cancelled.get(), takeovers.get(), truncations.get(), duplicates.get(), statuses, violations.size());
        assertThat(violations).isEmpty();
        assertThat(published.get()).isGreaterThan(ROUNDS / 2);
        assertThat(takeovers.get()).isPositive();
        assertThat(statuses.keySet()).doesNotContain(500, 502, 503);
    }

    /** One upload, pushed the way a persistent client would, with trouble along the way. */
    private void round(List<RegistryHttp> replicas, ExecutorService pool, Random random, String repository)
            throws Exception {
        // sizes from a few bytes to ~300 KB, in 1..4 chunks
        byte[] content = TestData.random(1 + random.nextInt(random.nextInt(10) == 0 ? 300_000 : 20_000));
        Digest digest = Digest.sha256(content);
        HttpResponse<byte[]> start = record(pick(replicas, random).post("/v2/" + repository + "/blobs/uploads/", new byte[0]));
        if (start.statusCode() != 202) {
            violations.add("POST → " + start.statusCode());
            return;
        }
        String location = start.headers().firstValue("Location").orElseThrow();
        int chunks = 1 + random.nextInt(4);
        long acknowledged = 0;
        boolean cancelRound = random.nextInt(20) == 0;
        for (int attempt = 0; attempt < 40; attempt++) {
            long offset = offset(pick(replicas, random), location, acknowledged);
            if (offset == -404) {
                if (!cancelRound) {
                    violations.add(location + " vanished");
                }
                cancelled.incrementAndGet();
                return;
            }
            if (offset < acknowledged) {
                violations.add(location + ": offset " + offset + " below acknowledged " + acknowledged);
                return;
            }
            if (cancelRound && random.nextInt(3) == 0) {
                HttpResponse<byte[]> cancel = record(pick(replicas, random).delete(location));
                if (cancel.statusCode() != 204 && cancel.statusCode() != 404 && cancel.statusCode() != 416) {
                    violations.add("DELETE → " + cancel.statusCode());
                }
                continue;
            }
            if (offset == content.length) {
                HttpResponse<byte[]> put = record(pick(replicas, random).put(location + "?digest=" + digest, new byte[0]));
                if (put.statusCode() == 201) {
                    blobs.put(digest, content);
                    published.incrementAndGet();
                    return;
                }
                if (put.statusCode() == 404 && cancelRound) {
                    cancelled.incrementAndGet();
                    return;
                }
                if (put.statusCode() != 416) {
                    violations.add("PUT → " + put.statusCode() + " " + new String(put.body(), StandardCharsets.UTF_8));
                    return;
                }
                continue;
            }
            long end = Math.min(content.length, offset + Math.max(1, content.length / chunks));
            int trouble = random.nextInt(12);
            if (trouble == 0) {
                truncated(pick(replicas, random), location, content, offset, end);
                truncations.incrementAndGet();
            } else if (trouble == 1) {
                acknowledged = Math.max(acknowledged,
                        stalledThenTakenOver(replicas, random, location, content, offset, end, acknowledged));
            } else if (trouble == 2) {
                // the same chunk on both replicas at once (a client retry that overtook its original)
                duplicates.incrementAndGet();
                Future<HttpResponse<byte[]>> other = pool.submit(() -> patch(replicas.get(1), location, content, offset, end));
                HttpResponse<byte[]> first = patch(replicas.get(0), location, content, offset, end);
                HttpResponse<byte[]> second = other.get(60, TimeUnit.SECONDS);
                for (HttpResponse<byte[]> r : List.of(first, second)) {
                    acknowledged = acknowledge(r, acknowledged, end);
                }
            } else {
                acknowledged = acknowledge(patch(pick(replicas, random), location, content, offset, end), acknowledged, end);
            }
        }
        violations.add(location + ": not finished after 40 attempts");
    }

    private long acknowledge(HttpResponse<byte[]> r, long acknowledged, long end) {
        if (r.statusCode() == 202) {
            return Math.max(acknowledged, end);
        }
        if (r.statusCode() != 416 && r.statusCode() != 404) {
            violations.add("PATCH → " + r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
        }
        return acknowledged;
    }

    private HttpResponse<byte[]> patch(RegistryHttp http, String location, byte[] content, long from, long to) {
        byte[] chunk = java.util.Arrays.copyOfRange(content, (int) from, (int) to);
        return record(http.patch(location, chunk, "Content-Type", OCTETS, "Content-Range", from + "-" + (to - 1)));
    }

    /**
     * The server's offset for the upload, or -404 when the upload is gone. {@code 0-0} means 0 or 1
     * bytes (as in distribution); only an acknowledged chunk can have made it 1.
     */
    private long offset(RegistryHttp http, String location, long acknowledged) {
        HttpResponse<byte[]> status = record(http.get(location));
        if (status.statusCode() == 404) {
            return -404;
        }
        String range = status.headers().firstValue("Range").orElseThrow();
        if (range.equals("0-0")) {
            return acknowledged > 0 ? 1 : 0;
        }
        return Long.parseLong(range.substring(range.indexOf('-') + 1)) + 1;
    }

    /** A chunk whose body stops half-way and whose connection then closes. */
    private void truncated(RegistryHttp http, String location, byte[] content, long from, long to) throws IOException {
        URI uri = http.request(location).build().uri();
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(head(uri, from, to).getBytes(StandardCharsets.US_ASCII));
            out.write(content, (int) from, (int) ((to - from) / 2));
            out.flush();
        }
    }

    /**
     * A writer that sends half its chunk and stalls past its lease; meanwhile the client's retry on
     * the other replica takes the session over and sends the chunk; then the stalled writer sends
     * the rest. It must fail, and must not have damaged what the retry stored.
     */
    private long stalledThenTakenOver(List<RegistryHttp> replicas, Random random, String location, byte[] content,
                                      long from, long to, long acknowledged) throws Exception {
        int first = random.nextInt(2);
        URI uri = replicas.get(first).request(location).build().uri();
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head(uri, from, to).getBytes(StandardCharsets.US_ASCII));
            int half = (int) ((to - from) / 2);
            out.write(content, (int) from, half);
            out.flush();
            // past the 1 s lease; the retry waits for the lapse, then takes the session over
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            HttpResponse<byte[]> retry;
            do {
                Thread.sleep(300);
                retry = patch(replicas.get(1 - first), location, content, from, to);
            } while (retry.statusCode() == 416 && System.nanoTime() < deadline
                    && offset(replicas.get(1 - first), location, acknowledged) == from);
            if (retry.statusCode() == 202) {
                takeovers.incrementAndGet();
            } else if (retry.statusCode() != 416 && retry.statusCode() != 404) {
                violations.add("PATCH (retry) → " + retry.statusCode());
            }
            try {
                out.write(content, (int) from + half, (int) (to - from) - half);
                out.flush();
                InputStream in = socket.getInputStream();
                String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
                if (status.equals("HTTP/1.1 202") && retry.statusCode() == 202) {
                    violations.add(location + ": the stalled writer and its rival were both acknowledged for " + from);
                }
            } catch (IOException closed) {
                // the server gave up on the stalled request: fine
            }
            return retry.statusCode() == 202 ? to : 0;
        }
    }

    private static String head(URI uri, long from, long to) {
        return "PATCH " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nContent-Type: " + OCTETS
                + "\r\nContent-Range: " + from + "-" + (to - 1) + "\r\nContent-Length: " + (to - from) + "\r\n\r\n";
    }

    private HttpResponse<byte[]> record(HttpResponse<byte[]> response) {
        statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger()).incrementAndGet();
        return response;
    }

    private static RegistryHttp pick(List<RegistryHttp> replicas, Random random) {
        return replicas.get(random.nextInt(replicas.size()));
    }
}
