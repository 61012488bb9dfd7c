package dev.wharf.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.testing.ServerProcess;
import dev.wharf.testing.TestDatabases;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blobs stream: a 2 GiB push and pull through a server whose heap is 256 MiB. The client streams
 * too (a seeded generator, hashed as it goes), so nothing holds the blob whole.
 */
class LargeBlobIT {

    private static final long SIZE = 2L * 1024 * 1024 * 1024;

    @TempDir
    Path dataDir;

    /** A deterministic pseudo-random stream of {@code size} bytes. */
    private static InputStream generated(long size, long seed) {
        return new InputStream() {
            private final SplittableRandom random = new SplittableRandom(seed);
            private long remaining = size;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (remaining <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, remaining);
                for (int i = 0; i < n; i += 8) {
                    long v = random.nextLong();
                    for (int j = 0; j < 8 && i + j < n; j++) {
                        b[off + i + j] = (byte) (v >>> (8 * j));
                    }
                }
                remaining -= n;
                return n;
            }
        };
    }

    private static Digest digestOf(InputStream in) throws IOException {
        MessageDigest md = DigestAlgorithm.SHA256.newMessageDigest();
        byte[] buffer = new byte[1 << 20];
        int n;
        while ((n = in.read(buffer)) != -1) {
            md.update(buffer, 0, n);
        }
        return Digest.finish(DigestAlgorithm.SHA256, md);
    }

    @Test
    void twoGibibyteBlobPushesAndPullsThroughA256MibHeap() throws Exception {
        Digest digest = digestOf(generated(SIZE, 42));
        TestDatabases.Database db = TestDatabases.create();
        try (ServerProcess server = ServerProcess.start(List.of("-Xmx256m"), List.of(
                "--wharf.data-dir=" + dataDir, "--wharf.auth.enabled=false",
                "--spring.datasource.url=" + db.url(), "--spring.datasource.username=" + db.user(),
                "--spring.datasource.password=" + db.password()))) {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            String repo = "/v2/large/blob";

            HttpResponse<Void> start = client.send(HttpRequest.newBuilder(server.base().resolve(repo + "/blobs/uploads/"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(start.statusCode()).isEqualTo(202);
            String location = start.headers().firstValue("Location").orElseThrow();

            // one streamed PATCH without a length (chunked transfer encoding), as docker sends it
            HttpResponse<Void> patch = client.send(HttpRequest.newBuilder(server.base().resolve(location))
                    .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> generated(SIZE, 42)))
                    .header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.discarding());
            assertThat(patch.statusCode()).isEqualTo(202);
            assertThat(patch.headers().firstValue("Range")).hasValue("0-" + (SIZE - 1));

            String close = patch.headers().firstValue("Location").orElseThrow() + "?digest=" + digest;
            HttpResponse<Void> put = client.send(HttpRequest.newBuilder(server.base().resolve(close))
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(put.statusCode()).isEqualTo(201);

            HttpResponse<InputStream> get = client.send(HttpRequest.newBuilder(server.base().resolve(repo + "/blobs/" + digest))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.headers().firstValueAsLong("Content-Length")).hasValue(SIZE);
            try (InputStream body = get.body()) {
                assertThat(digestOf(body)).isEqualTo(digest);
            }
            assertThat(server.log()).doesNotContain("OutOfMemoryError");
        }
    }
}
