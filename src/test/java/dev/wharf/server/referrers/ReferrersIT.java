package dev.wharf.server.referrers;

import static dev.wharf.testing.Responses.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.Golden;
import dev.wharf.testing.GoldenImages;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /v2/<name>/referrers/<digest>} (end-12a, end-12b): an image index of the manifests whose
 * {@code subject} is the digest, with artifactType and annotations; filtering; never 404.
 */
class ReferrersIT {

    private static final String SBOM = "application/vnd.example.sbom.v1";
    private static final String SIGNATURE = "application/vnd.example.signature.v1";
    private static final String EXAMPLE_CONFIG = "application/vnd.example.config.v1+json";

    private final RegistryHttp http = new RegistryHttp(RegistryServer.shared().base());

    private static String referrers(String repository, Object digest) {
        return "/v2/" + repository + "/referrers/" + digest;
    }

    /** Pushes the golden image (the subject of the golden artifact) and returns its digest. */
    private Digest pushSubject(String repository) {
        GoldenImages.pushBlobs(http, repository);
        byte[] subject = GoldenImages.manifest(GoldenImages.OCI_MANIFEST);
        RegistryHttp.check(http.putManifest(repository, "image", MediaTypes.OCI_MANIFEST, subject), 201);
        return Digest.sha256(subject);
    }

    private static String subjectField(Digest subject) {
        return "\"subject\":" + RegistryHttp.descriptor(MediaTypes.OCI_MANIFEST, subject,
                GoldenImages.manifest(GoldenImages.OCI_MANIFEST).length);
    }

    private static String annotations(String value) {
        return "\"annotations\":{\"org.example.note\":\"" + value + "\"}";
    }

    /** Pushes an image manifest referring to {@code subject}; {@code artifactType} may be null. */
    private byte[] pushManifestReferrer(String repository, Digest subject, String artifactType, String configType,
                                        String note) {
        byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
        Digest configDigest = http.pushBlob(repository, config);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
                + (artifactType == null ? "" : "\"artifactType\":\"" + artifactType + "\",")
                + "\"config\":" + RegistryHttp.descriptor(configType, configDigest, config.length) + ",\"layers\":[],"
                + subjectField(subject) + "," + annotations(note) + "}";
        byte[] bytes = manifest.getBytes(StandardCharsets.UTF_8);
        RegistryHttp.check(http.putManifest(repository, Digest.sha256(bytes).toString(), MediaTypes.OCI_MANIFEST, bytes), 201);
        return bytes;
    }

    /** Pushes an (empty) image index referring to {@code subject}; {@code artifactType} may be null. */
    private byte[] pushIndexReferrer(String repository, Digest subject, String artifactType, String note) {
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\","
                + (artifactType == null ? "" : "\"artifactType\":\"" + artifactType + "\",")
                + "\"manifests\":[]," + subjectField(subject) + "," + annotations(note) + "}";
        byte[] bytes = index.getBytes(StandardCharsets.UTF_8);
        RegistryHttp.check(http.putManifest(repository, Digest.sha256(bytes).toString(), MediaTypes.OCI_INDEX, bytes), 201);
        return bytes;
    }

    /** The entries of a referrers response, by digest. */
    private static Map<String, JsonNode> entries(HttpResponse<byte[]> response) {
        Map<String, JsonNode> out = new HashMap<>();
        RegistryHttp.json(response).path("manifests").forEach(e -> out.put(e.path("digest").asString(), e));
        return out;
    }

    private static void assertIndexResponse(HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(header(response, "Content-Type")).isEqualTo(MediaTypes.OCI_INDEX);
        JsonNode body = RegistryHttp.json(response);
        assertThat(body.path("schemaVersion").asInt()).isEqualTo(2);
        assertThat(body.path("mediaType").asString()).isEqualTo(MediaTypes.OCI_INDEX);
        assertThat(body.path("manifests").isArray()).isTrue();
    }

    @Test
    void goldenArtifactIsListedAsItsSubjectsReferrer() {
        String repo = TestData.repository("referrers");
        Digest subject = pushSubject(repo);
        byte[] artifact = GoldenImages.manifest(GoldenImages.ARTIFACT);
        RegistryHttp.check(http.putManifest(repo, "sbom", MediaTypes.OCI_MANIFEST, artifact), 201);

        HttpResponse<byte[]> response = http.get(referrers(repo, subject));

        assertIndexResponse(response);
        Golden.assertJsonMatches("referrers/artifact-with-subject.json", response.body());
    }

    @Test
    void referrerPushedBeforeItsSubjectIsListed() {
        String repo = TestData.repository("referrers");
        GoldenImages.pushBlobs(http, repo);
        byte[] artifact = GoldenImages.manifest(GoldenImages.ARTIFACT);
        RegistryHttp.check(http.putManifest(repo, "sbom", MediaTypes.OCI_MANIFEST, artifact), 201);

        HttpResponse<byte[]> response = http.get(referrers(repo, GoldenImages.digest(GoldenImages.OCI_MANIFEST)));

        assertIndexResponse(response);
        assertThat(entries(response)).containsOnlyKeys(Digest.sha256(artifact).toString());
    }

    @Test
    void eachReferrerCarriesMediaTypeSizeArtifactTypeAndAnnotations() {
        String repo = TestData.repository("referrers");
        Digest subject = pushSubject(repo);
        byte[] sbom = pushManifestReferrer(repo, subject, SBOM, MediaTypes.OCI_EMPTY, "sbom");
        byte[] typeFromConfig = pushManifestReferrer(repo, subject, null, EXAMPLE_CONFIG, "config");
        byte[] typedIndex = pushIndexReferrer(repo, subject, SIGNATURE, "typed index");
        byte[] untypedIndex = pushIndexReferrer(repo, subject, null, "untyped index");

        Map<String, JsonNode> entries = entries(http.get(referrers(repo, subject)));

        assertThat(entries).hasSize(4);
        assertEntry(entries, sbom, MediaTypes.OCI_MANIFEST, SBOM, "sbom");
        assertEntry(entries, typeFromConfig, MediaTypes.OCI_MANIFEST, EXAMPLE_CONFIG, "config");
        assertEntry(entries, typedIndex, MediaTypes.OCI_INDEX, SIGNATURE, "typed index");
        assertEntry(entries, untypedIndex, MediaTypes.OCI_INDEX, null, "untyped index");
    }

    private static void assertEntry(Map<String, JsonNode> entries, byte[] manifest, String mediaType,
                                    String artifactType, String note) {
        JsonNode entry = entries.get(Digest.sha256(manifest).toString());
        assertThat(entry).as("entry for %s", note).isNotNull();
        assertThat(entry.path("mediaType").asString()).isEqualTo(mediaType);
        assertThat(entry.path("size").asLong()).isEqualTo(manifest.length);
        if (artifactType == null) {
            assertThat(entry.has("artifactType")).as("artifactType of an index without one is omitted").isFalse();
        } else {
            assertThat(entry.path("artifactType").asString()).isEqualTo(artifactType);
        }
        assertThat(entry.path("annotations").path("org.example.note").asString()).isEqualTo(note);
    }

    @Test
    void emptyArtifactTypeCountsAsMissing() {
        String repo = TestData.repository("referrers");
        Digest subject = pushSubject(repo);
        byte[] manifest = pushManifestReferrer(repo, subject, "", EXAMPLE_CONFIG, "empty manifest type");
        byte[] index = pushIndexReferrer(repo, subject, "", "empty index type");

        Map<String, JsonNode> entries = entries(http.get(referrers(repo, subject)));

        assertEntry(entries, manifest, MediaTypes.OCI_MANIFEST, EXAMPLE_CONFIG, "empty manifest type");
        assertEntry(entries, index, MediaTypes.OCI_INDEX, null, "empty index type");
    }

    @Test
    void artifactTypeFilterKeepsOnlyMatchingReferrersAndSaysSo() {
        String repo = TestData.repository("referrers");
        Digest subject = pushSubject(repo);
        byte[] sbom = pushManifestReferrer(repo, subject, SBOM, MediaTypes.OCI_EMPTY, "sbom");
        pushManifestReferrer(repo, subject, SIGNATURE, MediaTypes.OCI_EMPTY, "signature");
        pushIndexReferrer(repo, subject, null, "index");

        HttpResponse<byte[]> response = http.get(referrers(repo, subject) + "?artifactType=" + SBOM);

        assertIndexResponse(response);
        assertThat(header(response, "OCI-Filters-Applied")).isEqualTo("artifactType");
        assertThat(entries(response)).containsOnlyKeys(Digest.sha256(sbom).toString());
    }

    @Test
    void artifactTypeFilterMatchesATypeTakenFromTheConfig() {
        String repo = TestData.repository("referrers");
        Digest subject = pushSubject(repo);
        byte[] artifact = GoldenImages.manifest(GoldenImages.ARTIFACT);
        RegistryHttp.check(http.putManifest(repo, "sbom", MediaTypes.OCI_MANIFEST, artifact), 201);
        byte[] typeFromConfig = pushManifestReferrer(repo, subject, null, EXAMPLE_CONFIG, "config");

        HttpResponse<byte[]> spdx = http.get(referrers(repo, subject) + "?artifactType=application/spdx%2Bjson");
        HttpResponse<byte[]> config = http.get(referrers(repo, subject) + "?artifactType="
                + EXAMPLE_CONFIG.replace("+", "%2B"));

        assertThat(entries(spdx)).containsOnlyKeys(Digest.sha256(artifact).toString());
        assertThat(entries(config)).containsOnlyKeys(Digest.sha256(typeFromConfig).toString());
    }

    @Test
    void filterThatMatchesNothingGivesAnEmptyIndex() {
        String repo = TestData.repository("referrers");
        Digest subject = pushSubject(repo);
        pushManifestReferrer(repo, subject, SBOM, MediaTypes.OCI_EMPTY, "sbom");

        HttpResponse<byte[]> response = http.get(referrers(repo, subject) + "?artifactType=application/vnd.example.none");

        assertIndexResponse(response);
        assertThat(header(response, "OCI-Filters-Applied")).isEqualTo("artifactType");
        assertThat(entries(response)).isEmpty();
    }

    @Test
    void subjectWithoutReferrersGivesAnEmptyIndexNot404() {
        String repo = TestData.repository("referrers");
        Digest subject = pushSubject(repo);

        HttpResponse<byte[]> response = http.get(referrers(repo, subject));

        assertIndexResponse(response);
        assertThat(entries(response)).isEmpty();
        assertThat(response.headers().firstValue("OCI-Filters-Applied")).isEmpty();
    }

    @Test
    void unknownDigestGivesAnEmptyIndexNot404() {
        String repo = TestData.repository("referrers");
        pushSubject(repo);

        HttpResponse<byte[]> response = http.get(referrers(repo, Digest.sha256(TestData.random(16))));

        assertIndexResponse(response);
        assertThat(entries(response)).isEmpty();
    }

    @Test
    void manifestsWithoutThatSubjectAreNotListed() {
        String repo = TestData.repository("referrers");
        Digest subject = pushSubject(repo);
        Digest otherSubject = Digest.sha256(TestData.random(16));
        byte[] mine = pushManifestReferrer(repo, subject, SBOM, MediaTypes.OCI_EMPTY, "mine");
        pushManifestReferrer(repo, otherSubject, SBOM, MediaTypes.OCI_EMPTY, "other");

        assertThat(entries(http.get(referrers(repo, subject)))).containsOnlyKeys(Digest.sha256(mine).toString());
    }

    @Test
    void referrersInAnotherRepositoryAreNotListed() {
        String repo = TestData.repository("referrers");
        String other = TestData.repository("referrers-other");
        Digest subject = pushSubject(repo);
        pushSubject(other);
        pushManifestReferrer(other, subject, SBOM, MediaTypes.OCI_EMPTY, "elsewhere");

        assertThat(entries(http.get(referrers(repo, subject)))).isEmpty();
    }

    @Test
    void deletedReferrerIsNoLongerListed() {
        String repo = TestData.repository("referrers");
        Digest subject = pushSubject(repo);
        byte[] kept = pushManifestReferrer(repo, subject, SBOM, MediaTypes.OCI_EMPTY, "kept");
        byte[] deleted = pushManifestReferrer(repo, subject, SIGNATURE, MediaTypes.OCI_EMPTY, "deleted");

        RegistryHttp.check(http.delete("/v2/" + repo + "/manifests/" + Digest.sha256(deleted)), 202);

        assertThat(entries(http.get(referrers(repo, subject)))).containsOnlyKeys(Digest.sha256(kept).toString());
    }

    @Test
    void headIsAnsweredLikeGetWithoutBody() {
        String repo = TestData.repository("referrers");
        Digest subject = pushSubject(repo);

        HttpResponse<byte[]> head = http.head(referrers(repo, subject));

        // RFC 9110 section 9.3.2, which the spec defers to where it says nothing
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(header(head, "Content-Type")).isEqualTo(MediaTypes.OCI_INDEX);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sha256:abc", "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256",
            "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "latest"})
    void invalidDigestIs400(String digest) {
        String repo = TestData.repository("referrers");
        pushSubject(repo);

        HttpResponse<byte[]> response = http.get(referrers(repo, digest));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(RegistryHttp.errorCode(response)).isEqualTo("DIGEST_INVALID");
    }

    @Test
    void referrersListIsAnIndexOfTheSameRepositoryNotOfTags() {
        // a referrer that is also tagged is listed once
        String repo = TestData.repository("referrers");
        Digest subject = pushSubject(repo);
        byte[] sbom = pushManifestReferrer(repo, subject, SBOM, MediaTypes.OCI_EMPTY, "tagged");
        RegistryHttp.check(http.putManifest(repo, "sbom-tag", MediaTypes.OCI_MANIFEST, sbom), 201);

        List<String> digests = RegistryHttp.json(http.get(referrers(repo, subject))).path("manifests")
                .valueStream().map(e -> e.path("digest").asString()).toList();

        assertThat(digests).containsExactly(Digest.sha256(sbom).toString());
    }
}
