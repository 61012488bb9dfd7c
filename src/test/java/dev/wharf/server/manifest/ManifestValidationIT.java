package dev.wharf.server.manifest;

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
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * What a pushed manifest must satisfy: everything it references present in the repository
 * (MANIFEST_BLOB_UNKNOWN), well-formed JSON of a supported type whose {@code mediaType} agrees with
 * the Content-Type (MANIFEST_INVALID), and the size limit (413).
 */
class ManifestValidationIT {

    private static final int FOUR_MIB = 4 * 1024 * 1024;

    private final RegistryHttp http = new RegistryHttp(RegistryServer.shared().base());

    private static String manifests(String repository, Object reference) {
        return "/v2/" + repository + "/manifests/" + reference;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Pushes a config blob and returns its descriptor JSON. */
    private String config(String repository) {
        byte[] config = utf8("{\"nonce\":\"" + System.nanoTime() + "\"}");
        return RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, http.pushBlob(repository, config), config.length);
    }

    private static String imageManifest(String config, String... layers) {
        return "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":" + config
                + ",\"layers\":[" + String.join(",", layers) + "]}";
    }

    /** Asserts a MANIFEST_BLOB_UNKNOWN answer (one or more errors) that names {@code missing}. */
    private static void assertBlobUnknown(HttpResponse<byte[]> response, Digest... missing) {
        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode errors = RegistryHttp.json(response).path("errors");
        assertThat(errors.size()).isGreaterThanOrEqualTo(1);
        errors.forEach(e -> assertThat(e.path("code").asString()).isEqualTo("MANIFEST_BLOB_UNKNOWN"));
        String body = new String(response.body(), StandardCharsets.UTF_8);
        for (Digest d : missing) {
            assertThat(body).as("the error names what is missing").contains(d.toString());
        }
        if (errors.size() == 1) {
            Golden.assertError(response, 400, "manifest-blob-unknown");
        }
    }

    // ---- references -------------------------------------------------------------------------

    @Test
    void missingLayerIs400ManifestBlobUnknownNamingItAndNothingIsStored() {
        String repo = TestData.repository("manifest-refs");
        byte[] layer = TestData.random(100);
        Digest missing = Digest.sha256(layer);
        byte[] manifest = utf8(imageManifest(config(repo),
                RegistryHttp.descriptor(MediaTypes.OCI_LAYER_GZIP, missing, layer.length)));

        HttpResponse<byte[]> put = http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, manifest);

        assertBlobUnknown(put, missing);
        assertThat(http.get(manifests(repo, "v1")).statusCode()).isEqualTo(404);
        assertThat(http.get(manifests(repo, Digest.sha256(manifest))).statusCode()).isEqualTo(404);
    }

    @Test
    void missingConfigIs400ManifestBlobUnknownNamingIt() {
        String repo = TestData.repository("manifest-refs");
        byte[] config = utf8("{}x");
        Digest missing = Digest.sha256(config);
        byte[] manifest = utf8(imageManifest(RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, missing, config.length)));

        assertBlobUnknown(http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, manifest), missing);
    }

    @Test
    void blobOnlyInAnotherRepositoryDoesNotCount() {
        String repo = TestData.repository("manifest-refs");
        String other = TestData.repository("manifest-refs-other");
        byte[] layer = TestData.random(100);
        Digest digest = http.pushBlob(other, layer);
        byte[] manifest = utf8(imageManifest(config(repo),
                RegistryHttp.descriptor(MediaTypes.OCI_LAYER_GZIP, digest, layer.length)));

        assertBlobUnknown(http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, manifest), digest);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {GoldenImages.OCI_MANIFEST, GoldenImages.DOCKER_MANIFEST})
    void goldenImageWithoutItsBlobsIsRejected(String name) {
        String repo = TestData.repository("manifest-refs");
        http.pushBlob(repo, TestData.random(10));

        HttpResponse<byte[]> put = http.putManifest(repo, "v1", ManifestEndpointsIT.GOLDEN_TYPES.get(name),
                GoldenImages.manifest(name));

        assertThat(put.statusCode()).isEqualTo(400);
        assertThat(RegistryHttp.errorCode(put)).isEqualTo("MANIFEST_BLOB_UNKNOWN");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {GoldenImages.OCI_INDEX, GoldenImages.DOCKER_MANIFEST_LIST})
    void indexWithMissingChildManifestIs400ManifestBlobUnknownNamingIt(String name) {
        String repo = TestData.repository("manifest-refs");
        GoldenImages.pushBlobs(http, repo);
        Digest missing = name.equals(GoldenImages.OCI_INDEX)
                ? GoldenImages.digest(GoldenImages.OCI_MANIFEST_ARM64)
                : GoldenImages.digest(GoldenImages.DOCKER_MANIFEST);
        if (name.equals(GoldenImages.OCI_INDEX)) {
            // one of the two children is there
            RegistryHttp.check(http.putManifest(repo, GoldenImages.digest(GoldenImages.OCI_MANIFEST).toString(),
                    MediaTypes.OCI_MANIFEST, GoldenImages.manifest(GoldenImages.OCI_MANIFEST)), 201);
        }

        HttpResponse<byte[]> put = http.putManifest(repo, "v1", ManifestEndpointsIT.GOLDEN_TYPES.get(name),
                GoldenImages.manifest(name));

        assertBlobUnknown(put, missing);
        assertThat(http.get(manifests(repo, "v1")).statusCode()).isEqualTo(404);
    }

    @Test
    void imageManifestListingTheSameLayerTwiceIsAccepted() {
        // common in real images: the same (empty) layer several times
        String repo = TestData.repository("manifest-refs");
        byte[] layer = TestData.random(32);
        String descriptor = RegistryHttp.descriptor(MediaTypes.OCI_LAYER_GZIP, http.pushBlob(repo, layer), layer.length);
        byte[] manifest = utf8(imageManifest(config(repo), descriptor, descriptor, descriptor));

        HttpResponse<byte[]> put = http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, manifest);

        assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertThat(http.get(manifests(repo, "v1")).body()).isEqualTo(manifest);
    }

    @Test
    void configThatIsAlsoALayerIsAccepted() {
        String repo = TestData.repository("manifest-refs");
        byte[] blob = utf8("{\"nonce\":" + System.nanoTime() + "}");
        Digest digest = http.pushBlob(repo, blob);
        byte[] manifest = utf8(imageManifest(RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, digest, blob.length),
                RegistryHttp.descriptor(MediaTypes.OCI_LAYER_TAR, digest, blob.length)));

        HttpResponse<byte[]> put = http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, manifest);

        assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(201);
    }

    @Test
    void indexListingTheSameChildTwiceIsAccepted() {
        String repo = TestData.repository("manifest-refs");
        GoldenImages.pushBlobs(http, repo);
        byte[] child = GoldenImages.manifest(GoldenImages.OCI_MANIFEST);
        RegistryHttp.check(http.putManifest(repo, "child", MediaTypes.OCI_MANIFEST, child), 201);
        String entry = RegistryHttp.descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(child), child.length);
        byte[] index = utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + entry + "," + entry + "]}");

        HttpResponse<byte[]> put = http.putManifest(repo, "v1", MediaTypes.OCI_INDEX, index);

        assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertThat(http.get(manifests(repo, "v1")).body()).isEqualTo(index);
    }

    @Test
    void indexOfIndexesIsAccepted() {
        String repo = TestData.repository("manifest-refs");
        GoldenImages.pushBlobs(http, repo);
        for (String child : List.of(GoldenImages.OCI_MANIFEST, GoldenImages.OCI_MANIFEST_ARM64, GoldenImages.OCI_INDEX)) {
            RegistryHttp.check(http.putManifest(repo, GoldenImages.digest(child).toString(),
                    ManifestEndpointsIT.GOLDEN_TYPES.get(child), GoldenImages.manifest(child)), 201);
        }
        byte[] inner = GoldenImages.manifest(GoldenImages.OCI_INDEX);
        byte[] outer = utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + RegistryHttp.descriptor(MediaTypes.OCI_INDEX, Digest.sha256(inner), inner.length) + "]}");

        RegistryHttp.check(http.putManifest(repo, "outer", MediaTypes.OCI_INDEX, outer), 201);

        assertThat(http.get(manifests(repo, "outer")).body()).isEqualTo(outer);
    }

    @Test
    void blobsReferencedBySha512DigestAreFound() {
        String repo = TestData.repository("manifest-refs");
        byte[] config = utf8("{\"nonce\":" + System.nanoTime() + "}");
        Digest digest = Digest.of(DigestAlgorithm.SHA512, config);
        RegistryHttp.check(http.post("/v2/" + repo + "/blobs/uploads/?digest=" + digest, config,
                "Content-Type", "application/octet-stream"), 201);
        byte[] manifest = utf8(imageManifest(RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, digest, config.length)));

        RegistryHttp.check(http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, manifest), 201);

        assertThat(http.get(manifests(repo, "v1")).body()).isEqualTo(manifest);
    }

    @Test
    void childManifestOnlyInAnotherRepositoryDoesNotCount() {
        String repo = TestData.repository("manifest-refs");
        String other = TestData.repository("manifest-refs-other");
        GoldenImages.pushBlobs(http, other);
        RegistryHttp.check(http.putManifest(other, "v1", MediaTypes.DOCKER_MANIFEST,
                GoldenImages.manifest(GoldenImages.DOCKER_MANIFEST)), 201);
        GoldenImages.pushBlobs(http, repo);

        HttpResponse<byte[]> put = http.putManifest(repo, "list", MediaTypes.DOCKER_MANIFEST_LIST,
                GoldenImages.manifest(GoldenImages.DOCKER_MANIFEST_LIST));

        assertBlobUnknown(put, GoldenImages.digest(GoldenImages.DOCKER_MANIFEST));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"application/vnd.oci.image.layer.nondistributable.v1.tar",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"})
    void nonDistributableOciLayerNeedNotExist(String layerType) {
        String repo = TestData.repository("manifest-refs");
        String layer = "{\"mediaType\":\"" + layerType + "\",\"digest\":\"" + Digest.sha256(TestData.random(50))
                + "\",\"size\":50,\"urls\":[\"https://example.com/layer.tar.gz\"]}";
        byte[] manifest = utf8(imageManifest(config(repo), layer));

        HttpResponse<byte[]> put = http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, manifest);

        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(http.get(manifests(repo, "v1")).body()).isEqualTo(manifest);
    }

    @Test
    void dockerForeignLayerNeedNotExist() {
        String repo = TestData.repository("manifest-refs");
        byte[] config = utf8("{\"os\":\"windows\",\"nonce\":" + System.nanoTime() + "}");
        Digest configDigest = http.pushBlob(repo, config);
        byte[] manifest = utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"config\":"
                + RegistryHttp.descriptor(MediaTypes.DOCKER_CONFIG, configDigest, config.length) + ",\"layers\":["
                + "{\"mediaType\":\"" + MediaTypes.DOCKER_FOREIGN_LAYER + "\",\"size\":1000,\"digest\":\""
                + Digest.sha256(TestData.random(9)) + "\",\"urls\":[\"https://mcr.microsoft.com/layer\"]}]}");

        HttpResponse<byte[]> put = http.putManifest(repo, "v1", MediaTypes.DOCKER_MANIFEST, manifest);

        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(http.get(manifests(repo, "v1")).body()).isEqualTo(manifest);
    }

    // ---- size -------------------------------------------------------------------------------

    /** A valid image manifest of exactly {@code size} bytes (padded with an annotation). */
    private byte[] manifestOfSize(String repository, int size) {
        String head = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + config(repository) + ",\"layers\":[],\"annotations\":{\"pad\":\"";
        String tail = "\"}}";
        int pad = size - head.length() - tail.length();
        byte[] out = utf8(head + "x".repeat(pad) + tail);
        assertThat(out).hasSize(size);
        return out;
    }

    @Test
    void manifestOfExactly4MiBIsAccepted() {
        String repo = TestData.repository("manifest-size");
        byte[] manifest = manifestOfSize(repo, FOUR_MIB);

        RegistryHttp.check(http.putManifest(repo, "big", MediaTypes.OCI_MANIFEST, manifest), 201);

        assertThat(Arrays.equals(http.get(manifests(repo, "big")).body(), manifest)).isTrue();
    }

    @Test
    void manifestOverTheLimitIs413AndNotStored() {
        String repo = TestData.repository("manifest-size");
        byte[] manifest = manifestOfSize(repo, FOUR_MIB + 1);

        HttpResponse<byte[]> put = http.putManifest(repo, "big", MediaTypes.OCI_MANIFEST, manifest);

        assertThat(put.statusCode()).isEqualTo(413);
        assertThat(http.get(manifests(repo, "big")).statusCode()).isEqualTo(404);
    }

    @Test
    void manifestOverTheLimitWithoutContentLengthIs413() {
        String repo = TestData.repository("manifest-size");
        byte[] manifest = manifestOfSize(repo, FOUR_MIB + 1);

        // streamed with chunked transfer coding: the limit must hold without an announced length
        HttpResponse<byte[]> put = http.send(http.request(manifests(repo, "big"))
                .header("Content-Type", MediaTypes.OCI_MANIFEST)
                .PUT(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(manifest)))
                .build());

        assertThat(put.statusCode()).isEqualTo(413);
        assertThat(http.get(manifests(repo, "big")).statusCode()).isEqualTo(404);
    }

    // ---- unusual but valid JSON ---------------------------------------------------------------

    /** {@code base} (an object) with {@code extra} members appended. */
    private static byte[] withMembers(String base, String extra) {
        return utf8(base.substring(0, base.length() - 1) + extra + "}");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{\"note\":\"a\\u0000b\"}", "{\"n\\u0000te\":\"x\"}"})
    void manifestWithEscapedNulInAnnotationsIsStoredByteExact(String annotations) {
        // annotations are any string-to-string map (image-spec); U+0000 is a valid JSON string character
        String repo = TestData.repository("manifest-json");
        byte[] manifest = withMembers(imageManifest(config(repo)), ",\"annotations\":" + annotations);

        HttpResponse<byte[]> put = http.putManifest(repo, "nul", MediaTypes.OCI_MANIFEST, manifest);

        assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertThat(http.get(manifests(repo, "nul")).body()).isEqualTo(manifest);
    }

    @Test
    void artifactTypeThatIsNoMediaTypeIsRefusedAsInvalid() {
        // image-spec: artifactType MUST comply with RFC 6838, and Wharf refuses one that does not
        String repo = TestData.repository("manifest-json");
        byte[] manifest = withMembers(imageManifest(config(repo)), ",\"artifactType\":\"application/x\\u0000y\"");

        HttpResponse<byte[]> put = http.putManifest(repo, "nul", MediaTypes.OCI_MANIFEST, manifest);

        Golden.assertError(put, 400, "manifest-invalid");
        assertThat(http.get(manifests(repo, "nul")).statusCode()).isEqualTo(404);
    }

    @Test
    void manifestWithByteOrderMarkIsStoredExactly() {
        // RFC 8259 section 8.1: a parser MAY ignore a BOM; Wharf accepts it, as part of the bytes
        String repo = TestData.repository("manifest-json");
        byte[] manifest = concat(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, utf8(imageManifest(config(repo))));

        HttpResponse<byte[]> put = http.putManifest(repo, "bom", MediaTypes.OCI_MANIFEST, manifest);

        assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertThat(Responses.header(put, "Docker-Content-Digest")).isEqualTo(Digest.sha256(manifest).toString());
        assertThat(http.get(manifests(repo, "bom")).body()).isEqualTo(manifest);
    }

    @Test
    void manifestWithLoneSurrogateEscapeIsStoredByteExact() {
        String repo = TestData.repository("manifest-json");
        String base = imageManifest(config(repo));
        byte[] manifest = utf8(base.substring(0, base.length() - 1) + ",\"annotations\":{\"note\":\"\\ud800\"}}");

        HttpResponse<byte[]> put = http.putManifest(repo, "surrogate", MediaTypes.OCI_MANIFEST, manifest);

        // the JSON is well-formed; its meaning is unpredictable (RFC 8259 section 8.2); Wharf keeps the bytes
        assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertThat(http.get(manifests(repo, "surrogate")).body()).isEqualTo(manifest);
    }

    @Test
    void manifestWithNonAsciiTextIsStoredByteExact() {
        String repo = TestData.repository("manifest-json");
        String base = imageManifest(config(repo));
        byte[] manifest = utf8(base.substring(0, base.length() - 1)
                + ",\"annotations\":{\"\u00e9t\u00e9\":\"\u65e5\u672c \ud83d\udc33 \\u00e9\"}}");

        RegistryHttp.check(http.putManifest(repo, "utf8", MediaTypes.OCI_MANIFEST, manifest), 201);

        assertThat(http.get(manifests(repo, "utf8")).body()).isEqualTo(manifest);
    }

    // ---- malformed --------------------------------------------------------------------------

    @Test
    void mediaTypeFieldContradictingContentTypeIs400ManifestInvalid() {
        String repo = TestData.repository("manifest-invalid");
        byte[] manifest = utf8(imageManifest(config(repo)));

        Golden.assertError(http.putManifest(repo, "v1", MediaTypes.DOCKER_MANIFEST, manifest), 400, "manifest-invalid");
        Golden.assertError(http.putManifest(repo, "v1", MediaTypes.OCI_INDEX, manifest), 400, "manifest-invalid");
        assertThat(http.get(manifests(repo, "v1")).statusCode()).isEqualTo(404);
    }

    static Stream<Arguments> malformedManifests() {
        String config = "{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\""
                + Digest.sha256(utf8("{}")) + "\",\"size\":2}";
        String ok = imageManifest(config);
        return Stream.of(
                Arguments.of("empty body", new byte[0]),
                Arguments.of("not JSON", utf8("this is not json")),
                Arguments.of("truncated JSON", utf8(ok.substring(0, ok.length() - 5))),
                Arguments.of("JSON followed by garbage", utf8(ok + " trailing")),
                Arguments.of("two JSON documents", utf8(ok + ok)),
                Arguments.of("JSON array", utf8("[" + ok + "]")),
                Arguments.of("JSON null", utf8("null")),
                Arguments.of("JSON string", utf8("\"manifest\"")),
                Arguments.of("empty object", utf8("{}")),
                Arguments.of("invalid UTF-8", concat(utf8(ok.substring(0, ok.length() - 1) + ",\"annotations\":{\"a\":\""),
                        new byte[] {(byte) 0xff, (byte) 0xfe}, utf8("\"}}"))),
                Arguments.of("schemaVersion 1", utf8(ok.replace("\"schemaVersion\":2", "\"schemaVersion\":1"))),
                Arguments.of("schemaVersion as string", utf8(ok.replace("\"schemaVersion\":2", "\"schemaVersion\":\"2\""))),
                Arguments.of("no config", utf8(ok.replace("\"config\":" + config + ",", ""))),
                Arguments.of("config not an object", utf8(ok.replace(config, "\"config\""))),
                Arguments.of("layers not an array", utf8(ok.replace("\"layers\":[]", "\"layers\":{}"))),
                Arguments.of("descriptor without digest", utf8(ok.replace(",\"digest\":\"" + Digest.sha256(utf8("{}")) + "\"", ""))),
                Arguments.of("descriptor with negative size", utf8(ok.replace("\"size\":2", "\"size\":-2"))),
                Arguments.of("descriptor with string size", utf8(ok.replace("\"size\":2", "\"size\":\"2\""))),
                Arguments.of("descriptor with malformed digest", utf8(ok.replace(Digest.sha256(utf8("{}")).toString(), "sha256:1234"))),
                Arguments.of("annotations not strings", utf8(ok.substring(0, ok.length() - 1) + ",\"annotations\":{\"a\":1}}")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedManifests")
    void malformedManifestIs400ManifestInvalid(String what, byte[] body) {
        String repo = TestData.repository("manifest-invalid");
        http.pushBlob(repo, utf8("{}"));

        HttpResponse<byte[]> put = http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, body);

        Golden.assertError(put, 400, "manifest-invalid");
        assertThat(http.get(manifests(repo, "v1")).statusCode()).isEqualTo(404);
    }

    @Test
    void indexWithLayersIs400ManifestInvalid() {
        String repo = TestData.repository("manifest-invalid");
        byte[] index = utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX
                + "\",\"manifests\":[],\"layers\":[]}");

        Golden.assertError(http.putManifest(repo, "v1", MediaTypes.OCI_INDEX, index), 400, "manifest-invalid");
    }

    @Test
    void emptyIndexIsAccepted() {
        String repo = TestData.repository("manifest-index");
        byte[] index = utf8("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[]}");

        RegistryHttp.check(http.putManifest(repo, "empty", MediaTypes.OCI_INDEX, index), 201);

        assertThat(http.get(manifests(repo, "empty")).body()).isEqualTo(index);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
