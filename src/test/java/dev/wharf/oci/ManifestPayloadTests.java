package dev.wharf.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestPayloadTests {

    private static byte[] golden(String name) throws IOException {
        try (InputStream in = ManifestPayloadTests.class.getResourceAsStream("/manifests/" + name)) {
            return in.readAllBytes();
        }
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertInvalid(byte[] bytes, String contentType, String messagePart) {
        assertThatThrownBy(() -> ManifestPayload.parse(bytes, contentType))
                .isInstanceOfSatisfying(OciException.class, e -> {
                    assertThat(e.code()).isEqualTo(OciErrorCode.MANIFEST_INVALID);
                    assertThat(e.getMessage()).contains(messagePart);
                });
    }

    @Test
    void ociImageManifestKeepsItsExactBytesAndListsItsBlobs() throws IOException {
        byte[] bytes = golden("oci-manifest.json");
        ManifestPayload m = ManifestPayload.parse(bytes, MediaTypes.OCI_MANIFEST);
        assertThat(m.bytes()).isSameAs(bytes);
        assertThat(m.digest()).isEqualTo(Digest.sha256(bytes));
        assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(m.isIndex()).isFalse();
        assertThat(m.config().mediaType()).isEqualTo(MediaTypes.OCI_CONFIG);
        assertThat(m.layers()).hasSize(2);
        assertThat(m.blobs()).hasSize(3).first().isEqualTo(m.config());
        assertThat(m.layers().get(1).urls()).containsExactly("https://example.com/layer");
        assertThat(MediaTypes.isNonDistributable(m.layers().get(1).mediaType())).isTrue();
        assertThat(m.annotations()).containsEntry("com.example.key1", "value1");
        assertThat(m.effectiveArtifactType()).isEqualTo(MediaTypes.OCI_CONFIG);
        assertThat(m.subject()).isNull();
    }

    @Test
    void ociIndexListsItsManifestsWithPlatforms() throws IOException {
        ManifestPayload m = ManifestPayload.parse(golden("oci-index.json"), MediaTypes.OCI_INDEX);
        assertThat(m.isIndex()).isTrue();
        assertThat(m.manifests()).hasSize(2);
        assertThat(m.manifests().get(1).platform()).isEqualTo(new Descriptor.Platform("linux", "arm64", "v8"));
        assertThat(m.blobs()).isEmpty();
        assertThat(m.effectiveArtifactType()).isNull();
    }

    @Test
    void dockerSchema2ManifestAndListAreSupported() throws IOException {
        ManifestPayload manifest = ManifestPayload.parse(golden("docker-manifest.json"), MediaTypes.DOCKER_MANIFEST);
        assertThat(manifest.layers()).hasSize(2);
        assertThat(MediaTypes.isNonDistributable(manifest.layers().get(1).mediaType())).isTrue();
        ManifestPayload list = ManifestPayload.parse(golden("docker-manifest-list.json"), MediaTypes.DOCKER_MANIFEST_LIST);
        assertThat(list.isIndex()).isTrue();
        assertThat(list.manifests()).hasSize(1);
    }

    @Test
    void artifactWithSubjectReportsArtifactTypeAndSubject() throws IOException {
        ManifestPayload m = ManifestPayload.parse(golden("artifact-with-subject.json"), MediaTypes.OCI_MANIFEST);
        assertThat(m.effectiveArtifactType()).isEqualTo("application/vnd.example.sbom.v1");
        assertThat(m.subject().digest()).hasToString("sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270");
        assertThat(m.descriptor().annotations()).containsKey("org.opencontainers.image.created");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "application/octet-stream"})
    void genericContentTypeDefersToTheMediaTypeField(String contentType) throws IOException {
        assertThat(ManifestPayload.parse(golden("oci-index.json"), contentType).mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
        assertThat(ManifestPayload.parse(golden("oci-index.json"), null).mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
    }

    @Test
    void contentTypeParametersAreIgnored() throws IOException {
        assertThat(ManifestPayload.parse(golden("oci-manifest.json"), MediaTypes.OCI_MANIFEST + "; charset=utf-8").mediaType())
                .isEqualTo(MediaTypes.OCI_MANIFEST);
    }

    @Test
    void contentTypeWinsWhenTheFieldIsAbsent() {
        byte[] bytes = json("{\"schemaVersion\":2,\"manifests\":[]}");
        assertThat(ManifestPayload.parse(bytes, MediaTypes.OCI_INDEX).mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
    }

    @Test
    void mediaTypeFieldContradictingContentTypeIsInvalid() throws IOException {
        assertInvalid(golden("oci-manifest.json"), MediaTypes.DOCKER_MANIFEST, "does not match");
    }

    @Test
    void sha512DigestsAreComputedOverTheSameBytes() throws IOException {
        byte[] bytes = golden("oci-manifest.json");
        assertThat(ManifestPayload.parse(bytes, MediaTypes.OCI_MANIFEST, DigestAlgorithm.SHA512).digest())
                .isEqualTo(Digest.of(DigestAlgorithm.SHA512, bytes));
    }

    @Test
    void rejectsWhatIsNotAManifest() {
        assertInvalid(json("{not json"), MediaTypes.OCI_MANIFEST, "not valid JSON");
        assertInvalid(json("[]"), MediaTypes.OCI_MANIFEST, "JSON object");
        assertInvalid(json("{\"schemaVersion\":1,\"config\":{},\"layers\":[]}"), MediaTypes.OCI_MANIFEST, "schemaVersion");
        assertInvalid(json("{\"schemaVersion\":2}"), null, "media type unknown");
        assertInvalid(json("{\"schemaVersion\":2}"), "application/vnd.docker.distribution.manifest.v1+prettyjws", "unsupported");
        assertInvalid(json("{\"schemaVersion\":2,\"mediaType\":\"text/plain\"}"), null, "unsupported");
    }

    @Test
    void rejectsBrokenImageManifests() {
        String config = "{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + Digest.sha256(new byte[0]) + "\",\"size\":0}";
        assertInvalid(json("{\"schemaVersion\":2,\"layers\":[]}"), MediaTypes.OCI_MANIFEST, "config");
        assertInvalid(json("{\"schemaVersion\":2,\"config\":" + config + "}"), MediaTypes.OCI_MANIFEST, "layers");
        assertInvalid(json("{\"schemaVersion\":2,\"config\":" + config + ",\"layers\":{}}"), MediaTypes.OCI_MANIFEST, "array");
        assertInvalid(json("{\"schemaVersion\":2,\"config\":" + config.replace("sha256:", "sha256:x")
                + ",\"layers\":[]}"), MediaTypes.OCI_MANIFEST, "invalid");
        assertInvalid(json("{\"schemaVersion\":2,\"config\":" + config.replace("\"size\":0", "\"size\":-1")
                + ",\"layers\":[]}"), MediaTypes.OCI_MANIFEST, "size");
        assertInvalid(json("{\"schemaVersion\":2,\"config\":" + config + ",\"layers\":[],\"annotations\":{\"a\":1}}"),
                MediaTypes.OCI_MANIFEST, "annotation");
    }

    @Test
    void duplicateKeysAreRejectedBecauseTheyMakeAManifestAmbiguous() {
        assertInvalid(json("{\"schemaVersion\":2,\"schemaVersion\":2,\"manifests\":[]}"), MediaTypes.OCI_INDEX, "not valid JSON");
    }

    @Test
    void anIndexCannotCarryLayers() {
        assertInvalid(json("{\"schemaVersion\":2,\"manifests\":[],\"layers\":[]}"), MediaTypes.OCI_INDEX, "index");
    }

    private static final String CONFIG = "{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\""
            + Digest.sha256(new byte[0]) + "\",\"size\":0}";

    private static byte[] image(String extra) {
        return json("{\"schemaVersion\":2,\"config\":" + CONFIG + ",\"layers\":[]" + extra + "}");
    }

    @Test
    void integersThatDoNotFitALongAreInvalidNotAnError() {
        assertInvalid(json("{\"schemaVersion\":4294967298,\"manifests\":[]}"), MediaTypes.OCI_INDEX, "schemaVersion must be 2");
        assertInvalid(json("{\"schemaVersion\":99999999999999999999999999999,\"manifests\":[]}"), MediaTypes.OCI_INDEX,
                "schemaVersion must be 2");
        assertInvalid(json("{\"schemaVersion\":2,\"config\":" + CONFIG.replace("\"size\":0", "\"size\":123456789012345678901234567890")
                + ",\"layers\":[]}"), MediaTypes.OCI_MANIFEST, "size");
    }

    @Test
    void largestLongSizeIsAccepted() {
        ManifestPayload m = ManifestPayload.parse(json("{\"schemaVersion\":2,\"config\":"
                + CONFIG.replace("\"size\":0", "\"size\":" + Long.MAX_VALUE) + ",\"layers\":[]}"), MediaTypes.OCI_MANIFEST);
        assertThat(m.config().size()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void parserMessagesNeverReachTheClient() {
        for (String bad : new String[] {"{\"a\":", "{\"a\" 1}", "{\"a\":tru}", "{\"a\":\"\u0001\"}",
                "{\"schemaVersion\":2,\"x\":" + "9".repeat(5000) + "}", "{\"x\":" + "[".repeat(2000)}) {
            assertThatThrownBy(() -> ManifestPayload.parse(json(bad), MediaTypes.OCI_MANIFEST))
                    .isInstanceOfSatisfying(OciException.class, e -> {
                        assertThat(e.code()).isEqualTo(OciErrorCode.MANIFEST_INVALID);
                        assertThat(e.getMessage()).startsWith("manifest ")
                                .doesNotContain("Source:", "StreamReadConstraints", "line:", "jackson", "Unexpected");
                    });
        }
    }

    @Test
    void nestingIsCappedAt64Levels() {
        String ok = ",\"x\":" + "[".repeat(63) + "]".repeat(63);
        String deep = ",\"x\":" + "{\"a\":".repeat(64) + "1" + "}".repeat(64);
        assertThat(ManifestPayload.parse(image(ok), MediaTypes.OCI_MANIFEST).layers()).isEmpty();
        assertInvalid(image(deep), MediaTypes.OCI_MANIFEST, "nesting deeper than 64");
    }

    @Test
    void unknownFieldsAreSkippedAndTheBytesKept() {
        byte[] bytes = image(",\"x\":{\"a\":[1,2.5,null,true,{\"b\":\"c\"}]},\"y\":-1e400");
        ManifestPayload m = ManifestPayload.parse(bytes, MediaTypes.OCI_MANIFEST);
        assertThat(m.bytes()).isSameAs(bytes);
        assertThat(m.digest()).isEqualTo(Digest.sha256(bytes));
    }

    @Test
    void descriptorPlatformKeepsOsArchitectureAndVariantAndSkipsTheRest() {
        String entry = CONFIG.replace("\"size\":0", "\"size\":0,\"platform\":{\"os.features\":[\"x\"],\"os\":\"linux\","
                + "\"architecture\":\"arm64\",\"variant\":\"v8\",\"os.version\":\"1\"}");
        ManifestPayload m = ManifestPayload.parse(json("{\"schemaVersion\":2,\"manifests\":[" + entry + "]}"), MediaTypes.OCI_INDEX);
        assertThat(m.manifests().get(0).platform()).isEqualTo(new Descriptor.Platform("linux", "arm64", "v8"));
    }

    @Test
    void trailingContentIsInvalid() {
        assertInvalid(json(new String(image("")) + "{}"), MediaTypes.OCI_MANIFEST, "after its closing brace");
        assertInvalid(json(new String(image("")) + " x"), MediaTypes.OCI_MANIFEST, "not valid JSON");
    }

    /** An image manifest of 4 MiB whose unknown field x holds {@code pairs} empty arrays, padded with spaces. */
    private static byte[] pathological(int pairs) {
        StringBuilder body = new StringBuilder(new String(image(""), StandardCharsets.UTF_8));
        body.setLength(body.length() - 1);
        body.append(",\"x\":[[]").append(",[]".repeat(pairs - 1));
        body.append(" ".repeat(4 * 1024 * 1024 - body.length() - 2)).append("]}");
        return json(body.toString());
    }

    @Test
    void fourMibOfEmptyArraysIsRefusedForItsTokenCount() {
        assertInvalid(pathological(1_398_000), MediaTypes.OCI_MANIFEST, "more than 1000000 JSON tokens");
    }

    @Test
    void pathological4MibManifestAllocatesLittleBesidesItsBytes() {
        // just under the token cap: 2 tokens per empty array
        byte[] bytes = pathological(499_900);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        ManifestPayload.parse(bytes, MediaTypes.OCI_MANIFEST); // warm up
        long before = threads.getCurrentThreadAllocatedBytes();

        ManifestPayload.parse(bytes, MediaTypes.OCI_MANIFEST);

        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        System.out.printf("parsing a 4 MiB manifest of 1M tokens allocated %d bytes%n", allocated);
        assertThat(allocated).as("bytes allocated parsing a 4 MiB manifest of [],[],...").isLessThan(1024 * 1024);
    }

    @Test
    void annotationsSpanIsTheAnnotationsObjectInTheBytesEvenAfterAByteOrderMark() {
        String annotations = "{ \"a\" : \"\\u00e9\u00e9\" }";
        byte[] plain = image(",\"annotations\":" + annotations);
        byte[] bom = json("\ufeff" + new String(plain, StandardCharsets.UTF_8));
        for (byte[] bytes : new byte[][] {plain, bom}) {
            ManifestPayload m = ManifestPayload.parse(bytes, MediaTypes.OCI_MANIFEST);
            ManifestPayload.Span span = m.annotationsSpan();
            assertThat(new String(bytes, span.offset(), span.length(), StandardCharsets.UTF_8)).isEqualTo(annotations);
            assertThat(m.annotations()).containsExactly(java.util.Map.entry("a", "\u00e9\u00e9"));
        }
        assertThat(ManifestPayload.parse(image(",\"annotations\":{}"), MediaTypes.OCI_MANIFEST).annotationsSpan()).isNull();
        assertThat(ManifestPayload.parse(image(""), MediaTypes.OCI_MANIFEST).annotationsSpan()).isNull();
    }

    @Test
    void twentyThousandDistinctUnknownKeysAreSkipped() {
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            keys.append(",\"k").append(i).append("\":0");
        }
        assertThat(ManifestPayload.parse(image(keys.toString()), MediaTypes.OCI_MANIFEST).layers()).isEmpty();
    }

    @Test
    void annotationHeavyManifestAllocatesAFewTimesItsSize() {
        StringBuilder a = new StringBuilder();
        for (int i = 0; i < 50_000; i++) {
            a.append(i == 0 ? "" : ",").append("\"a").append(i).append("\":\"").append("x".repeat(71)).append('"');
        }
        byte[] bytes = image(",\"annotations\":{" + a + "}");
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        ManifestPayload.parse(bytes, MediaTypes.OCI_MANIFEST);
        long before = threads.getCurrentThreadAllocatedBytes();

        ManifestPayload.parse(bytes, MediaTypes.OCI_MANIFEST);

        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        System.out.printf("parsing a %d-byte manifest of 50000 annotations allocated %d bytes%n", bytes.length, allocated);
        assertThat(allocated).isLessThan(5L * bytes.length);
    }
}
