package dev.wharf.server.tag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.Golden;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.Responses;
import dev.wharf.testing.TestData;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/** {@code GET /v2/<name>/tags/list} (end-8a, end-8b): byte order, {@code n}/{@code last}, Link. */
class TagListIT {

    /** Tags whose byte order differs from a case-insensitive or locale-aware one. */
    private static final List<String> TAGS = List.of("latest", "a-b", "a.b", "a_b", "aB", "ab", "A", "B1", "_x",
            "1.0", "10", "9", "a");
    private static final List<String> BYTE_ORDER = TAGS.stream().sorted().toList();

    private final RegistryHttp http = new RegistryHttp(RegistryServer.shared().base());

    /** A repository with one manifest tagged with every tag of {@link #TAGS}. */
    private String repositoryWithTags() {
        String repo = TestData.repository("tags");
        byte[] manifest = http.pushImage(repo, TAGS.get(0), 0);
        Digest digest = Digest.sha256(manifest);
        StringBuilder query = new StringBuilder();
        for (String tag : TAGS.subList(1, TAGS.size())) {
            query.append(query.isEmpty() ? "?" : "&").append("tag=").append(tag);
        }
        HttpResponse<byte[]> put = http.putManifest(repo, digest + query.toString(), MediaTypes.OCI_MANIFEST, manifest);
        RegistryHttp.check(put, 201);
        return repo;
    }

    private static List<String> tags(HttpResponse<byte[]> response) {
        List<String> out = new ArrayList<>();
        RegistryHttp.json(response).path("tags").forEach(t -> out.add(t.asString()));
        return out;
    }

    @Test
    void listsEveryTagInByteOrder() {
        String repo = repositoryWithTags();

        HttpResponse<byte[]> response = http.get("/v2/" + repo + "/tags/list");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Responses.header(response, "Content-Type")).startsWith("application/json");
        JsonNode body = RegistryHttp.json(response);
        assertThat(body.path("name").asString()).isEqualTo(repo);
        assertThat(tags(response)).containsExactlyElementsOf(BYTE_ORDER);
        assertThat(Responses.nextLink(response)).isNull();
    }

    @Test
    void nLimitsThePageAndLinkLeadsThroughTheRest() {
        String repo = repositoryWithTags();

        List<String> seen = new ArrayList<>();
        String next = "/v2/" + repo + "/tags/list?n=4";
        int pages = 0;
        while (next != null) {
            HttpResponse<byte[]> page = http.get(next);
            assertThat(page.statusCode()).isEqualTo(200);
            List<String> tags = tags(page);
            next = Responses.nextLink(page);
            if (next != null) {
                assertThat(tags).as("a page with a Link after it is full").hasSize(4);
            }
            seen.addAll(tags);
            assertThat(++pages).as("pages").isLessThanOrEqualTo(TAGS.size());
        }

        assertThat(seen).containsExactlyElementsOf(BYTE_ORDER);
        assertThat(pages).isEqualTo((TAGS.size() + 3) / 4);
    }

    @Test
    void lastStartsAfterTheGivenTag() {
        String repo = repositoryWithTags();
        String last = BYTE_ORDER.get(3);

        HttpResponse<byte[]> withN = http.get("/v2/" + repo + "/tags/list?n=2&last=" + last);
        HttpResponse<byte[]> withoutN = http.get("/v2/" + repo + "/tags/list?last=" + last);

        assertThat(tags(withN)).containsExactlyElementsOf(BYTE_ORDER.subList(4, 6));
        assertThat(tags(withoutN)).containsExactlyElementsOf(BYTE_ORDER.subList(4, BYTE_ORDER.size()));
    }

    @Test
    void lastThatIsNotATagStartsAfterWhereItWouldBe() {
        String repo = repositoryWithTags();

        // no tag "a0" exists; in byte order it falls between "a.b" and "aB"
        HttpResponse<byte[]> response = http.get("/v2/" + repo + "/tags/list?last=a0");

        assertThat(tags(response)).containsExactlyElementsOf(
                BYTE_ORDER.stream().filter(t -> t.compareTo("a0") > 0).toList());
    }

    @Test
    void lastAfterTheFinalTagGivesAnEmptyList() {
        String repo = repositoryWithTags();

        HttpResponse<byte[]> response = http.get("/v2/" + repo + "/tags/list?last=" + BYTE_ORDER.get(BYTE_ORDER.size() - 1));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(tags(response)).isEmpty();
        assertThat(Responses.nextLink(response)).isNull();
    }

    @Test
    void nZeroGivesAnEmptyListAndNoLink() {
        String repo = repositoryWithTags();

        HttpResponse<byte[]> response = http.get("/v2/" + repo + "/tags/list?n=0");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(RegistryHttp.json(response).path("tags").isArray()).isTrue();
        assertThat(tags(response)).isEmpty();
        assertThat(response.headers().firstValue("Link")).isEmpty();
    }

    @Test
    void nLargerThanTheListGivesEverythingAndNoLink() {
        String repo = repositoryWithTags();

        HttpResponse<byte[]> response = http.get("/v2/" + repo + "/tags/list?n=" + TAGS.size());

        assertThat(tags(response)).containsExactlyElementsOf(BYTE_ORDER);
        assertThat(Responses.nextLink(response)).isNull();
    }

    @Test
    void repositoryWithoutTagsListsNone() {
        String repo = TestData.repository("tags");
        byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
        Digest configDigest = http.pushBlob(repo, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, configDigest, 2) + ",\"layers\":[]}")
                .getBytes(StandardCharsets.UTF_8);
        RegistryHttp.check(http.putManifest(repo, Digest.sha256(manifest).toString(), MediaTypes.OCI_MANIFEST, manifest), 201);

        HttpResponse<byte[]> response = http.get("/v2/" + repo + "/tags/list");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(RegistryHttp.json(response).path("name").asString()).isEqualTo(repo);
        assertThat(tags(response)).isEmpty();
    }

    @Test
    void deletedTagIsNoLongerListed() {
        String repo = repositoryWithTags();

        RegistryHttp.check(http.delete("/v2/" + repo + "/manifests/latest"), 202);

        assertThat(tags(http.get("/v2/" + repo + "/tags/list")))
                .containsExactlyElementsOf(BYTE_ORDER.stream().filter(t -> !t.equals("latest")).toList());
    }

    @Test
    void nBeyondAnIntIs400Unsupported() {
        String repo = repositoryWithTags();

        HttpResponse<byte[]> response = http.get("/v2/" + repo + "/tags/list?n=99999999999999999999");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(RegistryHttp.errorCode(response)).isEqualTo("UNSUPPORTED");
    }

    @Test
    void headIsAnsweredLikeGetWithoutBody() {
        String repo = repositoryWithTags();

        HttpResponse<byte[]> head = http.head("/v2/" + repo + "/tags/list");

        // RFC 9110 section 9.3.2, which the spec defers to where it says nothing
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void unknownRepositoryIs404NameUnknown() {
        Golden.assertError(http.get("/v2/" + TestData.repository("never-created") + "/tags/list"), 404, "name-unknown");
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(strings = {"-1", "abc", "1.5", "0x10", "+-3", "1e3"})
    void nThatIsNotANonNegativeIntegerIs400(String n) {
        String repo = repositoryWithTags();

        HttpResponse<byte[]> response = http.get("/v2/" + repo + "/tags/list?n=" + n);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(RegistryHttp.errorCode(response)).isEqualTo("UNSUPPORTED");
    }
}
