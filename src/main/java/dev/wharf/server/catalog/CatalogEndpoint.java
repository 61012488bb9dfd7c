package dev.wharf.server.catalog;

import dev.wharf.server.web.Pagination;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * {@code GET /v2/_catalog}: repository names in byte order, paginated with {@code n} and
 * {@code last}, limited to those the caller may see.
 *
 * <p>For a caller who sees only some repositories, the page is the merge of index range scans,
 * one per range of the {@link CatalogFilter}, each read after {@code last} in batches and tested
 * name by name. A range stops being read once it is exhausted or past the last name the page
 * needs, so a page costs the rows of the caller's own ranges up to that point, whatever the size of
 * the registry; {@code wharf_catalog_rows_examined} records it per page.
 */
@Component
public class CatalogEndpoint {

    /** The response body. */
    public record Catalog(List<String> repositories) {
    }

    private final Repositories repositories;
    private final DistributionSummary examined;

    public CatalogEndpoint(Repositories repositories, MeterRegistry meters) {
        this.repositories = repositories;
        this.examined = DistributionSummary.builder("wharf.catalog.rows.examined")
                .description("Repository rows read to fill one catalog page").register(meters);
    }

    /**
     * One page of the catalog.
     *
     * @param visible which names the caller may see; pages are filled from the following names
     *                when some are hidden
     */
    public ResponseEntity<Catalog> list(String n, String last, CatalogFilter visible) {
        Pagination pagination = Pagination.of(n, last);
        HttpHeaders headers = new HttpHeaders();
        List<String> names = List.of();
        if (pagination.limit() > 0) {
            Walk walk = new Walk(pagination.last(), pagination.fetchSize());
            names = pagination.page(visible.everything() ? walk.everything() : walk.filtered(visible),
                    "/v2/_catalog", headers);
            examined.record(walk.rows);
        }
        return ResponseEntity.ok().headers(headers).body(new Catalog(names));
    }

    /** The reading of one page: the first {@code wanted} visible names after {@code last}. */
    private final class Walk {

        /** The fewest rows asked of a source at once. */
        private static final int MIN_BATCH = 100;

        private final String last;
        private final int wanted;
        private long rows;

        Walk(String last, int wanted) {
            this.last = last;
            this.wanted = wanted;
        }

        List<String> everything() {
            List<String> page = repositories.names(last, wanted);
            rows += page.size();
            return page;
        }

        /**
         * One source of names: a range, or (with a null range) the public repositories. Its batch
         * starts at an even share of the page and doubles with each read, so a few dense sources
         * fill the page in a few reads and many sparse ones cost one small read each.
         */
        private static final class Cursor {
            final CatalogFilter.Range range;
            String after;
            boolean done;
            int batch;

            Cursor(CatalogFilter.Range range, String after) {
                this.range = range;
                this.after = after;
            }

            boolean before(String bound) {
                return bound == null || after == null || after.compareTo(bound) < 0;
            }
        }

        List<String> filtered(CatalogFilter filter) {
            List<Cursor> cursors = new ArrayList<>();
            for (CatalogFilter.Range r : filter.ranges()) {
                if (last == null || last.compareTo(r.to()) < 0) {
                    cursors.add(new Cursor(r, last));
                }
            }
            if (filter.publicRepositories()) {
                cursors.add(new Cursor(null, last));
            }
            int share = Math.max(MIN_BATCH, wanted / Math.max(1, cursors.size()) + 1);
            for (Cursor c : cursors) {
                c.batch = share;
            }
            TreeSet<String> found = new TreeSet<>();
            while (true) {
                // no source needs reading past the wanted-th name found so far
                String bound = found.size() >= wanted ? found.last() : null;
                List<Cursor> ranges = new ArrayList<>();
                Cursor publicNames = null;
                for (Cursor c : cursors) {
                    if (!c.done && c.before(bound)) {
                        if (c.range == null) {
                            publicNames = c;
                        } else {
                            ranges.add(c);
                        }
                    }
                }
                if (ranges.isEmpty() && publicNames == null) {
                    break;
                }
                List<Repositories.RangeScan> scans = new ArrayList<>(ranges.size());
                for (Cursor c : ranges) {
                    scans.add(new Repositories.RangeScan(c.range.from(), c.range.to(), c.after, c.batch));
                }
                List<List<String>> read = repositories.namesInRanges(scans);
                for (int i = 0; i < ranges.size(); i++) {
                    advance(ranges.get(i), read.get(i), found);
                }
                if (publicNames != null) {
                    advance(publicNames, repositories.publicNames(publicNames.after, publicNames.batch), found);
                }
                while (found.size() > wanted) {
                    found.pollLast();
                }
            }
            return new ArrayList<>(found);
        }

        private void advance(Cursor cursor, List<String> names, TreeSet<String> found) {
            rows += names.size();
            for (String name : names) {
                if (cursor.range == null || cursor.range.accepts().test(name)) {
                    found.add(name);
                }
            }
            if (!names.isEmpty()) {
                cursor.after = names.get(names.size() - 1);
            }
            cursor.done = names.size() < cursor.batch;
            cursor.batch = (int) Math.min((long) cursor.batch * 2, Math.max(wanted, MIN_BATCH));
        }
    }
}
