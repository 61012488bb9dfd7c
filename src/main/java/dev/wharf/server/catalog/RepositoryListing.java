package dev.wharf.server.catalog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Repositories as people browse them (the web UI): pages of a filtered, searched, sorted listing
 * with each row's facts, one repository's summary, its description, storage per namespace.
 *
 * <p>Every listing takes the viewer's {@link Filter}, which the caller gets from the access policy,
 * so a repository the viewer could not pull is never read, listed or counted. Pages are keysets on
 * indexed columns: by name on the {@code "C"}-collated unique index, by last push on
 * {@code (pushed_at, name)}. Search is a substring match, served by the trigram index where
 * {@code pg_trgm} is installed (V6__web_ui.sql).
 */
@Component
public class RepositoryListing {

    /**
     * Tags are counted up to this many; beyond, a count says "more than" (counting a 100,000-tag
     * repository on every page view would cost more than the rest of the page).
     */
    public static final int MAX_COUNTED_TAGS = 10_000;

    /** The longest description accepted, in characters (the column's check says the same). */
    public static final int MAX_DESCRIPTION = 20_000;

    /** Which repositories the viewer may see: all, or the public ones plus those of {@code namespaces}. */
    public record Filter(boolean all, Set<String> namespaces) {
    }

    /** The listing's order. */
    public enum Sort { NAME, PUSHED }

    /** Where a page starts: after this name (and, by last push, this push time). */
    public record Cursor(String name, Instant pushedAt) {
    }

    /** One repository as a listing shows it. */
    public record Row(long id, String name, boolean isPublic, int tags, Instant pushedAt, long pulls, long size) {

        public String namespace() {
            int slash = name.indexOf('/');
            return slash < 0 ? name : name.substring(0, slash);
        }
    }

    /** A page of rows and where the next one starts (null at the end). */
    public record Page(List<Row> rows, Cursor next) {
    }

    /** What a repository's page shows about it. */
    public record Summary(long id, String name, boolean isPublic, String description, Instant pushedAt, long pulls,
                          int tags) {
    }

    /** Storage of one namespace: the distinct blobs its repositories hold. */
    public record NamespaceStorage(String namespace, int repositories, long blobs, long bytes) {
    }

    private final JdbcClient jdbc;

    public RepositoryListing(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A page of the repositories {@code filter} lets through, optionally only those whose name
     * contains {@code search} and those of one {@code namespace}.
     */
    public Page list(Filter filter, String search, String namespace, Sort sort, Cursor after, int limit) {
        StringBuilder where = new StringBuilder("TRUE");
        Map<String, Object> params = new HashMap<>();
        if (!filter.all()) {
            where.append(" AND (v.public");
            if (!filter.namespaces().isEmpty()) {
                where.append(" OR split_part(r.name, '/', 1) = ANY(CAST(:viewerNamespaces AS text[]))");
                params.put("viewerNamespaces", filter.namespaces().toArray(String[]::new));
            }
            where.append(")");
        }
        if (search != null && !search.isEmpty()) {
            where.append(" AND r.name LIKE :pattern");
            params.put("pattern", "%" + likeEscape(search) + "%");
        }
        if (namespace != null) {
            where.append(" AND (r.name = :namespace OR (r.name >= :low AND r.name < :high))");
            params.put("namespace", namespace);
            params.put("low", namespace + "/");
            params.put("high", namespace + "0");
        }
        String order;
        if (sort == Sort.PUSHED) {
            where.append(" AND r.pushed_at IS NOT NULL");
            if (after != null && after.pushedAt() != null) {
                where.append(" AND (r.pushed_at, r.name) < (:afterPushed, :afterName)");
                params.put("afterPushed", Timestamp.from(after.pushedAt()));
                params.put("afterName", after.name());
            }
            order = "r.pushed_at DESC, r.name DESC";
        } else {
            if (after != null) {
                where.append(" AND r.name > :afterName");
                params.put("afterName", after.name());
            }
            order = "r.name";
        }
        params.put("limit", limit + 1);
        String sql = """
                WITH page AS (
                    SELECT r.id, r.name, coalesce(v.public, false) AS public, r.pushed_at, r.pull_count
                    FROM repositories r LEFT JOIN repository_visibility v ON v.name = r.name
                    WHERE %s
                    ORDER BY %s
                    LIMIT :limit)
                SELECT p.*,
                       (SELECT count(*) FROM (SELECT 1 FROM tags t WHERE t.repository_id = p.id
                        LIMIT %d) c) AS tag_count,
                       (SELECT t.manifest_id FROM tags t WHERE t.repository_id = p.id
                        ORDER BY t.updated_at DESC LIMIT 1) AS latest
                FROM page p
                ORDER BY %s
                """.formatted(where, order, MAX_COUNTED_TAGS + 1, order.replace("r.", "p."));
        List<Row> rows = new ArrayList<>(jdbc.sql(sql)
                .params(params)
                .query((rs, n) -> row(rs))
                .list());
        Cursor next = null;
        if (rows.size() > limit) {
            rows = new ArrayList<>(rows.subList(0, limit));
            Row last = rows.get(limit - 1);
            next = new Cursor(last.name(), sort == Sort.PUSHED ? last.pushedAt() : null);
        }
        return new Page(withSizes(rows), next);
    }

    private static Row row(ResultSet rs) throws SQLException {
        Timestamp pushed = rs.getTimestamp("pushed_at");
        long latest = rs.getLong("latest");
        return new Row(rs.getLong("id"), rs.getString("name"), rs.getBoolean("public"), rs.getInt("tag_count"),
                pushed == null ? null : pushed.toInstant(), rs.getLong("pull_count"), rs.wasNull() ? -1 : latest);
    }

    /** Replaces each row's latest manifest id (carried in {@code size}) by that image's compressed size. */
    private List<Row> withSizes(List<Row> rows) {
        List<Long> manifests = rows.stream().map(Row::size).filter(id -> id >= 0).distinct().toList();
        Map<Long, Long> sizes = new HashMap<>();
        if (!manifests.isEmpty()) {
            jdbc.sql("""
                            SELECT m.id, (SELECT coalesce(sum(b.size), 0) FROM blobs b WHERE b.digest IN (
                                SELECT mb.digest FROM manifest_blobs mb WHERE mb.manifest_id = m.id
                                UNION
                                SELECT mb.digest FROM manifest_children mc
                                JOIN manifests c ON c.repository_id = m.repository_id AND c.digest = mc.child_digest
                                JOIN manifest_blobs mb ON mb.manifest_id = c.id
                                WHERE mc.parent_id = m.id))
                            FROM manifests m WHERE m.id = ANY(CAST(:ids AS bigint[]))""")
                    .param("ids", manifests.toArray(Long[]::new))
                    .query((rs, n) -> sizes.put(rs.getLong(1), rs.getLong(2)))
                    .list();
        }
        return rows.stream().map(r -> new Row(r.id(), r.name(), r.isPublic(), r.tags(), r.pushedAt(), r.pulls(),
                r.size() < 0 ? -1 : sizes.getOrDefault(r.size(), -1L))).toList();
    }

    /** A repository's summary, if it exists. */
    public Optional<Summary> summary(String name) {
        return jdbc.sql("""
                        SELECT r.id, r.name, coalesce(v.public, false), r.description, r.pushed_at, r.pull_count,
                               (SELECT count(*) FROM (SELECT 1 FROM tags t WHERE t.repository_id = r.id
                                LIMIT :cap) c)
                        FROM repositories r LEFT JOIN repository_visibility v ON v.name = r.name
                        WHERE r.name = :name""")
                .param("name", name)
                .param("cap", MAX_COUNTED_TAGS + 1)
                .query((rs, n) -> {
                    Timestamp pushed = rs.getTimestamp(5);
                    return new Summary(rs.getLong(1), rs.getString(2), rs.getBoolean(3), rs.getString(4),
                            pushed == null ? null : pushed.toInstant(), rs.getLong(6), rs.getInt(7));
                })
                .optional();
    }

    /**
     * Sets a repository's description (null or blank removes it); false when there is no such
     * repository. The caller checks the length ({@link #MAX_DESCRIPTION}) and who may.
     */
    public boolean describe(String name, String description) {
        return jdbc.sql("UPDATE repositories SET description = :description WHERE name = :name")
                .param("name", name)
                .param("description", description == null || description.isBlank() ? null : description)
                .update() == 1;
    }

    /**
     * Storage per namespace: the bytes of the distinct blobs linked to its repositories (a blob
     * shared by two namespaces counts in both). A scan of the blob links: an admin's page, not a
     * hot path.
     */
    public List<NamespaceStorage> storageByNamespace() {
        return jdbc.sql("""
                        WITH links AS (
                            SELECT DISTINCT split_part(r.name, '/', 1) AS namespace, rb.digest
                            FROM repositories r JOIN repository_blobs rb ON rb.repository_id = r.id),
                        repos AS (
                            SELECT split_part(name, '/', 1) AS namespace, count(*) AS repositories
                            FROM repositories GROUP BY 1)
                        SELECT p.namespace, p.repositories, count(l.digest), coalesce(sum(b.size), 0)
                        FROM repos p LEFT JOIN links l ON l.namespace = p.namespace
                        LEFT JOIN blobs b ON b.digest = l.digest
                        GROUP BY p.namespace, p.repositories
                        ORDER BY 4 DESC, 1""")
                .query((rs, n) -> new NamespaceStorage(rs.getString(1), rs.getInt(2), rs.getLong(3), rs.getLong(4)))
                .list();
    }

    /** {@code s} with LIKE's wildcards escaped (backslash is the default escape character). */
    static String likeEscape(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
