package dev.wharf.e2e;

import dev.wharf.client.BlobOutcome;
import dev.wharf.client.ClientOptions;
import dev.wharf.client.ImageReference;
import dev.wharf.client.PushOptions;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TransferListener;
import dev.wharf.client.TransferResult;
import dev.wharf.client.registry.Credentials;
import dev.wharf.client.registry.RetryPolicy;
import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestLayouts;
import dev.wharf.testing.Tools;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pushes that run side by side against a server that gets killed: docker and skopeo (real clients,
 * their own retries), the wharf client library ({@link RegistryClient#push}) and chunked upload
 * sessions sent request by request, which record every acknowledged offset and, after a restart,
 * continue the very session they had.
 *
 * <p>Each pusher pushes image after image until stopped. A push that fails because the server is
 * down waits until the test has restarted the server and checked what was acknowledged, then
 * tries again; a push that fails while the server is up is a violation.
 */
final class CrashPushers {

    enum Kind { DOCKER, SKOPEO, CLIENT, SESSION }

    static final int SESSION_CHUNK = 128 * 1024;

    /** Where the server is and whether it is running; pushers wait on it while it is down. */
    static final class ServerState {
        private final String hostPort;
        private boolean down;
        private int incarnation;

        ServerState(String hostPort) {
            this.hostPort = hostPort;
        }

        String hostPort() {
            return hostPort;
        }

        URI base() {
            return URI.create("http://" + hostPort);
        }

        synchronized int incarnation() {
            return incarnation;
        }

        /** From now on failures are the crash's doing. */
        synchronized void goingDown() {
            down = true;
            incarnation++;
        }

        /** Restarted and checked: the waiting pushers try again. */
        synchronized void recovered() {
            down = false;
            notifyAll();
        }

        synchronized boolean wasDownSince(int seen) {
            return down || incarnation != seen;
        }

        synchronized void awaitUp() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (down) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new IllegalStateException("the server did not come back within 5 minutes");
                }
                wait(left);
            }
        }
    }

    /** One push: an image for a tag; {@code manifest} is null when only the client knows it (docker). */
    static final class Push {
        final Kind kind;
        final String repository;
        final String tag;
        final TestLayouts.Blob manifest;
        final List<TestLayouts.Blob> blobs;
        final Path layout;
        // session pushes: where they stand
        int blob;
        String location;
        long acknowledged;

        Push(Kind kind, String repository, String tag, TestLayouts.Blob manifest, List<TestLayouts.Blob> blobs,
             Path layout) {
            this.kind = kind;
            this.repository = repository;
            this.tag = tag;
            this.manifest = manifest;
            this.blobs = blobs;
            this.layout = layout;
        }
    }

    /** What happened, per kind of pusher. */
    static final class Tally {
        final AtomicInteger acknowledged = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();
        final AtomicInteger completedAfterRestart = new AtomicInteger();
        final AtomicInteger rodeOver = new AtomicInteger();
        final AtomicInteger landedThoughUnacknowledged = new AtomicInteger();
        final AtomicInteger sessionsResumed = new AtomicInteger();
        final AtomicInteger sessionsGone = new AtomicInteger();
        final AtomicInteger sessionsClosedUnacknowledged = new AtomicInteger();
        final AtomicInteger waitsForLease = new AtomicInteger();
        final AtomicInteger retriedAfterFailure = new AtomicInteger();

        @Override
        public String toString() {
            return "acknowledged " + acknowledged + ", in flight at a kill " + interrupted + " (whole already "
                    + landedThoughUnacknowledged + ", completed when tried again after the restart "
                    + completedAfterRestart + ", acknowledged without a failure " + rodeOver + ")"
                    + (sessionsResumed.get() + sessionsGone.get() + sessionsClosedUnacknowledged.get() > 0
                    ? ", sessions resumed " + sessionsResumed + " / gone " + sessionsGone + " / closed before the kill "
                    + sessionsClosedUnacknowledged + " (416 while a dead request held the lease: " + waitsForLease + ")"
                    : "");
        }
    }

    private final ServerState server;
    private final PushLedger ledger;
    private final Path work;
    private final List<Pusher> pushers = new ArrayList<>();
    private final Map<Kind, Tally> tallies = new EnumMap<>(Kind.class);
    private final Map<Integer, AtomicInteger> sessionStatuses = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    /**
     * @param dockerImages local images the docker pushers push under new names (one pusher each)
     */
    CrashPushers(ServerState server, PushLedger ledger, Path work, List<String> dockerImages, int skopeo, int client,
                 int session) {
        this.server = server;
        this.ledger = ledger;
        this.work = work;
        for (Kind k : Kind.values()) {
            tallies.put(k, new Tally());
        }
        for (int i = 0; i < dockerImages.size(); i++) {
            pushers.add(new DockerPusher(i, dockerImages.get(i)));
        }
        for (int i = 0; i < skopeo; i++) {
            pushers.add(new SkopeoPusher(i));
        }
        for (int i = 0; i < client; i++) {
            pushers.add(new ClientPusher(i));
        }
        for (int i = 0; i < session; i++) {
            pushers.add(new SessionPusher(i));
        }
    }

    int size() {
        return pushers.size();
    }

    Map<Kind, Tally> tallies() {
        return tallies;
    }

    Map<Integer, AtomicInteger> sessionStatuses() {
        return sessionStatuses;
    }

    void start() {
        for (Pusher p : pushers) {
            Thread t = new Thread(p, "pusher-" + p.kind + "-" + p.index);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** The pushes under way now (the kill is about to interrupt them). */
    List<Push> inFlight() {
        List<Push> out = new ArrayList<>();
        for (Pusher p : pushers) {
            Push current = p.current;
            if (current != null) {
                p.interruptedAtKill = true;
                tallies.get(p.kind).interrupted.incrementAndGet();
                out.add(current);
            }
        }
        return out;
    }

    /** How many pushes a kill interrupted that are not yet acknowledged. */
    int stillInterrupted() {
        int n = 0;
        for (Pusher p : pushers) {
            if (p.interruptedAtKill) {
                n++;
            }
        }
        return n;
    }

    /** Pushers start no new push once the one they are on is acknowledged. */
    void finishCurrent() {
        stopping = true;
    }

    /** Lets every pusher finish the push it is on, then stop. */
    void stop() throws InterruptedException {
        stopping = true;
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(3));
            if (t.isAlive()) {
                ledger.violation(t.getName() + " did not finish its push within 3 minutes");
            }
        }
        for (Pusher p : pushers) {
            if (p instanceof ClientPusher c) {
                c.client.close();
            }
        }
    }

    private abstract class Pusher implements Runnable {
        final Kind kind;
        final int index;
        final String repository;
        volatile Push current;
        volatile boolean interruptedAtKill;
        private int sequence;

        Pusher(Kind kind, int index) {
            this.kind = kind;
            this.index = index;
            this.repository = "crash/" + kind.name().toLowerCase() + "-" + index;
        }

        abstract Push next(String tag) throws Exception;

        /** Sends {@code push} until it is acknowledged; throws when it failed. */
        abstract void send(Push push) throws Exception;

        /** Records what the registry acknowledged for a finished push. */
        abstract void acknowledged(Push push) throws Exception;

        @Override
        public void run() {
            Tally tally = tallies.get(kind);
            try {
                while (!stopping) {
                    Push push = next("t" + (++sequence));
                    current = push;
                    int failuresWhileUp = 0;
                    boolean failed = false;
                    while (true) {
                        int incarnation = server.incarnation();
                        try {
                            send(push);
                            break;
                        } catch (Exception | AssertionError e) {
                            failed = true;
                            if (!server.wasDownSince(incarnation)) {
                                ledger.violation(kind + " " + push.repository + ":" + push.tag
                                        + " failed while the server was up: " + e);
                                if (++failuresWhileUp >= 3) {
                                    break;
                                }
                            }
                            tally.retriedAfterFailure.incrementAndGet();
                            server.awaitUp();
                        }
                    }
                    current = null;
                    if (failuresWhileUp >= 3) {
                        continue;
                    }
                    acknowledged(push);
                    tally.acknowledged.incrementAndGet();
                    if (interruptedAtKill) {
                        (failed ? tally.completedAfterRestart : tally.rodeOver).incrementAndGet();
                    }
                    interruptedAtKill = false;
                    if (push.layout != null) {
                        Tools.run(Path.of("/"), 30, "rm", "-rf", push.layout.toString());
                    }
                }
            } catch (Exception | AssertionError e) {
                ledger.violation(kind + " pusher " + index + " stopped: " + e);
            }
        }
    }

    /** {@code docker push} of a local image under a new tag each time; docker retries by itself. */
    private final class DockerPusher extends Pusher {
        private final String image;
        private Digest digest;

        DockerPusher(int index, String image) {
            super(Kind.DOCKER, index);
            this.image = image;
        }

        @Override
        Push next(String tag) {
            return new Push(kind, repository, tag, null, List.of(), null);
        }

        private String ref(Push push) {
            return server.hostPort() + "/" + push.repository + ":" + push.tag;
        }

        @Override
        void send(Push push) {
            Tools.run(Path.of("."), 60, "docker", "tag", image, ref(push)).orFail();
            try {
                String out = Tools.run(Path.of("."), 300, "docker", "push", ref(push)).orFail().output();
                int at = out.indexOf("digest: sha256:");
                if (at < 0) {
                    throw new AssertionError("no digest in docker's output:\n" + out);
                }
                digest = Digest.parse(out.substring(at + 8).split("\\s")[0]);
            } finally {
                Tools.run(Path.of("."), 60, "docker", "rmi", ref(push));
            }
        }

        @Override
        void acknowledged(Push push) {
            ledger.manifest(push.repository, push.tag, digest, null);
        }
    }

    /** {@code skopeo copy} of a new OCI layout each time. */
    private final class SkopeoPusher extends Pusher {
        SkopeoPusher(int index) {
            super(Kind.SKOPEO, index);
        }

        @Override
        Push next(String tag) {
            Path layout = work.resolve("skopeo-" + index + "-" + tag);
            TestLayouts.Image image = TestLayouts.write(layout, tag, 2, 200_000);
            return new Push(kind, repository, tag, image.manifest(), image.blobs(), layout);
        }

        @Override
        void send(Push push) {
            Tools.run(work, 300, "skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false",
                    "oci:" + push.layout + ":" + push.tag,
                    "docker://" + server.hostPort() + "/" + push.repository + ":" + push.tag).orFail();
        }

        @Override
        void acknowledged(Push push) {
            ledger.manifest(push.repository, push.tag, push.manifest.digest(), push.manifest.bytes());
        }
    }

    /** The wharf client library's push, in 128 KiB chunks, with few retries of its own. */
    private final class ClientPusher extends Pusher {
        private final RegistryClient client;

        ClientPusher(int index) {
            super(Kind.CLIENT, index);
            TransferListener acks = new TransferListener() {
                @Override
                public void blobFinished(String id, BlobOutcome outcome, Digest digest, long size) {
                    if (outcome == BlobOutcome.TRANSFERRED) {
                        ledger.blob(repository, digest);
                    }
                }
            };
            // the client gives up long before a restart is over: the test, not the client, waits
            ClientOptions options = ClientOptions.defaults().withChunkSize(SESSION_CHUNK).withParallelism(2)
                    .withRetry(new RetryPolicy(2, Duration.ofMillis(50), Duration.ofMillis(100)))
                    .withRequestTimeout(Duration.ofSeconds(60));
            this.client = new RegistryClient(options, host -> Credentials.ANONYMOUS, acks);
        }

        @Override
        Push next(String tag) {
            Path layout = work.resolve("client-" + index + "-" + tag);
            TestLayouts.Image image = TestLayouts.write(layout, tag, 2, 150_000 + 50_000 * (index % 4));
            return new Push(kind, repository, tag, image.manifest(), image.blobs(), layout);
        }

        @Override
        void send(Push push) {
            TransferResult result = client.push(push.layout,
                    ImageReference.parse(server.hostPort() + "/" + push.repository + ":" + push.tag),
                    PushOptions.defaults());
            if (!result.digest().equals(push.manifest.digest())) {
                throw new AssertionError("the client pushed " + result.digest() + " for " + push.manifest.digest());
            }
        }

        @Override
        void acknowledged(Push push) {
            ledger.manifest(push.repository, push.tag, push.manifest.digest(), push.manifest.bytes());
        }
    }

    /**
     * A chunked upload per blob sent request by request ({@code POST}, {@code PATCH} with
     * {@code Content-Range}, closing {@code PUT}), then the manifest. After a crash it asks where
     * its session stands and continues it: the session must hold at least every byte a 202
     * acknowledged, or be gone (404 {@code BLOB_UPLOAD_UNKNOWN}), in which case it starts over.
     */
    private final class SessionPusher extends Pusher {
        private final RegistryHttp http = new RegistryHttp(server.base());

        SessionPusher(int index) {
            super(Kind.SESSION, index);
        }

        @Override
        Push next(String tag) {
            List<TestLayouts.Blob> blobs = new ArrayList<>();
            List<String> layers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                byte[] layer = TestData.random(150_000 + 100_000 * ((index + i) % 3));
                TestLayouts.Blob b = new TestLayouts.Blob(Digest.sha256(layer), layer);
                blobs.add(b);
                layers.add(RegistryHttp.descriptor(MediaTypes.OCI_LAYER_GZIP, b.digest(), layer.length));
            }
            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"tag\":\"" + tag + "\",\"pusher\":" + index
                    + "}").getBytes(StandardCharsets.UTF_8);
            TestLayouts.Blob c = new TestLayouts.Blob(Digest.sha256(config), config);
            blobs.add(0, c);
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                    + RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, c.digest(), config.length) + ",\"layers\":["
                    + String.join(",", layers) + "]}").getBytes(StandardCharsets.UTF_8);
            return new Push(kind, repository, tag, new TestLayouts.Blob(Digest.sha256(manifest), manifest), blobs, null);
        }

        @Override
        void send(Push push) throws InterruptedException {
            Tally tally = tallies.get(kind);
            for (; push.blob < push.blobs.size(); push.blob++, push.location = null, push.acknowledged = 0) {
                TestLayouts.Blob blob = push.blobs.get(push.blob);
                long offset = push.location == null ? 0 : resume(push, tally);
                if (offset < 0) {
                    // the closing PUT had succeeded; its 201 was lost with the connection
                    continue;
                }
                if (push.location == null) {
                    HttpResponse<byte[]> start = record(http.post("/v2/" + repository + "/blobs/uploads/", new byte[0]));
                    expect(start, 202);
                    push.location = start.headers().firstValue("Location").orElseThrow();
                    offset = 0;
                }
                upload(push, blob, offset, tally);
                ledger.blob(repository, blob.digest());
            }
            expect(record(http.put("/v2/" + repository + "/manifests/" + push.tag, push.manifest.bytes(),
                    "Content-Type", MediaTypes.OCI_MANIFEST)), 201);
        }

        /** Chunks from {@code offset}, then the closing PUT with the last chunk. */
        private void upload(Push push, TestLayouts.Blob blob, long offset, Tally tally) throws InterruptedException {
            byte[] bytes = blob.bytes();
            long leaseDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                long end = Math.min(bytes.length, offset + SESSION_CHUNK);
                byte[] chunk = Arrays.copyOfRange(bytes, (int) offset, (int) end);
                String range = offset + "-" + (end - 1);
                HttpResponse<byte[]> r = end == bytes.length
                        ? record(slowly("PUT", push.location + (push.location.contains("?") ? "&" : "?") + "digest="
                                + blob.digest(), chunk, range))
                        : record(slowly("PATCH", push.location, chunk, range));
                if (r.statusCode() == 416 && System.nanoTime() < leaseDeadline
                        && RegistryHttp.json(r).toString().contains("another request is writing")) {
                    // the killed server's request still holds the session until its lease lapses
                    tally.waitsForLease.incrementAndGet();
                    Thread.sleep(500);
                    continue;
                }
                if (end == bytes.length) {
                    expect(r, 201);
                    return;
                }
                expect(r, 202);
                push.acknowledged = end;
                offset = end;
            }
        }

        /**
         * A chunk whose second half follows the first after a pause, as over a slow link: the request
         * holds the session's lease meanwhile, so the kill finds sessions in the middle of a write.
         */
        private HttpResponse<byte[]> slowly(String method, String location, byte[] chunk, String range) {
            int half = chunk.length / 2;
            InputStream body = new SequenceInputStream(new ByteArrayInputStream(chunk, 0, half), new InputStream() {
                private InputStream rest;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (rest == null) {
                        try {
                            Thread.sleep(150);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException(e);
                        }
                        rest = new ByteArrayInputStream(chunk, half, chunk.length - half);
                    }
                    return rest.read(b, off, len);
                }
            });
            return http.send(http.request(location).header("Content-Type", "application/octet-stream")
                    .header("Content-Range", range)
                    .method(method, HttpRequest.BodyPublishers.fromPublisher(
                            HttpRequest.BodyPublishers.ofInputStream(() -> body), chunk.length))
                    .build());
        }

        /**
         * After a failure: the session's offset; 0 with no location when the registry forgot the
         * session; -1 when the blob is complete (the closing PUT had succeeded).
         */
        private long resume(Push push, Tally tally) {
            HttpResponse<byte[]> status = record(http.get(push.location));
            if (status.statusCode() == 404) {
                if (!"BLOB_UPLOAD_UNKNOWN".equals(RegistryHttp.errorCode(status))) {
                    ledger.violation(push.location + " → 404 " + new String(status.body(), StandardCharsets.UTF_8));
                }
                TestLayouts.Blob blob = push.blobs.get(push.blob);
                push.location = null;
                if (record(http.head("/v2/" + repository + "/blobs/" + blob.digest())).statusCode() == 200) {
                    tally.sessionsClosedUnacknowledged.incrementAndGet();
                    return -1;
                }
                tally.sessionsGone.incrementAndGet();
                return 0;
            }
            expect(status, 204);
            String range = status.headers().firstValue("Range").orElseThrow();
            long offset = range.equals("0-0") ? 0 : Long.parseLong(range.substring(range.indexOf('-') + 1)) + 1;
            if (offset < push.acknowledged) {
                ledger.violation(push.location + " holds " + offset + " bytes after the restart, but "
                        + push.acknowledged + " were acknowledged");
            }
            tally.sessionsResumed.incrementAndGet();
            return offset;
        }

        private HttpResponse<byte[]> record(HttpResponse<byte[]> r) {
            sessionStatuses.computeIfAbsent(r.statusCode(), s -> new AtomicInteger()).incrementAndGet();
            return r;
        }

        private void expect(HttpResponse<byte[]> r, int status) {
            RegistryHttp.check(r, status);
        }

        @Override
        void acknowledged(Push push) {
            ledger.manifest(push.repository, push.tag, push.manifest.digest(), push.manifest.bytes());
        }
    }
}
