package dev.wharf.server.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.oci.Digest;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upload sessions are written by one request at a time (the lease), and sessions nobody touches
 * are purged with their data.
 */
class UploadLeaseIT {

    private static RegistryServer server;
    private static RegistryHttp http;

    @BeforeAll
    static void start() {
        // purged after an hour idle; the scheduled purge is kept out of the way, the tests call it
        server = RegistryServer.start(Map.of("wharf.upload.stale-after", "1h", "wharf.upload.purge-interval", "1h"));
        http = new RegistryHttp(server.base());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String startUpload(String repo) {
        HttpResponse<byte[]> r = http.post("/v2/" + repo + "/blobs/uploads/", new byte[0]);
        RegistryHttp.check(r, 202);
        return r.headers().firstValue("Location").orElseThrow();
    }

    @Test
    void secondChunkWhileTheFirstStillStreamsIs416AndTheFirstCompletes() throws Exception {
        String repo = TestData.repository("lease");
        String location = startUpload(repo);
        byte[] first = TestData.random(200_000);
        URI base = server.base();
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("PATCH " + location + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Range: 0-" + (first.length - 1) + "\r\nContent-Length: " + first.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(first, 0, 1000);
            out.flush();
            awaitLease(location);
            HttpResponse<byte[]> rival = http.patch(location, new byte[] {1}, "Content-Type", "application/octet-stream",
                    "Content-Range", "0-0");
            assertThat(rival.statusCode()).isEqualTo(416);
            assertThat(RegistryHttp.errorCode(rival)).isEqualTo("BLOB_UPLOAD_INVALID");
            assertThat(rival.headers().firstValue("Range")).hasValue("0-0");

            out.write(first, 1000, first.length - 1000);
            out.flush();
            InputStream in = socket.getInputStream();
            String statusLine = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(statusLine).isEqualTo("HTTP/1.1 202");
        }
        assertThat(http.get(location).headers().firstValue("Range")).hasValue("0-" + (first.length - 1));
        RegistryHttp.check(http.put(location + "?digest=" + Digest.sha256(first), new byte[0]), 201);
        assertThat(http.get("/v2/" + repo + "/blobs/" + Digest.sha256(first)).body()).isEqualTo(first);
    }

    @Test
    void aClosingPutWaitsForTheRequestStillWritingInsteadOfFailing() throws Exception {
        String repo = TestData.repository("lease-put");
        String location = startUpload(repo);
        byte[] content = TestData.random(100_000);
        URI base = server.base();
        try (Socket patch = new Socket(base.getHost(), base.getPort());
             Socket put = new Socket(base.getHost(), base.getPort())) {
            OutputStream patchOut = patch.getOutputStream();
            patchOut.write(("PATCH " + location + " HTTP/1.1\r\nHost: " + base.getHost()
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Range: 0-" + (content.length - 1)
                    + "\r\nContent-Length: " + content.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            patchOut.write(content, 0, 1000);
            patchOut.flush();
            awaitLease(location);

            put.getOutputStream().write(("PUT " + location + "?digest=" + Digest.sha256(content)
                    + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            put.getOutputStream().flush();
            put.setSoTimeout(1000);
            InputStream putIn = put.getInputStream();
            assertThatThrownBy(putIn::read).as("the PUT waits while the PATCH holds the session")
                    .isInstanceOf(java.net.SocketTimeoutException.class);

            patchOut.write(content, 1000, content.length - 1000);
            patchOut.flush();
            assertThat(new String(patch.getInputStream().readNBytes(12), StandardCharsets.US_ASCII))
                    .isEqualTo("HTTP/1.1 202");
            put.setSoTimeout(20_000);
            assertThat(new String(putIn.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 201");
        }
        assertThat(http.get("/v2/" + repo + "/blobs/" + Digest.sha256(content)).body()).isEqualTo(content);
    }

    /** Polls the session's row until a request holds its lease. */
    private static void awaitLease(String location) throws InterruptedException {
        UUID id = UUID.fromString(location.substring(location.lastIndexOf('/') + 1));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.bean(UploadSessions.class).findById(id).orElseThrow().leaseToken() == null) {
            assertThat(System.nanoTime()).as("no request took the lease").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void idleSessionsArePurgedWithTheirData() {
        String repo = TestData.repository("purge");
        String location = startUpload(repo);
        RegistryHttp.check(http.patch(location, TestData.random(5000), "Content-Type", "application/octet-stream"), 202);
        String id = location.substring(location.lastIndexOf('/') + 1);
        assertThat(server.dataDir().resolve("storage/uploads").resolve(id)).exists();

        // whatever has been idle for any time at all is stale to this purge
        assertThat(server.bean(StaleUploads.class).purgeIdleFor(Duration.ZERO)).isGreaterThanOrEqualTo(1);

        HttpResponse<byte[]> status = http.get(location);
        assertThat(status.statusCode()).isEqualTo(404);
        assertThat(RegistryHttp.errorCode(status)).isEqualTo("BLOB_UPLOAD_UNKNOWN");
        assertThat(Files.exists(server.dataDir().resolve("storage/uploads").resolve(id))).isFalse();
    }

    @Test
    void sessionsIdleForLessThanTheThresholdSurviveThePurge() {
        String repo = TestData.repository("purge-active");
        String location = startUpload(repo);
        server.bean(StaleUploads.class).purgeStale();
        assertThat(http.get(location).statusCode()).isEqualTo(204);
    }

    @Test
    void aSessionHeldByARequestSurvivesAPurgeOfEverythingIdle() throws Exception {
        String repo = TestData.repository("purge-held");
        String location = startUpload(repo);
        byte[] content = TestData.random(50_000);
        URI base = server.base();
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("PATCH " + location + " HTTP/1.1\r\nHost: " + base.getHost()
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + content.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(content, 0, 1000);
            out.flush();
            awaitLease(location);

            server.bean(StaleUploads.class).purgeIdleFor(Duration.ZERO);

            out.write(content, 1000, content.length - 1000);
            out.flush();
            assertThat(new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII))
                    .isEqualTo("HTTP/1.1 202");
        }
        RegistryHttp.check(http.put(location + "?digest=" + Digest.sha256(content), new byte[0]), 201);
        assertThat(http.get("/v2/" + repo + "/blobs/" + Digest.sha256(content)).body()).isEqualTo(content);
    }
}
