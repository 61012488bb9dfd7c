package dev.wharf.server.catalog;

import dev.wharf.server.web.Pagination;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/** {@code GET /v2/_catalog}: repository names in byte order, paginated with {@code n} and {@code last}. */
@Component
public class CatalogEndpoint {

    /** The response body. */
    public record Catalog(List<String> repositories) {
    }

    private final Repositories repositories;

    public CatalogEndpoint(Repositories repositories) {
        this.repositories = repositories;
    }

    public ResponseEntity<Catalog> list(String n, String last) {
        Pagination pagination = Pagination.of(n, last);
        HttpHeaders headers = new HttpHeaders();
        List<String> names = pagination.limit() == 0 ? List.of()
                : pagination.page(repositories.names(pagination.last(), pagination.fetchSize()), "/v2/_catalog", headers);
        return ResponseEntity.ok().headers(headers).body(new Catalog(names));
    }
}
