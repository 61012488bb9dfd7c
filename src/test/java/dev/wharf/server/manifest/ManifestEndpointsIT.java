package dev.wharf.server.manifest;

import static dev.wharf.testing.Responses.header;
import static dev.wharf.testing.Responses.location;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.Golden;
import dev.wharf.testing.GoldenImages;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.Responses;
import dev.wharf.testing.TestData;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pushing, pulling and deleting manifests (end-3, end-7a/7b, end-9): the four manifest types, byte
 * exactness, digests over the exact bytes, content negotiation, tags and deletion.
 */
class ManifestEndpointsIT {

    /** Each golden manifest with the media type it is pushed and served as. */
    static final Map<String, String> GOLDEN_TYPES = Map.of(
            GoldenImages.OCI_MANIFEST, MediaTypes.OCI_MANIFEST,
            GoldenImages.OCI_MANIFEST_ARM64, MediaTypes.OCI_MANIFEST,
            GoldenImages.OCI_INDEX, MediaTypes.OCI_INDEX,
            GoldenImages.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST,
            GoldenImages.DOCKER_MANIFEST_LIST, MediaTypes.DOCKER_MANIFEST_LIST,
            GoldenImages.ARTIFACT, MediaTypes.OCI_MANIFEST);

    private final RegistryHttp http = new RegistryHttp(RegistryServer.shared().base());

    private static String manifests(String repository, Object reference) {
        return "/v2/" + repository + "/manifests/" + reference;
    }

    /** Pushes the blobs and child manifests a golden manifest needs (not the manifest itself). */
    private void pushDependencies(String repository, String name) {
        GoldenImages.pushBlobs(http, repository);
        List<String> children = switch (name) {
            case GoldenImages.OCI_INDEX -> List.of(GoldenImages.OCI_MANIFEST, GoldenImages.OCI_MANIFEST_ARM64);
            case GoldenImages.DOCKER_MANIFEST_LIST -> List.of(GoldenImages.DOCKER_MANIFEST);
            default -> List.of();
        };
        for (String child : children) {
            RegistryHttp.check(http.putManifest(repository, GoldenImages.digest(child).toString(),
                    GOLDEN_TYPES.get(child), GoldenImages.manifest(child)), 201);
        }
    }

    private void assertServedExactly(HttpResponse<byte[]> response, byte[] bytes, String mediaType) {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).as("served byte-exact").isEqualTo(bytes);
        assertThat(header(response, "Content-Type")).isEqualTo(mediaType);
        assertThat(header(response, "Docker-Content-Digest")).isEqualTo(Digest.sha256(bytes).toString());
        assertThat(header(response, "Content-Length")).isEqualTo(Integer.toString(bytes.length));
    }

    /** A small image manifest (its config pushed) with a nonce, so that each call gives new bytes. */
    private byte[] simpleManifest(String repository) {
        byte[] config = ("{\"nonce\":\"" + System.nanoTime() + "\"}").getBytes(StandardCharsets.UTF_8);
        Digest digest = http.pushBlob(repository, config);
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, digest, config.length) + ",\"layers\":[]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private List<String> tags(String repository) {
        HttpResponse<byte[]> response = http.get("/v2/" + repository + "/tags/list");
        RegistryHttp.check(response, 200);
        List<String> out = new ArrayList<>();
        RegistryHttp.json(response).path("tags").forEach(t -> out.add(t.asString()));
        return out;
    }

    // ---- push and pull ----------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {GoldenImages.OCI_MANIFEST, GoldenImages.OCI_INDEX, GoldenImages.DOCKER_MANIFEST,
            GoldenImages.DOCKER_MANIFEST_LIST, GoldenImages.ARTIFACT})
    void manifestPushedByTagIsServedByteExactByTagAndDigest(String name) {
        String repo = TestData.repository("manifest");
        pushDependencies(repo, name);
        byte[] bytes = GoldenImages.manifest(name);
        String type = GOLDEN_TYPES.get(name);
        Digest digest = Digest.sha256(bytes);

        HttpResponse<byte[]> put = http.putManifest(repo, "v1", type, bytes);

        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(header(put, "Docker-Content-Digest")).as("the digest of the exact bytes").isEqualTo(digest.toString());
        assertServedExactly(http.get(location(put)), bytes, type);
        assertServedExactly(http.get(manifests(repo, "v1")), bytes, type);
        assertServedExactly(http.get(manifests(repo, digest)), bytes, type);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {GoldenImages.OCI_MANIFEST, GoldenImages.OCI_INDEX, GoldenImages.DOCKER_MANIFEST,
            GoldenImages.DOCKER_MANIFEST_LIST})
    void manifestPushedByDigestIsServedByteExact(String name) {
        String repo = TestData.repository("manifest");
        pushDependencies(repo, name);
        byte[] bytes = GoldenImages.manifest(name);
        Digest digest = Digest.sha256(bytes);

        HttpResponse<byte[]> put = http.putManifest(repo, digest.toString(), GOLDEN_TYPES.get(name), bytes);

        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(header(put, "Docker-Content-Digest")).isEqualTo(digest.toString());
        assertServedExactly(http.get(manifests(repo, digest)), bytes, GOLDEN_TYPES.get(name));
    }

    @Test
    void headByTagAndByDigestAnswersTypeDigestAndLengthWithoutBody() {
        String repo = TestData.repository("manifest");
        pushDependencies(repo, GoldenImages.DOCKER_MANIFEST);
        byte[] bytes = GoldenImages.manifest(GoldenImages.DOCKER_MANIFEST);
        RegistryHttp.check(http.putManifest(repo, "latest", MediaTypes.DOCKER_MANIFEST, bytes), 201);

        for (Object reference : List.of("latest", Digest.sha256(bytes))) {
            HttpResponse<byte[]> head = http.head(manifests(repo, reference));
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            assertThat(header(head, "Content-Type")).isEqualTo(MediaTypes.DOCKER_MANIFEST);
            assertThat(header(head, "Docker-Content-Digest")).isEqualTo(Digest.sha256(bytes).toString());
            assertThat(header(head, "Content-Length")).isEqualTo(Integer.toString(bytes.length));
        }
    }

    @Test
    void manifestsDifferingOnlyInWhitespaceAreDistinctAndEachKeptExactly() {
        String repo = TestData.repository("manifest");
        String compact = new String(simpleManifest(repo), StandardCharsets.UTF_8);
        byte[] spaced = compact.replace(",\"", " ,\n  \"").replace("\":", "\" : ").getBytes(StandardCharsets.UTF_8);
        byte[] compactBytes = compact.getBytes(StandardCharsets.UTF_8);

        HttpResponse<byte[]> a = http.putManifest(repo, "compact", MediaTypes.OCI_MANIFEST, compactBytes);
        HttpResponse<byte[]> b = http.putManifest(repo, "spaced", MediaTypes.OCI_MANIFEST, spaced);

        assertThat(header(a, "Docker-Content-Digest")).isEqualTo(Digest.sha256(compactBytes).toString());
        assertThat(header(b, "Docker-Content-Digest")).isEqualTo(Digest.sha256(spaced).toString());
        assertThat(http.get(manifests(repo, "compact")).body()).isEqualTo(compactBytes);
        assertThat(http.get(manifests(repo, "spaced")).body()).isEqualTo(spaced);
    }

    @Test
    void manifestWithoutMediaTypeFieldIsServedWithTheContentTypeItWasPushedWith() {
        String repo = TestData.repository("manifest");
        byte[] bytes = new String(simpleManifest(repo), StandardCharsets.UTF_8)
                .replace("\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",", "").getBytes(StandardCharsets.UTF_8);
        assertThat(new String(bytes, StandardCharsets.UTF_8)).doesNotContain(MediaTypes.OCI_MANIFEST);

        RegistryHttp.check(http.putManifest(repo, "bare", MediaTypes.OCI_MANIFEST, bytes), 201);

        assertServedExactly(http.get(manifests(repo, "bare")), bytes, MediaTypes.OCI_MANIFEST);
    }

    @Test
    void contentTypeParametersOnPushAreIgnored() {
        String repo = TestData.repository("manifest");
        byte[] bytes = simpleManifest(repo);

        HttpResponse<byte[]> put = http.putManifest(repo, "params", MediaTypes.OCI_MANIFEST + "; charset=utf-8", bytes);

        assertThat(put.statusCode()).isEqualTo(201);
        assertServedExactly(http.get(manifests(repo, "params")), bytes, MediaTypes.OCI_MANIFEST);
    }

    @Test
    void pushByDigestNotMatchingTheBodyIs400DigestInvalidAndStoresNothing() {
        String repo = TestData.repository("manifest");
        byte[] bytes = simpleManifest(repo);
        Digest other = Digest.sha256(simpleManifest(repo));

        HttpResponse<byte[]> put = http.putManifest(repo, other.toString(), MediaTypes.OCI_MANIFEST, bytes);

        Golden.assertError(put, 400, "digest-invalid");
        assertThat(http.get(manifests(repo, other)).statusCode()).isEqualTo(404);
        assertThat(http.get(manifests(repo, Digest.sha256(bytes))).statusCode()).isEqualTo(404);
    }

    @Test
    void pushBySha512DigestIsVerifiedAndServedUnderIt() {
        String repo = TestData.repository("manifest");
        byte[] bytes = simpleManifest(repo);
        Digest digest = Digest.of(DigestAlgorithm.SHA512, bytes);

        HttpResponse<byte[]> put = http.putManifest(repo, digest.toString(), MediaTypes.OCI_MANIFEST, bytes);

        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(header(put, "Docker-Content-Digest")).isEqualTo(digest.toString());
        HttpResponse<byte[]> get = http.get(manifests(repo, digest));
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(bytes);
        assertThat(header(get, "Docker-Content-Digest")).isEqualTo(digest.toString());
    }

    @Test
    void pushByDigestWithTagParametersAnswersOciTagHeadersAndCreatesTheTags() {
        String repo = TestData.repository("manifest");
        byte[] bytes = simpleManifest(repo);
        Digest digest = Digest.sha256(bytes);

        HttpResponse<byte[]> put = http.putManifest(repo, digest + "?tag=a&tag=b", MediaTypes.OCI_MANIFEST, bytes);

        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(Responses.listHeader(put, "OCI-Tag")).containsExactlyInAnyOrder("a", "b");
        assertThat(http.get(manifests(repo, "a")).body()).isEqualTo(bytes);
        assertThat(http.get(manifests(repo, "b")).body()).isEqualTo(bytes);
        assertThat(tags(repo)).containsExactly("a", "b");
    }

    @Test
    void pushByDigestWithTenTagParametersCreatesEveryTag() {
        String repo = TestData.repository("manifest");
        byte[] bytes = simpleManifest(repo);
        List<String> wanted = List.of("t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9");
        String query = "?tag=" + String.join("&tag=", wanted);

        HttpResponse<byte[]> put = http.putManifest(repo, Digest.sha256(bytes) + query, MediaTypes.OCI_MANIFEST, bytes);

        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(Responses.listHeader(put, "OCI-Tag")).containsExactlyInAnyOrderElementsOf(wanted);
        assertThat(tags(repo)).containsExactlyElementsOf(wanted);
    }

    @Test
    void manifestPushedWithoutContentTypeIsIdentifiedByItsMediaTypeField() {
        String repo = TestData.repository("manifest");
        pushDependencies(repo, GoldenImages.DOCKER_MANIFEST);
        byte[] bytes = GoldenImages.manifest(GoldenImages.DOCKER_MANIFEST);

        HttpResponse<byte[]> put = http.put(manifests(repo, "untyped"), bytes);

        assertThat(put.request().headers().firstValue("Content-Type")).isEmpty();
        assertThat(put.statusCode()).isEqualTo(201);
        assertServedExactly(http.get(manifests(repo, "untyped")), bytes, MediaTypes.DOCKER_MANIFEST);
    }

    @Test
    void concurrentPushesOfTheSameManifestAllSucceed() throws Exception {
        String repo = TestData.repository("manifest-concurrent");
        byte[] bytes = simpleManifest(repo);
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<HttpResponse<byte[]>>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String tag = "c" + i;
                futures.add(pool.submit(() -> http.putManifest(repo, tag, MediaTypes.OCI_MANIFEST, bytes)));
            }
            for (Future<HttpResponse<byte[]>> f : futures) {
                HttpResponse<byte[]> put = f.get();
                assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(201);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(tags(repo)).containsExactly("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7");
        assertThat(http.get(manifests(repo, Digest.sha256(bytes))).body()).isEqualTo(bytes);
    }

    @Test
    void pushingAnotherManifestToATagMovesTheTag() {
        String repo = TestData.repository("manifest");
        byte[] first = simpleManifest(repo);
        byte[] second = simpleManifest(repo);
        RegistryHttp.check(http.putManifest(repo, "latest", MediaTypes.OCI_MANIFEST, first), 201);

        RegistryHttp.check(http.putManifest(repo, "latest", MediaTypes.OCI_MANIFEST, second), 201);

        assertThat(http.get(manifests(repo, "latest")).body()).isEqualTo(second);
        assertThat(http.get(manifests(repo, Digest.sha256(first))).body()).as("the old manifest stays by digest")
                .isEqualTo(first);
    }

    @Test
    void pushingTheSameManifestAgainSucceeds() {
        String repo = TestData.repository("manifest");
        byte[] bytes = simpleManifest(repo);
        RegistryHttp.check(http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, bytes), 201);

        HttpResponse<byte[]> again = http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, bytes);

        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(header(again, "Docker-Content-Digest")).isEqualTo(Digest.sha256(bytes).toString());
    }

    @Test
    void manifestWithSubjectAnswersOciSubjectEvenWhenTheSubjectDoesNotExist() {
        String repo = TestData.repository("manifest");
        GoldenImages.pushBlobs(http, repo);
        byte[] artifact = GoldenImages.manifest(GoldenImages.ARTIFACT);
        Digest subject = GoldenImages.digest(GoldenImages.OCI_MANIFEST);
        assertThat(http.head(manifests(repo, subject)).statusCode()).isEqualTo(404);

        HttpResponse<byte[]> put = http.putManifest(repo, Digest.sha256(artifact).toString(), MediaTypes.OCI_MANIFEST,
                artifact);

        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(header(put, "OCI-Subject")).isEqualTo(subject.toString());
    }

    @Test
    void manifestWithoutSubjectAnswersNoOciSubject() {
        String repo = TestData.repository("manifest");

        HttpResponse<byte[]> put = http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, simpleManifest(repo));

        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(put.headers().firstValue("OCI-Subject")).isEmpty();
    }

    @Test
    void manifestPushedToOneRepositoryIsNotVisibleInAnother() {
        String a = TestData.repository("manifest-a");
        String b = TestData.repository("manifest-b");
        byte[] bytes = simpleManifest(a);
        RegistryHttp.check(http.putManifest(a, "v1", MediaTypes.OCI_MANIFEST, bytes), 201);
        RegistryHttp.check(http.putManifest(b, "v1", MediaTypes.OCI_MANIFEST, simpleManifest(b)), 201);

        Golden.assertError(http.get(manifests(b, Digest.sha256(bytes))), 404, "manifest-unknown");
        assertThat(http.get(manifests(b, "v1")).body()).isNotEqualTo(bytes);
    }

    @Test
    void blobDigestIsNoManifest() {
        String repo = TestData.repository("manifest");
        RegistryHttp.check(http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, simpleManifest(repo)), 201);
        Digest blob = http.pushBlob(repo, TestData.random(100));

        Golden.assertError(http.get(manifests(repo, blob)), 404, "manifest-unknown");
    }

    @Test
    void tagsAreCaseSensitive() {
        String repo = TestData.repository("manifest");
        byte[] lower = simpleManifest(repo);
        byte[] upper = simpleManifest(repo);
        RegistryHttp.check(http.putManifest(repo, "latest", MediaTypes.OCI_MANIFEST, lower), 201);
        RegistryHttp.check(http.putManifest(repo, "Latest", MediaTypes.OCI_MANIFEST, upper), 201);

        assertThat(http.get(manifests(repo, "latest")).body()).isEqualTo(lower);
        assertThat(http.get(manifests(repo, "Latest")).body()).isEqualTo(upper);
        assertThat(http.get(manifests(repo, "LATEST")).statusCode()).isEqualTo(404);
    }

    @Test
    void tagNamedLikeADigestAlgorithmIsATag() {
        String repo = TestData.repository("manifest");
        byte[] bytes = simpleManifest(repo);

        RegistryHttp.check(http.putManifest(repo, "sha256", MediaTypes.OCI_MANIFEST, bytes), 201);

        assertThat(http.get(manifests(repo, "sha256")).body()).isEqualTo(bytes);
    }

    // ---- content negotiation ----------------------------------------------------------------

    @ParameterizedTest(name = "Accept: {0}")
    @ValueSource(strings = {"", "*/*", MediaTypes.OCI_MANIFEST,
            MediaTypes.DOCKER_MANIFEST + ", " + MediaTypes.OCI_INDEX + ", " + MediaTypes.OCI_MANIFEST,
            MediaTypes.DOCKER_MANIFEST + ";q=0.9, " + MediaTypes.OCI_MANIFEST + ";q=0.5"})
    void acceptThatAllowsTheStoredTypeIsServed(String accept) {
        String repo = TestData.repository("manifest-accept");
        byte[] bytes = simpleManifest(repo);
        RegistryHttp.check(http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, bytes), 201);

        HttpResponse<byte[]> response = accept.isEmpty()
                ? http.get(manifests(repo, "v1"))
                : http.get(manifests(repo, "v1"), "Accept", accept);

        assertServedExactly(response, bytes, MediaTypes.OCI_MANIFEST);
    }

    @Test
    void acceptThatExcludesTheStoredTypeIs404ManifestUnknown() {
        String repo = TestData.repository("manifest-accept");
        byte[] bytes = simpleManifest(repo);
        RegistryHttp.check(http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, bytes), 201);
        String accept = MediaTypes.DOCKER_MANIFEST + ", " + MediaTypes.DOCKER_MANIFEST_LIST;

        Golden.assertError(http.get(manifests(repo, "v1"), "Accept", accept), 404, "manifest-unknown");
        Golden.assertError(http.get(manifests(repo, Digest.sha256(bytes)), "Accept", accept), 404, "manifest-unknown");
        assertThat(http.head(manifests(repo, "v1"), "Accept", accept).statusCode()).isEqualTo(404);
    }

    @Test
    void acceptWithQualityZeroExcludesTheType() {
        // RFC 9110 section 12.4.2: a weight of 0 means "not acceptable"
        String repo = TestData.repository("manifest-accept");
        byte[] bytes = simpleManifest(repo);
        RegistryHttp.check(http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, bytes), 201);
        String accept = MediaTypes.OCI_MANIFEST + ";q=0, " + MediaTypes.DOCKER_MANIFEST;

        Golden.assertError(http.get(manifests(repo, "v1"), "Accept", accept), 404, "manifest-unknown");
    }

    // ---- unknown manifests ------------------------------------------------------------------

    @Test
    void unknownTagOrDigestIs404ManifestUnknown() {
        String repo = TestData.repository("manifest");
        RegistryHttp.check(http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, simpleManifest(repo)), 201);

        Golden.assertError(http.get(manifests(repo, "v2")), 404, "manifest-unknown");
        Golden.assertError(http.get(manifests(repo, Digest.sha256(TestData.random(8)))), 404, "manifest-unknown");
        assertThat(http.head(manifests(repo, "v2")).statusCode()).isEqualTo(404);
    }

    @Test
    void manifestInUnknownRepositoryIs404NameUnknown() {
        String repo = TestData.repository("never-created");

        Golden.assertError(http.get(manifests(repo, "latest")), 404, "name-unknown");
        Golden.assertError(http.get(manifests(repo, Digest.sha256(TestData.random(8)))), 404, "name-unknown");
        assertThat(http.head(manifests(repo, "latest")).statusCode()).isEqualTo(404);
    }

    @Test
    void referenceThatIsNeitherTagNorDigestIs404() {
        String repo = TestData.repository("manifest");
        RegistryHttp.check(http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, simpleManifest(repo)), 201);

        assertThat(http.get(manifests(repo, ".INVALID_TAG")).statusCode()).isEqualTo(404);
        assertThat(http.get(manifests(repo, "-leading-dash")).statusCode()).isEqualTo(404);
        assertThat(http.get(manifests(repo, "t".repeat(129))).statusCode()).as("a 129-character tag").isEqualTo(404);
    }

    @Test
    void tagOf128CharactersIsAccepted() {
        String repo = TestData.repository("manifest");
        byte[] bytes = simpleManifest(repo);
        String tag = "T" + "a".repeat(126) + "9";

        RegistryHttp.check(http.putManifest(repo, tag, MediaTypes.OCI_MANIFEST, bytes), 201);

        assertThat(http.get(manifests(repo, tag)).body()).isEqualTo(bytes);
    }

    // ---- delete -----------------------------------------------------------------------------

    @Test
    void deleteByDigestRemovesTheManifestAndEveryTagOnIt() {
        String repo = TestData.repository("manifest-delete");
        byte[] bytes = simpleManifest(repo);
        byte[] other = simpleManifest(repo);
        Digest digest = Digest.sha256(bytes);
        RegistryHttp.check(http.putManifest(repo, "one", MediaTypes.OCI_MANIFEST, bytes), 201);
        RegistryHttp.check(http.putManifest(repo, "two", MediaTypes.OCI_MANIFEST, bytes), 201);
        RegistryHttp.check(http.putManifest(repo, "other", MediaTypes.OCI_MANIFEST, other), 201);

        assertThat(http.delete(manifests(repo, digest)).statusCode()).isEqualTo(202);

        Golden.assertError(http.get(manifests(repo, digest)), 404, "manifest-unknown");
        Golden.assertError(http.get(manifests(repo, "one")), 404, "manifest-unknown");
        assertThat(http.head(manifests(repo, "two")).statusCode()).isEqualTo(404);
        assertThat(tags(repo)).containsExactly("other");
    }

    @Test
    void deleteByTagRemovesOnlyTheTag() {
        String repo = TestData.repository("manifest-delete");
        byte[] bytes = simpleManifest(repo);
        RegistryHttp.check(http.putManifest(repo, "one", MediaTypes.OCI_MANIFEST, bytes), 201);
        RegistryHttp.check(http.putManifest(repo, "two", MediaTypes.OCI_MANIFEST, bytes), 201);

        assertThat(http.delete(manifests(repo, "one")).statusCode()).isEqualTo(202);

        Golden.assertError(http.get(manifests(repo, "one")), 404, "manifest-unknown");
        assertThat(http.get(manifests(repo, Digest.sha256(bytes))).body()).isEqualTo(bytes);
        assertThat(http.get(manifests(repo, "two")).body()).isEqualTo(bytes);
        assertThat(tags(repo)).containsExactly("two");
    }

    @Test
    void deleteOfUnknownManifestOrTagIs404ManifestUnknown() {
        String repo = TestData.repository("manifest-delete");
        RegistryHttp.check(http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, simpleManifest(repo)), 201);

        Golden.assertError(http.delete(manifests(repo, Digest.sha256(TestData.random(8)))), 404, "manifest-unknown");
        Golden.assertError(http.delete(manifests(repo, "nope")), 404, "manifest-unknown");
    }

    @Test
    void deleteInUnknownRepositoryIs404NameUnknown() {
        String repo = TestData.repository("never-created");

        Golden.assertError(http.delete(manifests(repo, Digest.sha256(TestData.random(8)))), 404, "name-unknown");
    }

    @Test
    void deletedManifestCanBePushedAgain() {
        String repo = TestData.repository("manifest-delete");
        byte[] bytes = simpleManifest(repo);
        RegistryHttp.check(http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, bytes), 201);
        RegistryHttp.check(http.delete(manifests(repo, Digest.sha256(bytes))), 202);

        RegistryHttp.check(http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, bytes), 201);

        assertThat(http.get(manifests(repo, "v1")).body()).isEqualTo(bytes);
    }
}
