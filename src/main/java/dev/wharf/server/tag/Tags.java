package dev.wharf.server.tag;

import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import dev.wharf.server.db.Conflicts;
import dev.wharf.server.policy.NamespacePolicies;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/** The {@code tags} table: tag -> manifest, one row per tag. */
@Component
public class Tags {

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final NamespacePolicies policies;
    /** Tag-list pages read, served again while their version holds: at most 50,000 names (a few MiB; 5 full pages). */
    private final TagPages pages = new TagPages(50_000, 4_096);

    public Tags(JdbcClient jdbc, TransactionTemplate transactions, NamespacePolicies policies) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.policies = policies;
    }

    /**
     * Points the tag at the manifest, creating or moving it; call in a transaction. The manifest a
     * moved tag leaves is queued for a garbage-collection review. A new tag costs one statement,
     * as before; a tag that moves is locked first so that the manifest it leaves is the one queued.
     *
     * @return the digest of the manifest the tag left when it moved; empty when it was created or
     *         already pointed at the manifest
     * @throws dev.wharf.oci.OciException 403 {@code DENIED} when the tag would move and is immutable
     *                                    (its first push, and a push of the same manifest, work)
     */
    public Optional<String> set(long repositoryId, Tag tag, long manifestId) {
        while (true) {
            boolean created = jdbc.sql("""
                            INSERT INTO tags (repository_id, name, manifest_id) VALUES (:repository, :name, :manifest)
                            ON CONFLICT (repository_id, name) DO NOTHING RETURNING 1""")
                    .param("repository", repositoryId)
                    .param("name", tag.value())
                    .param("manifest", manifestId)
                    .query(Integer.class)
                    .optional()
                    .isPresent();
            if (created) {
                return Optional.empty();
            }
            Optional<Long> old = jdbc.sql("""
                            SELECT manifest_id FROM tags WHERE repository_id = :repository AND name = :name FOR UPDATE""")
                    .param("repository", repositoryId)
                    .param("name", tag.value())
                    .query(Long.class)
                    .optional();
            if (old.isEmpty()) {
                continue; // deleted meanwhile: create it
            }
            if (old.get() == manifestId) {
                return Optional.empty();
            }
            policies.requireMutable(repositoryId, tag.value());
            return jdbc.sql("""
                            WITH moved AS (
                                UPDATE tags SET manifest_id = :manifest, updated_at = now()
                                WHERE repository_id = :repository AND name = :name RETURNING 1),
                            left_behind AS (
                                SELECT m.repository_id, m.digest FROM manifests m
                                WHERE m.id = :old AND EXISTS (SELECT 1 FROM moved)),
                            review AS (
                                INSERT INTO gc_manifest_reviews (repository_id, digest)
                                SELECT repository_id, digest FROM left_behind
                                ON CONFLICT (repository_id, digest) DO UPDATE
                                SET queued_at = GREATEST(gc_manifest_reviews.queued_at, EXCLUDED.queued_at))
                            SELECT digest FROM left_behind""")
                    .param("repository", repositoryId)
                    .param("name", tag.value())
                    .param("manifest", manifestId)
                    .param("old", old.get())
                    .query(String.class)
                    .optional();
        }
    }

    /**
     * Removes the tag; the manifest stays, queued for a garbage-collection review. The tag is locked
     * first and deleted by a new statement: one that waited for a push moving the tag would not see
     * the manifest that push stored, and could not queue its review. Runs its own transaction, again
     * when it lost a race; in the caller's when called in one (the caller retries).
     *
     * @throws dev.wharf.oci.OciException 403 {@code DENIED} when the tag is immutable
     */
    public boolean delete(RepositoryName repository, Tag tag) {
        return delete(repository, tag, null);
    }

    /**
     * As {@link #delete(RepositoryName, Tag)}, only when the tag was last pushed at {@code pushedAt}
     * (null: whenever): retention does not remove a tag pushed again since it looked.
     */
    public boolean delete(RepositoryName repository, Tag tag, OffsetDateTime pushedAt) {
        return Conflicts.retryUnlessJoined(3, () -> Boolean.TRUE.equals(transactions.execute(status -> {
            Optional<Long> repositoryId = jdbc.sql("""
                            SELECT t.repository_id FROM tags t JOIN repositories r ON r.id = t.repository_id
                            WHERE r.name = :repository AND t.name = :name
                              AND (CAST(:at AS timestamptz) IS NULL OR t.updated_at = :at) FOR UPDATE OF t""")
                    .param("repository", repository.value())
                    .param("name", tag.value())
                    .param("at", pushedAt)
                    .query(Long.class)
                    .optional();
            repositoryId.ifPresent(id -> policies.requireMutable(id, tag.value()));
            return repositoryId.isPresent() && jdbc.sql("""
                            WITH gone AS (
                                DELETE FROM tags t WHERE t.repository_id = :repository AND t.name = :name
                                RETURNING t.repository_id, t.manifest_id),
                            review AS (
                                INSERT INTO gc_manifest_reviews (repository_id, digest)
                                SELECT m.repository_id, m.digest FROM gone g JOIN manifests m ON m.id = g.manifest_id
                                ON CONFLICT (repository_id, digest) DO UPDATE
                                SET queued_at = GREATEST(gc_manifest_reviews.queued_at, EXCLUDED.queued_at))
                            SELECT count(*) FROM gone""")
                    .param("repository", repositoryId.get())
                    .param("name", tag.value())
                    .query(Long.class)
                    .single() > 0;
        })));
    }

    /**
     * Up to {@code limit} tag names of the repository after {@code last} (exclusive; null: from
     * the first), in byte order, in one round trip that also finds the repository: empty when
     * there is no such repository. (The tag list is read far more often than tags are written; a
     * second query for the repository's id was a second round trip on a second pooled connection.)
     * The same query reads the tag list's version ({@link TagPages}): when it finds the repository
     * and version of the page this replica read last for the same arguments, it reads no tag and
     * that page is the answer (clients that poll tag lists, such as image-update automation, ask
     * for the same page again and again).
     */
    public Optional<List<String>> page(RepositoryName repository, String last, int limit) {
        TagPages.Key key = new TagPages.Key(repository.value(), last == null ? "" : last, limit);
        TagPages.Page kept = pages.get(key);
        List<String> rows = new ArrayList<>();
        long[] read = {-1, -1}; // repository id, version; -1: no such repository
        jdbc.sql("""
                        SELECT r.id, coalesce(v.version, 0), t.name FROM repositories r
                        LEFT JOIN tag_list_versions v ON v.repository_id = r.id
                        LEFT JOIN LATERAL (
                            SELECT name FROM tags WHERE repository_id = r.id AND name > :last
                              AND NOT (r.id = :keptId AND coalesce(v.version, 0) = :keptVersion)
                            ORDER BY name LIMIT :limit) t ON true
                        WHERE r.name = :repository
                        ORDER BY t.name""")
                .param("repository", key.repository())
                .param("last", key.last())
                .param("limit", limit)
                .param("keptId", kept == null ? -1L : kept.repositoryId())
                .param("keptVersion", kept == null ? -1L : kept.version())
                .query(rs -> {
                    read[0] = rs.getLong(1);
                    read[1] = rs.getLong(2);
                    String name = rs.getString(3);
                    if (name != null) {
                        rows.add(name);
                    }
                });
        if (read[0] < 0) {
            return Optional.empty();
        }
        if (kept != null && kept.repositoryId() == read[0] && kept.version() == read[1]) {
            return Optional.of(kept.names());
        }
        List<String> names = List.copyOf(rows);
        pages.put(key, new TagPages.Page(read[0], read[1], names));
        return Optional.of(names);
    }
}
