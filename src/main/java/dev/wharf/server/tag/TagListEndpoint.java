package dev.wharf.server.tag;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.web.Pagination;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * {@code GET /v2/<name>/tags/list}: tags in byte ("ASCIIbetical") order, paginated with {@code n}
 * and {@code last}.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags">spec: Listing Tags</a>
 */
@Component
public class TagListEndpoint {

    /** The response body. */
    public record TagList(String name, List<String> tags) {
    }

    private final Tags tags;

    public TagListEndpoint(Tags tags) {
        this.tags = tags;
    }

    public ResponseEntity<TagList> list(RepositoryName repository, String n, String last) {
        Pagination pagination = Pagination.of(n, last);
        // n=0 still answers 404 for an unknown repository: the page is read with a limit of 0
        List<String> rows = tags.page(repository, pagination.last(), pagination.limit() == 0 ? 0 : pagination.fetchSize())
                .orElseThrow(() -> new OciException(OciErrorCode.NAME_UNKNOWN, "repository unknown: " + repository,
                        repository.value()));
        HttpHeaders headers = new HttpHeaders();
        List<String> names = pagination.limit() == 0 ? List.of()
                : pagination.page(rows, "/v2/" + repository + "/tags/list", headers);
        return ResponseEntity.ok().headers(headers).body(new TagList(repository.value(), names));
    }
}
