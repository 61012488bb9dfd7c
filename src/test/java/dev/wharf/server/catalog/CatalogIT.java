package dev.wharf.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.Responses;
import dev.wharf.testing.TestData;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code GET /v2/_catalog}: repository names in byte order with {@code n}/{@code last} pagination
 * and a {@code Link} header. The server is shared, so the tests look at a block of repositories
 * under a unique prefix and start listing at that prefix with {@code last}.
 */
class CatalogIT {

    /** Suffixes whose byte order differs from a locale-aware collation ("-", ".", "/", "0", "_"). */
    private static final List<String> SUFFIXES = List.of("ab", "a_b", "a0", "a/b", "a.b", "a-b", "a", "b/a", "b");

    private static final RegistryHttp http = new RegistryHttp(RegistryServer.shared().base());
    private static String prefix;
    private static List<String> names;

    @BeforeAll
    static void createRepositories() {
        prefix = TestData.repository("catalog");
        List<String> created = new ArrayList<>();
        for (String suffix : SUFFIXES) {
            String name = prefix + "/" + suffix;
            http.pushImage(name, "latest", 0);
            created.add(name);
        }
        names = created.stream().sorted().toList();
    }

    private static List<String> repositories(HttpResponse<byte[]> response) {
        List<String> out = new ArrayList<>();
        RegistryHttp.json(response).path("repositories").forEach(r -> out.add(r.asString()));
        return out;
    }

    /** Pages from {@code first} on, following Link headers, until the listing leaves the prefix. */
    private static List<List<String>> walk(String first) {
        List<List<String>> pages = new ArrayList<>();
        String next = first;
        while (next != null && pages.size() < 100) {
            HttpResponse<byte[]> page = http.get(next);
            RegistryHttp.check(page, 200);
            List<String> repos = repositories(page);
            pages.add(repos);
            if (repos.stream().anyMatch(r -> !r.startsWith(prefix + "/") && r.compareTo(prefix) > 0)) {
                break;
            }
            next = Responses.nextLink(page);
        }
        return pages;
    }

    private static List<String> ours(List<List<String>> pages) {
        return pages.stream().flatMap(List::stream).filter(r -> r.startsWith(prefix + "/")).toList();
    }

    @Test
    void catalogListsRepositoriesInByteOrder() {
        HttpResponse<byte[]> response = http.get("/v2/_catalog?last=" + prefix);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Responses.header(response, "Content-Type")).startsWith("application/json");
        List<String> repos = repositories(response);
        assertThat(repos).isSortedAccordingTo(String::compareTo);
        assertThat(repos.stream().filter(r -> r.startsWith(prefix + "/")).toList()).containsExactlyElementsOf(names);
    }

    @Test
    void catalogWithoutParametersContainsTheRepositories() {
        List<List<String>> pages = walk("/v2/_catalog");

        assertThat(ours(pages)).containsExactlyElementsOf(names);
    }

    @Test
    void nLimitsThePageAndLinkLeadsThroughTheRest() {
        List<List<String>> pages = walk("/v2/_catalog?n=2&last=" + prefix);

        assertThat(ours(pages)).containsExactlyElementsOf(names);
        for (List<String> page : pages.subList(0, pages.size() - 1)) {
            assertThat(page).as("a page with a Link after it is full").hasSize(2);
        }
        assertThat(pages.size()).isGreaterThanOrEqualTo(names.size() / 2);
    }

    @Test
    void lastStartsAfterTheGivenRepository() {
        HttpResponse<byte[]> response = http.get("/v2/_catalog?n=3&last=" + names.get(2));

        assertThat(repositories(response)).containsExactlyElementsOf(names.subList(3, 6));
        assertThat(Responses.nextLink(response)).as("more repositories follow").isNotNull();
    }

    @Test
    void nZeroGivesAnEmptyListAndNoLink() {
        HttpResponse<byte[]> response = http.get("/v2/_catalog?n=0");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(RegistryHttp.json(response).path("repositories").isArray()).isTrue();
        assertThat(repositories(response)).isEmpty();
        assertThat(response.headers().firstValue("Link")).isEmpty();
    }

    @Test
    void headIsAnsweredLikeGetWithoutBody() {
        HttpResponse<byte[]> head = http.head("/v2/_catalog?n=1");

        // RFC 9110 section 9.3.2, which the spec defers to where it says nothing
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(strings = {"-1", "abc", "2.5", "1e3"})
    void nThatIsNotANonNegativeIntegerIs400(String n) {
        HttpResponse<byte[]> response = http.get("/v2/_catalog?n=" + n);

        assertThat(response.statusCode()).isEqualTo(400);
    }
}
