package dev.wharf.server.catalog;

import dev.wharf.server.web.Pagination;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * {@code GET /v2/_catalog}: repository names in byte order, paginated with {@code n} and
 * {@code last}, limited to those the caller may see.
 */
@Component
public class CatalogEndpoint {

    /** The response body. */
    public record Catalog(List<String> repositories) {
    }

    private final Repositories repositories;

    public CatalogEndpoint(Repositories repositories) {
        this.repositories = repositories;
    }

    /**
     * One page of the catalog.
     *
     * @param visible which names the caller may see; pages are filled from the following names
     *                when some are hidden
     */
    public ResponseEntity<Catalog> list(String n, String last, Predicate<String> visible) {
        Pagination pagination = Pagination.of(n, last);
        HttpHeaders headers = new HttpHeaders();
        List<String> names = pagination.limit() == 0 ? List.of()
                : pagination.page(visibleNames(pagination, visible), "/v2/_catalog", headers);
        return ResponseEntity.ok().headers(headers).body(new Catalog(names));
    }

    /** Up to {@code fetchSize} visible names after {@code last}, reading the table in batches. */
    private List<String> visibleNames(Pagination pagination, Predicate<String> visible) {
        int wanted = pagination.fetchSize();
        List<String> result = new ArrayList<>(Math.min(wanted, 1024));
        String after = pagination.last();
        int batch = Math.max(wanted, 100);
        while (result.size() < wanted) {
            List<String> rows = repositories.names(after, batch);
            for (String name : rows) {
                if (visible.test(name)) {
                    result.add(name);
                    if (result.size() == wanted) {
                        break;
                    }
                }
            }
            if (rows.size() < batch) {
                break;
            }
            after = rows.get(rows.size() - 1);
        }
        return result;
    }
}
