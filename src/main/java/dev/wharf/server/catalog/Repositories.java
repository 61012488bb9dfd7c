package dev.wharf.server.catalog;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The {@code repositories} table. Repositories come into being with their first upload or
 * manifest; {@link #ensure} is an upsert, safe under concurrent first pushes.
 *
 * <p>With auth enabled every repository lives in the namespace of a user or an organization (its
 * first path component): {@link #ensure} refuses to write to a repository whose namespace does not
 * exist, and holds a share lock on the namespace's row until the caller's transaction ends, so a
 * push and the deletion of its namespace (which locks that row for update first) are serialised:
 * the push either sees no namespace, or finishes before the deletion starts and is deleted with
 * it. A freed name therefore never regains content (issue 7). With {@code wharf.auth.enabled=false}
 * there are no namespaces: any name may be written, without limits.
 */
@Component
public class Repositories {

    /** Names in a namespace, by range on the {@code "C"}-collated name (index-friendly; '0' follows '/'). */
    private static final String IN_NAMESPACE = "(name = :namespace OR (name >= :low AND name < :high))";

    /** How many ranges {@link #namesInRanges} reads with one statement. */
    private static final int RANGES_PER_STATEMENT = 100;

    private final JdbcClient jdbc;
    private final boolean namespaces;
    private final NamespaceLimits limits;

    public Repositories(JdbcClient jdbc, NamespaceLimits limits, @Value("${wharf.auth.enabled:true}") boolean auth) {
        this.jdbc = jdbc;
        this.limits = limits;
        this.namespaces = auth;
    }

    /**
     * The id of the repository, created when it does not exist yet, for a write in the caller's
     * transaction (which must be active, and must be the one that uses the id).
     *
     * <p>When a concurrent request creates the repository first, the insert waits for that
     * request's commit and finds nothing in its own snapshot, so the lookup is repeated with a
     * fresh one.
     *
     * @throws OciException 403 {@code DENIED} when the namespace does not exist, or when creating
     *                      the repository would pass {@code wharf.namespace.max-repositories}
     */
    public long ensure(RepositoryName name) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("Repositories.ensure needs the transaction that uses the repository");
        }
        holdNamespace(name);
        String namespace = name.namespace();
        OptionalLong existing = find(name);
        if (existing.isPresent()) {
            return existing.getAsLong();
        }
        if (namespaces && limits.maxRepositories() > 0) {
            lockForGrowth(name);
            long held = count("SELECT count(*) FROM repositories WHERE " + IN_NAMESPACE, namespace);
            if (held >= limits.maxRepositories() && find(name).isEmpty()) {
                throw new OciException(OciErrorCode.DENIED, "namespace " + namespace + " holds " + held
                        + " repositories, the most allowed (wharf.namespace.max-repositories)");
            }
        }
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<Long> id = jdbc.sql("""
                            WITH created AS (
                                INSERT INTO repositories (name) VALUES (:name)
                                ON CONFLICT (name) DO NOTHING RETURNING id)
                            SELECT id FROM created
                            UNION ALL
                            SELECT id FROM repositories WHERE name = :name
                            LIMIT 1""")
                    .param("name", name.value())
                    .query(Long.class)
                    .optional();
            if (id.isPresent()) {
                return id.get();
            }
            OptionalLong created = find(name);
            if (created.isPresent()) {
                return created.getAsLong();
            }
        }
        throw new IllegalStateException("repository " + name + " was created and deleted concurrently");
    }

    /**
     * Share-locks the row of the namespace of {@code name} until the caller's transaction ends, so
     * the namespace cannot be deleted under a write to one of its repositories (see the class
     * comment). Does nothing without namespaces (auth disabled).
     *
     * @throws OciException 403 {@code DENIED} when the namespace does not exist
     */
    public void holdNamespace(RepositoryName name) {
        if (!namespaces) {
            return;
        }
        String namespace = name.namespace();
        Optional<String> kind = jdbc.sql("SELECT kind FROM namespaces WHERE name = :name FOR KEY SHARE")
                .param("name", namespace)
                .query(String.class)
                .optional();
        if (kind.isEmpty()) {
            throw new OciException(OciErrorCode.DENIED, "namespace " + namespace + " does not exist: a repository "
                    + "belongs to the user or organization named by its first path component; create that first");
        }
    }

    /**
     * Serialises, until the caller's transaction ends, the requests that add to the namespace of
     * {@code name} (a new repository, a new upload session), so that a count against a limit and
     * the insert that follows are not raced. Does nothing without namespaces (auth disabled).
     */
    public void lockForGrowth(RepositoryName name) {
        if (namespaces) {
            jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended('wharf.namespace:' || :namespace, 0))")
                    .param("namespace", name.namespace())
                    .query(Object.class)
                    .optional();
        }
    }

    /** False when auth is disabled: there are no namespaces, and no per-namespace limits. */
    public boolean namespacesEnforced() {
        return namespaces;
    }

    /** The limits of {@code wharf.namespace.*}. */
    public NamespaceLimits limits() {
        return limits;
    }

    /** How many rows {@code sql}, with {@link #IN_NAMESPACE} parameters for {@code namespace}, counts. */
    private long count(String sql, String namespace) {
        return jdbc.sql(sql)
                .param("namespace", namespace)
                .param("low", namespace + "/")
                .param("high", namespace + "0")
                .query(Long.class)
                .single();
    }

    /** Records that a manifest was pushed to the repository now, in the caller's transaction. */
    public void pushed(long id) {
        jdbc.sql("UPDATE repositories SET pushed_at = now() WHERE id = :id").param("id", id).update();
    }

    public OptionalLong find(RepositoryName name) {
        return jdbc.sql("SELECT id FROM repositories WHERE name = :name")
                .param("name", name.value())
                .query(Long.class)
                .optional()
                .map(OptionalLong::of)
                .orElse(OptionalLong.empty());
    }

    /**
     * One range to read: up to {@code limit} names from {@code from} (inclusive) to {@code to}
     * (exclusive), after {@code after} (null: from the range's start).
     */
    record RangeScan(String from, String to, String after, int limit) {
    }

    /**
     * The names of each range, in byte order: one statement of one index range scan per range
     * ({@link #rangeQuery}), each of which stops at its range's end or limit, whatever the size of
     * the table.
     *
     * @return per range (in the order given), the names read
     */
    List<List<String>> namesInRanges(List<RangeScan> ranges) {
        List<List<String>> result = new ArrayList<>(ranges.size());
        for (int i = 0; i < ranges.size(); i++) {
            result.add(new ArrayList<>());
        }
        for (int start = 0; start < ranges.size(); start += RANGES_PER_STATEMENT) {
            int count = Math.min(RANGES_PER_STATEMENT, ranges.size() - start);
            JdbcClient.StatementSpec statement = jdbc.sql(rangeQuery(count));
            for (int i = 0; i < count; i++) {
                RangeScan r = ranges.get(start + i);
                statement = statement.param("from" + i, r.from()).param("to" + i, r.to())
                        .param("after" + i, r.after() == null ? "" : r.after()).param("limit" + i, r.limit());
            }
            int offset = start;
            statement.query((rs, n) -> {
                result.get(offset + rs.getInt(1)).add(rs.getString(2));
                return null;
            }).list();
        }
        // each branch reads in order, but UNION ALL promises no order of its own (names are ASCII:
        // String order is byte order)
        result.forEach(java.util.Collections::sort);
        return result;
    }

    /** The statement of {@link #namesInRanges} for {@code count} ranges. */
    static String rangeQuery(int count) {
        StringBuilder sql = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                sql.append("\nUNION ALL\n");
            }
            sql.append("(SELECT ").append(i).append(" AS range, name FROM repositories WHERE name >= :from").append(i)
                    .append(" AND name < :to").append(i).append(" AND name > :after").append(i)
                    .append(" ORDER BY name LIMIT :limit").append(i).append(")");
        }
        return sql.toString();
    }

    /**
     * Up to {@code limit} names of public repositories after {@code after} (null: from the start), in
     * byte order; names made public before their first push are skipped until they exist.
     */
    List<String> publicNames(String after, int limit) {
        return jdbc.sql("""
                        SELECT v.name FROM repository_visibility v
                        WHERE v.public AND v.name > :after
                          AND EXISTS (SELECT 1 FROM repositories r WHERE r.name = v.name)
                        ORDER BY v.name LIMIT :limit""")
                .param("after", after == null ? "" : after)
                .param("limit", limit)
                .query(String.class)
                .list();
    }

    /** Up to {@code limit} names after {@code last} (exclusive; null for the start), in byte order. */
    public List<String> names(String last, int limit) {
        return jdbc.sql("SELECT name FROM repositories WHERE name > :last ORDER BY name LIMIT :limit")
                .param("last", last == null ? "" : last)
                .param("limit", limit)
                .query(String.class)
                .list();
    }
}
