package dev.wharf.server.web;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import java.util.List;
import org.springframework.http.HttpHeaders;

/**
 * The {@code n} / {@code last} pagination of the tag list and the catalog: keyset pages in byte
 * order, with an RFC 5988 {@code Link: <...>; rel="next"} header when more follow.
 *
 * @param limit how many entries to return
 * @param last  the entry after which to start (exclusive); null for the beginning
 */
public record Pagination(int limit, String last) {

    /** The largest page served, also when {@code n} asks for more or is absent. */
    public static final int MAX_PAGE = 10_000;

    /**
     * Reads the query parameters.
     *
     * @throws OciException 400 when {@code n} is not a non-negative integer
     */
    public static Pagination of(String n, String last) {
        int limit = MAX_PAGE;
        if (n != null && !n.isEmpty()) {
            try {
                limit = Integer.parseInt(n);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 0) {
                throw new OciException(OciErrorCode.UNSUPPORTED, 400, "n must be a non-negative integer, got " + n, null);
            }
            limit = Math.min(limit, MAX_PAGE);
        }
        return new Pagination(limit, last == null || last.isEmpty() ? null : last);
    }

    /** How many rows to ask for: one more than the page, to learn whether another page follows. */
    public int fetchSize() {
        return limit + 1;
    }

    /**
     * Trims {@code rows} (fetched with {@link #fetchSize()}) to the page and, when more follow, adds
     * the {@code Link} header pointing at {@code path}.
     */
    public List<String> page(List<String> rows, String path, HttpHeaders headers) {
        if (rows.size() <= limit) {
            return rows;
        }
        List<String> page = rows.subList(0, limit);
        if (limit > 0) {
            headers.add(HttpHeaders.LINK, "<" + path + "?n=" + limit + "&last=" + page.get(limit - 1) + ">; rel=\"next\"");
        }
        return page;
    }
}
