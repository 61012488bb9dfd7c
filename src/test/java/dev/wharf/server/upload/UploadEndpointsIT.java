package dev.wharf.server.upload;

import static dev.wharf.testing.Responses.header;
import static dev.wharf.testing.Responses.location;
import static dev.wharf.testing.Responses.withQuery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.testing.Golden;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Blob uploads (end-4a/4b/4c, end-5, end-6, end-11, end-13, end-14): sessions, monolithic
 * (POST then PUT, single POST), chunked (PATCH with Content-Range), streamed (PATCH without it),
 * cross-repository mounts, other digest algorithms and empty blobs.
 */
class UploadEndpointsIT {

    private static final Pattern UUID_FORM =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final String OCTETS = "application/octet-stream";

    private final RegistryHttp http = new RegistryHttp(RegistryServer.shared().base());

    // ---- helpers ----------------------------------------------------------------------------

    private HttpResponse<byte[]> post(String repository, String query) {
        return http.post("/v2/" + repository + "/blobs/uploads/" + query, new byte[0]);
    }

    /** Starts a session and returns its location. */
    private String start(String repository) {
        HttpResponse<byte[]> response = post(repository, "");
        RegistryHttp.check(response, 202);
        return location(response);
    }

    private HttpResponse<byte[]> patch(String location, byte[] chunk, String contentRange) {
        return contentRange == null
                ? http.patch(location, chunk, "Content-Type", OCTETS)
                : http.patch(location, chunk, "Content-Type", OCTETS, "Content-Range", contentRange);
    }

    private HttpResponse<byte[]> close(String location, Digest digest) {
        return http.put(withQuery(location, "digest=" + digest), new byte[0]);
    }

    private String blobPath(String repository, Digest digest) {
        return "/v2/" + repository + "/blobs/" + digest;
    }

    private void assertServed(String repository, Digest digest, byte[] content) {
        HttpResponse<byte[]> response = http.get(blobPath(repository, digest));
        assertThat(response.statusCode()).as("GET %s", blobPath(repository, digest)).isEqualTo(200);
        assertThat(response.body()).isEqualTo(content);
        assertThat(header(response, "Docker-Content-Digest")).isEqualTo(digest.toString());
    }

    private void assertNotServed(String repository, Digest digest) {
        assertThat(http.head(blobPath(repository, digest)).statusCode())
                .as("HEAD %s", blobPath(repository, digest)).isEqualTo(404);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    // ---- sessions ---------------------------------------------------------------------------

    @Test
    void postStartsSessionWith202LocationUploadUuidAndEmptyRange() {
        String repo = TestData.repository("upload");

        HttpResponse<byte[]> response = post(repo, "");

        assertThat(response.statusCode()).isEqualTo(202);
        String uuid = header(response, "Docker-Upload-UUID");
        assertThat(uuid).matches(UUID_FORM);
        assertThat(location(response)).as("the location contains the session id").contains(uuid);
        assertThat(header(response, "Range")).isEqualTo("0-0");
    }

    @Test
    void eachPostStartsADistinctSession() {
        String repo = TestData.repository("upload");

        assertThat(start(repo)).isNotEqualTo(start(repo));
    }

    @Test
    void getOnSessionAnswers204WithRangeAndLocation() {
        String repo = TestData.repository("upload");
        String location = start(repo);
        RegistryHttp.check(patch(location, TestData.random(10), "0-9"), 202);

        HttpResponse<byte[]> status = http.get(location);

        assertThat(status.statusCode()).isEqualTo(204);
        assertThat(header(status, "Range")).isEqualTo("0-9");
        assertThat(location(status)).isNotEmpty();
    }

    @Test
    void deleteCancelsSessionAndTheSessionIsThen404BlobUploadUnknown() {
        String repo = TestData.repository("upload");
        String location = start(repo);
        byte[] chunk = TestData.random(10);
        RegistryHttp.check(patch(location, chunk, "0-9"), 202);

        assertThat(http.delete(location).statusCode()).isEqualTo(204);

        Golden.assertError(http.get(location), 404, "blob-upload-unknown");
        Golden.assertError(patch(location, TestData.random(5), "10-14"), 404, "blob-upload-unknown");
        Golden.assertError(close(location, Digest.sha256(chunk)), 404, "blob-upload-unknown");
        Golden.assertError(http.delete(location), 404, "blob-upload-unknown");
    }

    @Test
    void sessionIdUnderAnotherRepositoryIs404BlobUploadUnknown() {
        String a = TestData.repository("upload-a");
        String b = TestData.repository("upload-b");
        start(b);
        HttpResponse<byte[]> started = post(a, "");
        RegistryHttp.check(started, 202);
        String uuid = header(started, "Docker-Upload-UUID");
        String foreign = "/v2/" + b + "/blobs/uploads/" + uuid;
        byte[] content = TestData.random(10);

        Golden.assertError(http.get(foreign), 404, "blob-upload-unknown");
        Golden.assertError(patch(foreign, content, "0-9"), 404, "blob-upload-unknown");
        Golden.assertError(close(foreign, Digest.sha256(new byte[0])), 404, "blob-upload-unknown");
        Golden.assertError(http.delete(foreign), 404, "blob-upload-unknown");

        // none of that touched the session in its own repository
        String own = location(started);
        assertThat(header(http.get(own), "Range")).isEqualTo("0-0");
        RegistryHttp.check(patch(own, content, "0-9"), 202);
        RegistryHttp.check(close(own, Digest.sha256(content)), 201);
        assertServed(a, Digest.sha256(content), content);
        assertNotServed(b, Digest.sha256(content));
    }

    @Test
    void unknownSessionIdIs404BlobUploadUnknown() {
        String repo = TestData.repository("upload");
        start(repo);
        String unknown = "/v2/" + repo + "/blobs/uploads/" + UUID.randomUUID();

        Golden.assertError(http.get(unknown), 404, "blob-upload-unknown");
        Golden.assertError(patch(unknown, TestData.random(3), null), 404, "blob-upload-unknown");
        Golden.assertError(http.delete(unknown), 404, "blob-upload-unknown");
    }

    // ---- monolithic -------------------------------------------------------------------------

    @Test
    void postThenPutUploadsTheBlob() {
        String repo = TestData.repository("upload");
        byte[] content = TestData.random(1000);
        Digest digest = Digest.sha256(content);
        String location = start(repo);

        HttpResponse<byte[]> put = http.put(withQuery(location, "digest=" + digest), content, "Content-Type", OCTETS);

        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(header(put, "Docker-Content-Digest")).isEqualTo(digest.toString());
        assertThat(http.get(location(put)).body()).as("the Location is a pullable blob URL").isEqualTo(content);
        assertServed(repo, digest, content);
    }

    @Test
    void singlePostWithDigestUploadsTheBlob() {
        String repo = TestData.repository("upload");
        byte[] content = TestData.random(1000);
        Digest digest = Digest.sha256(content);

        HttpResponse<byte[]> response = http.post("/v2/" + repo + "/blobs/uploads/?digest=" + digest, content,
                "Content-Type", OCTETS);

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(header(response, "Docker-Content-Digest")).isEqualTo(digest.toString());
        assertThat(http.get(location(response)).body()).isEqualTo(content);
    }

    @Test
    void singlePostWithWrongDigestIs400DigestInvalidAndPublishesNothing() {
        String repo = TestData.repository("upload");
        byte[] content = TestData.random(1000);
        Digest claimed = Digest.sha256(TestData.random(1000));

        HttpResponse<byte[]> response = http.post("/v2/" + repo + "/blobs/uploads/?digest=" + claimed, content,
                "Content-Type", OCTETS);

        Golden.assertError(response, 400, "digest-invalid");
        assertNotServed(repo, claimed);
        assertNotServed(repo, Digest.sha256(content));
    }

    @Test
    void putWithDigestMismatchIs400DigestInvalidPublishesNothingAndEndsTheSession() {
        String repo = TestData.repository("upload");
        byte[] content = TestData.random(1000);
        Digest claimed = Digest.sha256(TestData.random(1000));
        String location = start(repo);

        HttpResponse<byte[]> put = http.put(withQuery(location, "digest=" + claimed), content, "Content-Type", OCTETS);

        Golden.assertError(put, 400, "digest-invalid");
        assertNotServed(repo, claimed);
        assertNotServed(repo, Digest.sha256(content));
        Golden.assertError(http.get(location), 404, "blob-upload-unknown");
    }

    @Test
    void putWithoutDigestIs400DigestInvalid() {
        String repo = TestData.repository("upload");
        byte[] content = TestData.random(100);
        String location = start(repo);

        Golden.assertError(http.put(location, content, "Content-Type", OCTETS), 400, "digest-invalid");
        assertNotServed(repo, Digest.sha256(content));
    }

    @Test
    void closingDigestCoversAllChunksNotJustTheLast() {
        String repo = TestData.repository("upload");
        byte[] first = TestData.random(10);
        byte[] last = TestData.random(10);
        String location = start(repo);
        RegistryHttp.check(patch(location, first, "0-9"), 202);

        HttpResponse<byte[]> put = http.put(withQuery(location, "digest=" + Digest.sha256(last)), last,
                "Content-Type", OCTETS, "Content-Range", "10-19");

        Golden.assertError(put, 400, "digest-invalid");
        assertNotServed(repo, Digest.sha256(last));
        assertNotServed(repo, Digest.sha256(concat(first, last)));
    }

    @Test
    void completedSessionIsGone() {
        String repo = TestData.repository("upload");
        byte[] content = TestData.random(10);
        String location = start(repo);
        RegistryHttp.check(http.put(withQuery(location, "digest=" + Digest.sha256(content)), content,
                "Content-Type", OCTETS), 201);

        Golden.assertError(http.get(location), 404, "blob-upload-unknown");
        Golden.assertError(patch(location, TestData.random(5), "10-14"), 404, "blob-upload-unknown");
    }

    @Test
    void closingDigestOfAnotherAlgorithmThanTheSessionsIsVerifiedAndServed() {
        String repo = TestData.repository("upload");
        byte[] content = TestData.random(100);
        Digest sha512 = Digest.of(DigestAlgorithm.SHA512, content);

        // a sha256 session (the default) closed with a sha512 digest: Wharf verifies that one
        HttpResponse<byte[]> put = http.put(withQuery(start(repo), "digest=" + sha512), content, "Content-Type", OCTETS);

        assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertServed(repo, sha512, content);
    }

    // ---- chunked ----------------------------------------------------------------------------

    @Test
    void chunksWithContentRangeAreAppendedInOrder() {
        String repo = TestData.repository("upload-chunked");
        byte[] a = TestData.random(10);
        byte[] b = TestData.random(20);
        byte[] c = TestData.random(5);
        byte[] all = concat(a, b, c);
        String location = start(repo);

        HttpResponse<byte[]> first = patch(location, a, "0-9");
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(header(first, "Range")).isEqualTo("0-9");
        HttpResponse<byte[]> second = patch(location(first), b, "10-29");
        assertThat(second.statusCode()).isEqualTo(202);
        assertThat(header(second, "Range")).isEqualTo("0-29");
        HttpResponse<byte[]> third = patch(location(second), c, "30-34");
        assertThat(header(third, "Range")).isEqualTo("0-34");
        HttpResponse<byte[]> put = close(location(third), Digest.sha256(all));

        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(header(put, "Docker-Content-Digest")).isEqualTo(Digest.sha256(all).toString());
        assertServed(repo, Digest.sha256(all), all);
    }

    @Test
    void closingPutMayCarryTheLastChunk() {
        String repo = TestData.repository("upload-chunked");
        byte[] a = TestData.random(10);
        byte[] b = TestData.random(7);
        byte[] all = concat(a, b);
        String location = start(repo);
        RegistryHttp.check(patch(location, a, "0-9"), 202);

        HttpResponse<byte[]> put = http.put(withQuery(location, "digest=" + Digest.sha256(all)), b,
                "Content-Type", OCTETS, "Content-Range", "10-16");

        assertThat(put.statusCode()).isEqualTo(201);
        assertServed(repo, Digest.sha256(all), all);
    }

    @Test
    void closingPutWithABodyAndNoContentRangeAppendsIt() {
        String repo = TestData.repository("upload-chunked");
        byte[] a = TestData.random(10);
        byte[] b = TestData.random(15);
        String location = start(repo);
        RegistryHttp.check(patch(location, a, "0-9"), 202);

        HttpResponse<byte[]> put = http.put(withQuery(location, "digest=" + Digest.sha256(concat(a, b))), b,
                "Content-Type", OCTETS);

        assertThat(put.statusCode()).isEqualTo(201);
        assertServed(repo, Digest.sha256(concat(a, b)), concat(a, b));
    }

    @Test
    void patchRejectsOutOfOrderChunkWith416AndTellsWhereTheUploadStands() {
        String repo = TestData.repository("upload-chunked");
        byte[] a = TestData.random(10);
        String location = start(repo);
        RegistryHttp.check(patch(location, a, "0-9"), 202);

        HttpResponse<byte[]> gap = patch(location, TestData.random(5), "15-19");

        assertThat(gap.statusCode()).isEqualTo(416);
        assertThat(header(gap, "Range")).isEqualTo("0-9");
        assertThat(header(http.get(location), "Range")).isEqualTo("0-9");
    }

    @Test
    void patchRejectsChunkOverlappingWhatIsStoredWith416() {
        String repo = TestData.repository("upload-chunked");
        byte[] a = TestData.random(10);
        byte[] b = TestData.random(10);
        String location = start(repo);
        RegistryHttp.check(patch(location, a, "0-9"), 202);

        HttpResponse<byte[]> overlap = patch(location, TestData.random(10), "5-14");

        assertThat(overlap.statusCode()).isEqualTo(416);
        assertThat(header(overlap, "Range")).isEqualTo("0-9");
        // the upload goes on where it stood
        RegistryHttp.check(patch(location, b, "10-19"), 202);
        RegistryHttp.check(close(location, Digest.sha256(concat(a, b))), 201);
        assertServed(repo, Digest.sha256(concat(a, b)), concat(a, b));
    }

    @Test
    void firstChunkMustStartAtZero() {
        String repo = TestData.repository("upload-chunked");
        String location = start(repo);

        HttpResponse<byte[]> response = patch(location, TestData.random(10), "1-10");

        assertThat(response.statusCode()).isEqualTo(416);
        assertThat(header(response, "Range")).isEqualTo("0-0");
    }

    @Test
    void closingPutWithOutOfOrderLastChunkIs416() {
        String repo = TestData.repository("upload-chunked");
        byte[] a = TestData.random(10);
        byte[] b = TestData.random(10);
        String location = start(repo);
        RegistryHttp.check(patch(location, a, "0-9"), 202);

        HttpResponse<byte[]> put = http.put(withQuery(location, "digest=" + Digest.sha256(concat(a, b))), b,
                "Content-Type", OCTETS, "Content-Range", "12-21");

        assertThat(put.statusCode()).isEqualTo(416);
        assertNotServed(repo, Digest.sha256(concat(a, b)));
        assertThat(header(http.get(location), "Range")).isEqualTo("0-9");
    }

    @Test
    void contentLengthNotMatchingContentRangeIs400SizeInvalid() {
        String repo = TestData.repository("upload-chunked");
        String location = start(repo);

        // Content-Range announces 10 bytes, the body (and so Content-Length) has 5
        HttpResponse<byte[]> response = patch(location, TestData.random(5), "0-9");

        Golden.assertError(response, 400, "size-invalid");
        assertThat(header(http.get(location), "Range")).isEqualTo("0-0");
    }

    @Test
    void closingPutWhoseLengthDoesNotMatchItsRangeIs400SizeInvalid() {
        String repo = TestData.repository("upload-chunked");
        byte[] a = TestData.random(10);
        byte[] b = TestData.random(3);
        String location = start(repo);
        RegistryHttp.check(patch(location, a, "0-9"), 202);

        HttpResponse<byte[]> put = http.put(withQuery(location, "digest=" + Digest.sha256(concat(a, b))), b,
                "Content-Type", OCTETS, "Content-Range", "10-19");

        Golden.assertError(put, 400, "size-invalid");
        assertNotServed(repo, Digest.sha256(concat(a, b)));
    }

    // ---- streamed ---------------------------------------------------------------------------

    @Test
    void patchWithoutContentRangeAppendsAStreamedBody() {
        String repo = TestData.repository("upload-streamed");
        byte[] a = TestData.random(3000);
        byte[] b = TestData.random(2000);
        String location = start(repo);

        HttpResponse<byte[]> first = patch(location, a, null);
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(header(first, "Range")).isEqualTo("0-2999");
        HttpResponse<byte[]> second = patch(location(first), b, null);
        assertThat(header(second, "Range")).isEqualTo("0-4999");
        RegistryHttp.check(close(location(second), Digest.sha256(concat(a, b))), 201);

        assertServed(repo, Digest.sha256(concat(a, b)), concat(a, b));
    }

    @Test
    void streamedPatchWithChunkedTransferEncodingIsAccepted() {
        String repo = TestData.repository("upload-streamed");
        byte[] content = TestData.random(200_000);
        String location = start(repo);

        // no Content-Length: the JDK client sends the body with chunked transfer coding
        HttpResponse<byte[]> response = http.send(http.request(location)
                .header("Content-Type", OCTETS)
                .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(content)))
                .build());

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(header(response, "Range")).isEqualTo("0-199999");
        RegistryHttp.check(close(location(response), Digest.sha256(content)), 201);
        assertServed(repo, Digest.sha256(content), content);
    }

    // ---- empty blobs and other algorithms ---------------------------------------------------

    @Test
    void zeroByteBlobUploadsWithPostThenPut() {
        String repo = TestData.repository("upload-empty");
        Digest empty = Digest.sha256(new byte[0]);

        HttpResponse<byte[]> put = close(start(repo), empty);

        assertThat(put.statusCode()).isEqualTo(201);
        HttpResponse<byte[]> head = http.head(blobPath(repo, empty));
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(header(head, "Content-Length")).isEqualTo("0");
        assertServed(repo, empty, new byte[0]);
    }

    @Test
    void zeroByteBlobUploadsWithASinglePost() {
        String repo = TestData.repository("upload-empty");
        Digest empty = Digest.sha256(new byte[0]);

        HttpResponse<byte[]> response = http.post("/v2/" + repo + "/blobs/uploads/?digest=" + empty, new byte[0],
                "Content-Type", OCTETS);

        assertThat(response.statusCode()).isEqualTo(201);
        assertServed(repo, empty, new byte[0]);
    }

    @Test
    void sha512SessionVerifiesAndServesBySha512Digest() {
        String repo = TestData.repository("upload-sha512");
        byte[] a = TestData.random(100);
        byte[] b = TestData.random(50);
        Digest digest = Digest.of(DigestAlgorithm.SHA512, concat(a, b));

        HttpResponse<byte[]> started = post(repo, "?digest-algorithm=sha512");
        assertThat(started.statusCode()).isEqualTo(202);
        RegistryHttp.check(patch(location(started), a, "0-99"), 202);
        HttpResponse<byte[]> put = http.put(withQuery(location(started), "digest=" + digest), b,
                "Content-Type", OCTETS, "Content-Range", "100-149");

        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(header(put, "Docker-Content-Digest")).isEqualTo(digest.toString());
        assertServed(repo, digest, concat(a, b));
    }

    @Test
    void sha512SessionRejectsAWrongSha512Digest() {
        String repo = TestData.repository("upload-sha512");
        byte[] content = TestData.random(100);
        Digest wrong = Digest.of(DigestAlgorithm.SHA512, TestData.random(100));
        String location = location(post(repo, "?digest-algorithm=sha512"));

        HttpResponse<byte[]> put = http.put(withQuery(location, "digest=" + wrong), content, "Content-Type", OCTETS);

        Golden.assertError(put, 400, "digest-invalid");
        assertNotServed(repo, wrong);
    }

    @Test
    void singlePostWithSha512DigestUploadsTheBlob() {
        String repo = TestData.repository("upload-sha512");
        byte[] content = TestData.random(1000);
        Digest digest = Digest.of(DigestAlgorithm.SHA512, content);

        HttpResponse<byte[]> response = http.post("/v2/" + repo + "/blobs/uploads/?digest=" + digest, content,
                "Content-Type", OCTETS);

        assertThat(response.statusCode()).isEqualTo(201);
        assertServed(repo, digest, content);
    }

    @Test
    void unsupportedDigestAlgorithmIs400() {
        String repo = TestData.repository("upload");

        Golden.assertError(post(repo, "?digest-algorithm=md5"), 400, "digest-invalid");
    }

    // ---- mounts -----------------------------------------------------------------------------

    @Test
    void mountFromRepositoryThatHasTheBlobAnswers201() {
        String from = TestData.repository("mount-from");
        String to = TestData.repository("mount-to");
        byte[] content = TestData.random(500);
        Digest digest = http.pushBlob(from, content);

        HttpResponse<byte[]> response = post(to, "?mount=" + digest + "&from=" + from);

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(header(response, "Docker-Content-Digest")).isEqualTo(digest.toString());
        assertThat(http.get(location(response)).body()).isEqualTo(content);
        assertServed(to, digest, content);
    }

    @Test
    void mountedBlobStaysAfterTheSourceDeletesIt() {
        String from = TestData.repository("mount-from");
        String to = TestData.repository("mount-to");
        byte[] content = TestData.random(500);
        Digest digest = http.pushBlob(from, content);
        RegistryHttp.check(post(to, "?mount=" + digest + "&from=" + from), 201);

        RegistryHttp.check(http.delete(blobPath(from, digest)), 202);

        assertServed(to, digest, content);
    }

    @Test
    void mountFromTheSameRepositoryThatHasTheBlobAnswers201() {
        String repo = TestData.repository("mount-self");
        byte[] content = TestData.random(50);
        Digest digest = http.pushBlob(repo, content);

        HttpResponse<byte[]> response = post(repo, "?mount=" + digest + "&from=" + repo);

        assertThat(response.statusCode()).isEqualTo(201);
        assertServed(repo, digest, content);
    }

    @Test
    void mountFromRepositoryWithoutTheBlobStartsANormalSession() {
        String from = TestData.repository("mount-from");
        String to = TestData.repository("mount-to");
        http.pushBlob(from, TestData.random(10));
        byte[] content = TestData.random(500);
        Digest digest = Digest.sha256(content);

        HttpResponse<byte[]> response = post(to, "?mount=" + digest + "&from=" + from);

        assertSessionStartedAndUsable(response, to, content);
        assertNotServed(from, digest);
    }

    @Test
    void mountFromUnknownRepositoryStartsANormalSession() {
        String to = TestData.repository("mount-to");
        byte[] content = TestData.random(500);

        HttpResponse<byte[]> response = post(to, "?mount=" + Digest.sha256(content) + "&from="
                + TestData.repository("never-created"));

        assertSessionStartedAndUsable(response, to, content);
    }

    @Test
    void mountWithoutFromStartsANormalSession() {
        String holder = TestData.repository("mount-holder");
        String to = TestData.repository("mount-to");
        byte[] content = TestData.random(500);
        Digest digest = http.pushBlob(holder, content);

        HttpResponse<byte[]> response = post(to, "?mount=" + digest);

        assertSessionStartedAndUsable(response, to, content);
    }

    private void assertSessionStartedAndUsable(HttpResponse<byte[]> response, String repository, byte[] content) {
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(header(response, "Docker-Upload-UUID")).matches(UUID_FORM);
        Digest digest = Digest.sha256(content);
        assertNotServed(repository, digest);
        RegistryHttp.check(http.put(withQuery(location(response), "digest=" + digest), content,
                "Content-Type", OCTETS), 201);
        assertServed(repository, digest, content);
    }

    @Test
    void uploadingABlobTheRepositoryAlreadyHasSucceedsAgain() {
        String repo = TestData.repository("upload");
        byte[] content = TestData.random(300);
        Digest digest = http.pushBlob(repo, content);

        HttpResponse<byte[]> again = http.post("/v2/" + repo + "/blobs/uploads/?digest=" + digest, content,
                "Content-Type", OCTETS);

        assertThat(again.statusCode()).isEqualTo(201);
        assertServed(repo, digest, content);
    }

    @Test
    void twoSessionsUploadingTheSameBlobBothSucceed() {
        // spec, "Layer Upload De-duplication": both uploads proceed
        String repo = TestData.repository("upload-dedup");
        byte[] a = TestData.random(1000);
        byte[] b = TestData.random(1000);
        Digest digest = Digest.sha256(concat(a, b));
        String first = start(repo);
        String second = start(repo);

        RegistryHttp.check(patch(first, a, "0-999"), 202);
        RegistryHttp.check(patch(second, a, "0-999"), 202);
        RegistryHttp.check(patch(first, b, "1000-1999"), 202);
        RegistryHttp.check(patch(second, b, "1000-1999"), 202);

        assertThat(close(first, digest).statusCode()).isEqualTo(201);
        assertThat(close(second, digest).statusCode()).isEqualTo(201);
        assertServed(repo, digest, concat(a, b));
    }

    @Test
    void concurrentMonolithicUploadsOfTheSameBlobAllSucceed() throws Exception {
        String repo = TestData.repository("upload-dedup");
        String other = TestData.repository("upload-dedup");
        byte[] content = TestData.random(512 * 1024);
        Digest digest = Digest.sha256(content);
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<HttpResponse<byte[]>>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String target = i % 2 == 0 ? repo : other;
                futures.add(pool.submit(() -> http.post("/v2/" + target + "/blobs/uploads/?digest=" + digest, content,
                        "Content-Type", OCTETS)));
            }
            for (Future<HttpResponse<byte[]>> f : futures) {
                HttpResponse<byte[]> response = f.get();
                assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(201);
            }
        } finally {
            pool.shutdownNow();
        }

        assertServed(repo, digest, content);
        assertServed(other, digest, content);
    }

    @Test
    void chunkedUploadOfALargerBlobKeepsEveryByte() {
        String repo = TestData.repository("upload-chunked");
        byte[] content = TestData.random(3 * 1024 * 1024 + 17);
        String location = start(repo);
        int chunk = 1024 * 1024;
        for (int offset = 0; offset < content.length; offset += chunk) {
            int end = Math.min(offset + chunk, content.length);
            HttpResponse<byte[]> response = patch(location, Arrays.copyOfRange(content, offset, end),
                    offset + "-" + (end - 1));
            RegistryHttp.check(response, 202);
            location = location(response);
        }

        RegistryHttp.check(close(location, Digest.sha256(content)), 201);

        assertServed(repo, Digest.sha256(content), content);
    }
}
