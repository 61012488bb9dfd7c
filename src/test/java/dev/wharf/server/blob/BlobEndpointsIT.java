package dev.wharf.server.blob;

import static dev.wharf.testing.Responses.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.testing.Golden;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.Responses;
import dev.wharf.testing.TestData;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code GET}, {@code HEAD} and {@code DELETE /v2/<name>/blobs/<digest>} (end-2, end-10), including
 * byte ranges (RFC 9110 section 14) and repository scoping.
 */
class BlobEndpointsIT {

    private static final int SIZE = 100;

    private final RegistryHttp http = new RegistryHttp(RegistryServer.shared().base());

    private String blobPath(String repository, Digest digest) {
        return "/v2/" + repository + "/blobs/" + digest;
    }

    @Test
    void getServesTheBlobWithLengthAndDigest() {
        String repo = TestData.repository("blob");
        byte[] content = TestData.random(SIZE);
        Digest digest = http.pushBlob(repo, content);

        HttpResponse<byte[]> response = http.get(blobPath(repo, digest));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(content);
        assertThat(header(response, "Content-Length")).isEqualTo(Integer.toString(SIZE));
        assertThat(header(response, "Docker-Content-Digest")).isEqualTo(digest.toString());
    }

    @Test
    void headAnswersLengthAndDigestWithoutBody() {
        String repo = TestData.repository("blob");
        byte[] content = TestData.random(SIZE);
        Digest digest = http.pushBlob(repo, content);

        HttpResponse<byte[]> response = http.head(blobPath(repo, digest));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
        assertThat(header(response, "Content-Length")).isEqualTo(Integer.toString(SIZE));
        assertThat(header(response, "Docker-Content-Digest")).isEqualTo(digest.toString());
    }

    @Test
    void getOfUnknownBlobIs404BlobUnknown() {
        String repo = TestData.repository("blob");
        http.pushBlob(repo, TestData.random(10));

        Golden.assertError(http.get(blobPath(repo, Digest.sha256(TestData.random(10)))), 404, "blob-unknown");
    }

    @Test
    void headOfUnknownBlobIs404() {
        String repo = TestData.repository("blob");
        http.pushBlob(repo, TestData.random(10));

        HttpResponse<byte[]> response = http.head(blobPath(repo, Digest.sha256(TestData.random(10))));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEmpty();
    }

    @Test
    void getInUnknownRepositoryIs404BlobUnknown() {
        HttpResponse<byte[]> response = http.get(blobPath(TestData.repository("never-created"),
                Digest.sha256(TestData.random(10))));

        // the blob is unknown there, whether or not the repository exists: Wharf does not say which
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(RegistryHttp.errorCode(response)).isEqualTo("BLOB_UNKNOWN");
    }

    @Test
    void blobUploadedToOneRepositoryIsNotVisibleInAnother() {
        String a = TestData.repository("blob-a");
        String b = TestData.repository("blob-b");
        http.pushBlob(b, TestData.random(5)); // b exists, it just lacks the blob
        Digest digest = http.pushBlob(a, TestData.random(SIZE));

        Golden.assertError(http.get(blobPath(b, digest)), 404, "blob-unknown");
        assertThat(http.head(blobPath(b, digest)).statusCode()).isEqualTo(404);
        assertThat(http.get(blobPath(a, digest)).statusCode()).isEqualTo(200);
    }

    /** Single ranges on a 100-byte blob: the header, the status, and the bytes answered. */
    @ParameterizedTest(name = "{0} -> bytes {1}-{2}")
    @CsvSource({
            "bytes=0-9,     0,  9",
            "bytes=10-19,   10, 19",
            "bytes=42-42,   42, 42",
            "bytes=90-,     90, 99",    // open-ended
            "bytes=0-,      0,  99",
            "bytes=-10,     90, 99",    // suffix
            "bytes=-1,      99, 99",
            "bytes=-500,    0,  99",    // suffix longer than the blob: all of it
            "bytes=95-1000, 95, 99",    // last-pos past the end: up to the end
    })
    void singleRangeIsAnswered206WithContentRange(String range, int first, int last) {
        String repo = TestData.repository("blob-range");
        byte[] content = TestData.random(SIZE);
        Digest digest = http.pushBlob(repo, content);

        HttpResponse<byte[]> response = http.get(blobPath(repo, digest), "Range", range);

        assertThat(response.statusCode()).isEqualTo(206);
        assertThat(header(response, "Content-Range")).isEqualTo("bytes " + first + "-" + last + "/" + SIZE);
        assertThat(header(response, "Content-Length")).isEqualTo(Integer.toString(last - first + 1));
        assertThat(response.body()).isEqualTo(Arrays.copyOfRange(content, first, last + 1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"bytes=100-", "bytes=100-200", "bytes=5000-5001", "bytes=-0", "bytes=50-0", "bytes=10-5",
            "bytes=0-9223372036854775808", "bytes=0-99999999999999999999999", "bytes=9223372036854775808-",
            "bytes=-9223372036854775808"})
    void unsatisfiableRangeIs416WithContentRangeOfTheSize(String range) {
        String repo = TestData.repository("blob-range");
        Digest digest = http.pushBlob(repo, TestData.random(SIZE));

        HttpResponse<byte[]> response = http.get(blobPath(repo, digest), "Range", range);

        assertThat(response.statusCode()).isEqualTo(416);
        assertThat(header(response, "Content-Range")).isEqualTo("bytes */" + SIZE);
    }

    @Test
    void anyRangeOfAZeroByteBlobIs416() {
        String repo = TestData.repository("blob-range");
        Digest empty = http.pushBlob(repo, new byte[0]);

        HttpResponse<byte[]> response = http.get(blobPath(repo, empty), "Range", "bytes=0-");

        assertThat(response.statusCode()).isEqualTo(416);
        assertThat(header(response, "Content-Range")).isEqualTo("bytes */0");
    }

    @Test
    void headIgnoresRange() {
        String repo = TestData.repository("blob-range");
        Digest digest = http.pushBlob(repo, TestData.random(SIZE));

        HttpResponse<byte[]> response = http.head(blobPath(repo, digest), "Range", "bytes=0-9");

        // RFC 9110 section 14.2: range handling is defined for GET only
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(header(response, "Content-Length")).isEqualTo(Integer.toString(SIZE));
    }

    @Test
    void severalRangesAreAnsweredWithTheWholeBlob() {
        String repo = TestData.repository("blob-range");
        byte[] content = TestData.random(SIZE);
        Digest digest = http.pushBlob(repo, content);

        HttpResponse<byte[]> response = http.get(blobPath(repo, digest), "Range", "bytes=0-1,5-6");

        // RFC 9110 also allows a multipart/byteranges 206; Wharf sends the whole blob
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(content);
    }

    /** RFC 9110 section 14.2: a server MAY ignore a Range it does not understand. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"items=0-1", "bytes=abc", "bytes=", "bytes=-"})
    void rangeThatIsNotAValidByteRangeIsIgnored(String range) {
        String repo = TestData.repository("blob-range");
        byte[] content = TestData.random(SIZE);
        Digest digest = http.pushBlob(repo, content);

        HttpResponse<byte[]> response = http.get(blobPath(repo, digest), "Range", range);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(content);
    }

    @Test
    void deleteAnswers202AndTheBlobIsGone() {
        String repo = TestData.repository("blob-delete");
        Digest digest = http.pushBlob(repo, TestData.random(SIZE));

        assertThat(http.delete(blobPath(repo, digest)).statusCode()).isEqualTo(202);

        Golden.assertError(http.get(blobPath(repo, digest)), 404, "blob-unknown");
        assertThat(http.head(blobPath(repo, digest)).statusCode()).isEqualTo(404);
    }

    @Test
    void deleteOfUnknownBlobIs404BlobUnknown() {
        String repo = TestData.repository("blob-delete");
        http.pushBlob(repo, TestData.random(10));

        Golden.assertError(http.delete(blobPath(repo, Digest.sha256(TestData.random(10)))), 404, "blob-unknown");
    }

    @Test
    void deleteInOneRepositoryLeavesTheBlobInAnother() {
        String a = TestData.repository("blob-a");
        String b = TestData.repository("blob-b");
        byte[] content = TestData.random(SIZE);
        Digest digest = http.pushBlob(a, content);
        http.pushBlob(b, content);

        assertThat(http.delete(blobPath(a, digest)).statusCode()).isEqualTo(202);

        assertThat(http.get(blobPath(a, digest)).statusCode()).isEqualTo(404);
        HttpResponse<byte[]> stillThere = http.get(blobPath(b, digest));
        assertThat(stillThere.statusCode()).isEqualTo(200);
        assertThat(stillThere.body()).isEqualTo(content);
    }

    @Test
    void blobUploadedAgainAfterDeleteIsServedAgain() {
        String repo = TestData.repository("blob-delete");
        byte[] content = TestData.random(SIZE);
        Digest digest = http.pushBlob(repo, content);
        RegistryHttp.check(http.delete(blobPath(repo, digest)), 202);

        http.pushBlob(repo, content);

        assertThat(http.get(blobPath(repo, digest)).body()).isEqualTo(content);
    }

    @Test
    void blobLocationFromUploadIsPullable() {
        String repo = TestData.repository("blob");
        byte[] content = TestData.random(SIZE);
        Digest digest = Digest.sha256(content);

        HttpResponse<byte[]> upload = http.post("/v2/" + repo + "/blobs/uploads/?digest=" + digest, content,
                "Content-Type", "application/octet-stream");
        RegistryHttp.check(upload, 201);

        HttpResponse<byte[]> pulled = http.get(Responses.location(upload));
        assertThat(pulled.statusCode()).isEqualTo(200);
        assertThat(pulled.body()).isEqualTo(content);
    }

    /**
     * A large blob is written from its file straight from the connection's socket buffer (several
     * buffers' worth here, in ranges that cross their boundaries); the framing must stay right, so
     * one connection serves the whole blob, then a range, then a small blob, in turn.
     */
    @Test
    void largeBlobsWholeAndInRangesFollowOneAnotherOnOneConnection() throws IOException {
        String repo = TestData.repository("blob-large");
        byte[] large = TestData.random(3 * 1024 * 1024 + 17);
        Digest largeDigest = http.pushBlob(repo, large);
        byte[] small = TestData.random(SIZE);
        Digest smallDigest = http.pushBlob(repo, small);
        URI base = RegistryServer.shared().base();

        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());

            out.write(rawGet(base, blobPath(repo, largeDigest), null));
            assertThat(readResponse(in)).isEqualTo(large);

            out.write(rawGet(base, blobPath(repo, largeDigest), "bytes=262000-1048600"));
            assertThat(readResponse(in)).isEqualTo(Arrays.copyOfRange(large, 262000, 1048601));

            out.write(rawGet(base, blobPath(repo, smallDigest), null));
            assertThat(readResponse(in)).isEqualTo(small);

            out.write(rawGet(base, blobPath(repo, largeDigest), "bytes=-70000"));
            assertThat(readResponse(in)).isEqualTo(Arrays.copyOfRange(large, large.length - 70000, large.length));
        }
    }

    /** A client that leaves in the middle of a large blob does not disturb the next download. */
    @Test
    void clientLeavingDuringALargeBlobLeavesTheServerServing() throws IOException {
        String repo = TestData.repository("blob-large");
        byte[] large = TestData.random(8 * 1024 * 1024);
        Digest digest = http.pushBlob(repo, large);
        URI base = RegistryServer.shared().base();

        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(rawGet(base, blobPath(repo, digest), null));
            InputStream in = socket.getInputStream();
            assertThat(in.readNBytes(100_000)).hasSize(100_000);
        }

        HttpResponse<byte[]> response = http.get(blobPath(repo, digest));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(large);
    }

    private static byte[] rawGet(URI base, String path, String range) {
        String request = "GET " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort() + "\r\n"
                + (range == null ? "" : "Range: " + range + "\r\n") + "\r\n";
        return request.getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads one response with a Content-Length; returns its body after checking the status is 200 or 206. */
    private static byte[] readResponse(InputStream in) throws IOException {
        String status = readLine(in);
        assertThat(status).matches("HTTP/1\\.1 20[06] .*");
        long length = -1;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(line.substring("content-length:".length()).trim());
            }
        }
        assertThat(length).as("Content-Length").isNotNegative();
        byte[] body = in.readNBytes((int) length);
        assertThat(body).hasSize((int) length);
        return body;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new EOFException("connection closed after: " + line);
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
