package dev.wharf.server.proxy;

import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import dev.wharf.server.blob.BlobLinks;
import dev.wharf.server.catalog.Repositories;
import dev.wharf.server.manifest.Manifests;
import dev.wharf.server.storage.BlobWriter;
import dev.wharf.server.tag.Tags;
import java.io.IOException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the caches hold, in the ordinary tables (a cached image is a manifest, tags and blob links
 * of a repository in the cache's namespace) plus the caches' own: when a tag was last confirmed
 * upstream ({@code proxy_tags}) and when a manifest was last pulled ({@code proxy_pulls}).
 * Writes go through the features that own the tables ({@link Manifests}, {@link Tags},
 * {@link BlobLinks}), so what they record for garbage collection is recorded for cached content too.
 */
@Component
class CacheContents {

    /** A cached manifest under a tag, with when the tag was last confirmed upstream (null: never). */
    record Tagged(long repositoryId, Manifests.Stored manifest, Instant checkedAt) {
    }

    /** A manifest eviction may take, and the repository it is in. */
    record Victim(long repositoryId, String repository, Digest digest) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final Repositories repositories;
    private final Manifests manifests;
    private final Tags tags;
    private final BlobLinks links;
    private final Clock clock;

    CacheContents(JdbcClient jdbc, TransactionTemplate transactions, Repositories repositories, Manifests manifests,
                  Tags tags, BlobLinks links, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.repositories = repositories;
        this.manifests = manifests;
        this.tags = tags;
        this.links = links;
        this.clock = clock;
    }

    Optional<Tagged> tagged(RepositoryName repository, Tag tag) {
        return jdbc.sql("""
                        SELECT r.id, m.id, m.digest, m.media_type, m.content, pt.checked_at FROM repositories r
                        JOIN tags t ON t.repository_id = r.id
                        JOIN manifests m ON m.id = t.manifest_id
                        LEFT JOIN proxy_tags pt ON pt.repository_id = r.id AND pt.tag = t.name
                        WHERE r.name = :repository AND t.name = :tag""")
                .param("repository", repository.value())
                .param("tag", tag.value())
                .query((rs, n) -> {
                    Timestamp checked = rs.getTimestamp(6);
                    return new Tagged(rs.getLong(1), new Manifests.Stored(rs.getLong(2), Digest.parse(rs.getString(3)),
                            rs.getString(4), rs.getBytes(5)), checked == null ? null : checked.toInstant());
                })
                .optional();
    }

    /** A cached manifest by digest, with its repository's id. */
    Optional<Stored> byDigest(RepositoryName repository, Digest digest) {
        return jdbc.sql("""
                        SELECT r.id, m.id, m.media_type, m.content FROM repositories r
                        JOIN manifests m ON m.repository_id = r.id
                        WHERE r.name = :repository AND m.digest = :digest""")
                .param("repository", repository.value())
                .param("digest", digest.toString())
                .query((rs, n) -> new Stored(rs.getLong(1), new Manifests.Stored(rs.getLong(2), digest, rs.getString(3),
                        rs.getBytes(4))))
                .optional();
    }

    /** Points a cached tag at another cached manifest, confirmed now. */
    void retag(long repositoryId, Tag tag, long manifestId) {
        transactions.executeWithoutResult(status -> {
            tags.set(repositoryId, tag, manifestId);
            confirmed(repositoryId, tag);
        });
    }

    /** Records that the upstream confirmed the tag now. */
    void confirmed(long repositoryId, Tag tag) {
        jdbc.sql("""
                        INSERT INTO proxy_tags (repository_id, tag, checked_at) VALUES (:repository, :tag, :now)
                        ON CONFLICT (repository_id, tag) DO UPDATE SET checked_at = EXCLUDED.checked_at""")
                .param("repository", repositoryId)
                .param("tag", tag.value())
                .param("now", Timestamp.from(clock.instant()))
                .update();
    }

    /**
     * Stores a manifest fetched from the upstream, tagged {@code tag} (confirmed now) when not null.
     *
     * @return the stored manifest and its repository's id
     */
    Stored store(RepositoryName repository, ManifestPayload manifest, Tag tag) {
        return transactions.execute(status -> {
            long repositoryId = repositories.ensure(repository);
            long id = manifests.insert(repositoryId, manifest, tag == null);
            if (tag != null) {
                tags.set(repositoryId, tag, id);
                confirmed(repositoryId, tag);
            }
            return new Stored(repositoryId, new Manifests.Stored(id, manifest.digest(), manifest.mediaType(), manifest.bytes()));
        });
    }

    record Stored(long repositoryId, Manifests.Stored manifest) {
    }

    /** Removes a tag the upstream no longer has. */
    void untag(RepositoryName repository, Tag tag) {
        tags.delete(repository, tag);
    }

    /** The blob's size when it is linked into the repository. */
    OptionalLong linked(RepositoryName repository, Digest digest) {
        return links.sizeIn(repository, digest);
    }

    /**
     * The blob's size when a repository of {@code cache} holds it: it came from the same upstream,
     * so any repository of the cache may have it without fetching it again.
     */
    OptionalLong inCache(String cache, Digest digest) {
        return jdbc.sql("""
                        SELECT b.size FROM repository_blobs rb
                        JOIN repositories r ON r.id = rb.repository_id
                        JOIN blobs b ON b.digest = rb.digest
                        WHERE rb.digest = :digest AND r.name >= :low AND r.name < :high
                        LIMIT 1""")
                .param("digest", digest.toString())
                .params(range(cache))
                .query(Long.class)
                .optional()
                .map(OptionalLong::of)
                .orElse(OptionalLong.empty());
    }

    /** Links a stored blob into the repository (created when new). */
    void link(RepositoryName repository, Digest digest, long size) {
        transactions.executeWithoutResult(status -> links.link(repositories.ensure(repository), digest, size));
    }

    /**
     * Links the blob {@code writer} has just committed into the repository (created when new),
     * publishing it again if the collector removed it since the commit ({@link BlobLinks#linkCommitted}).
     */
    void linkCommitted(RepositoryName repository, Digest digest, long size, BlobWriter writer) throws IOException {
        links.linkCommitted(() -> repositories.ensure(repository), digest, size, writer);
    }

    /**
     * What {@code cache} holds: the bytes of its manifests and of the distinct blobs they refer to
     * that are linked into its repositories (a blob shared by several cached images counts once;
     * one of an evicted image no longer counts, whether or not garbage collection removed it yet).
     */
    long usedBytes(String cache) {
        return jdbc.sql("""
                        WITH repos AS (SELECT id FROM repositories WHERE name >= :low AND name < :high),
                             ms AS (SELECT m.id, m.repository_id, octet_length(m.content) AS size FROM manifests m
                                    WHERE m.repository_id IN (SELECT id FROM repos)),
                             used AS (SELECT DISTINCT mb.digest FROM manifest_blobs mb JOIN ms ON ms.id = mb.manifest_id
                                      JOIN repository_blobs rb ON rb.repository_id = ms.repository_id AND rb.digest = mb.digest)
                        SELECT COALESCE((SELECT sum(size) FROM ms), 0)
                             + COALESCE((SELECT sum(b.size) FROM blobs b JOIN used u ON u.digest = b.digest), 0)""")
                .params(range(cache))
                .query(Long.class)
                .single();
    }

    /**
     * The manifests of {@code cache} pulled least recently (never pulled: by when they were
     * cached) that eviction takes whole: those no index of their repository lists (a platform's
     * manifest goes with its index) and that are no referrer of a manifest still there (a
     * signature goes with its image).
     */
    List<Victim> leastRecentlyPulled(String cache, int limit) {
        return jdbc.sql("""
                        SELECT m.repository_id, r.name, m.digest FROM manifests m
                        JOIN repositories r ON r.id = m.repository_id
                        LEFT JOIN proxy_pulls p ON p.repository_id = m.repository_id AND p.digest = m.digest
                        WHERE r.name >= :low AND r.name < :high
                          AND NOT EXISTS (SELECT 1 FROM manifest_children mc JOIN manifests parent ON parent.id = mc.parent_id
                                          WHERE mc.child_digest = m.digest AND parent.repository_id = m.repository_id)
                          AND (m.subject_digest IS NULL OR NOT EXISTS (SELECT 1 FROM manifests s
                               WHERE s.repository_id = m.repository_id AND s.digest = m.subject_digest))
                        ORDER BY COALESCE(p.last_pulled_at, m.created_at), m.id
                        LIMIT :limit""")
                .params(range(cache))
                .param("limit", limit)
                .query((rs, n) -> new Victim(rs.getLong(1), rs.getString(2), Digest.parse(rs.getString(3))))
                .list();
    }

    /**
     * What goes with {@code victim}: the children no other index of the repository lists, and the
     * manifests that refer to it (or to those children), recursively.
     */
    List<Digest> dependents(Victim victim) {
        return jdbc.sql("""
                        WITH RECURSIVE gone(digest) AS (
                            SELECT CAST(:digest AS text) COLLATE "C"
                            UNION
                            SELECT x.digest FROM gone g
                            JOIN LATERAL (
                                SELECT mc.child_digest AS digest FROM manifests p
                                JOIN manifest_children mc ON mc.parent_id = p.id
                                WHERE p.repository_id = :repository AND p.digest = g.digest
                                  AND NOT EXISTS (SELECT 1 FROM manifest_children other JOIN manifests op ON op.id = other.parent_id
                                                  WHERE other.child_digest = mc.child_digest AND op.repository_id = :repository
                                                    AND op.digest <> p.digest)
                                UNION ALL
                                SELECT f.digest FROM manifests f
                                WHERE f.repository_id = :repository AND f.subject_digest = g.digest) x ON true)
                        SELECT digest FROM gone WHERE digest <> :digest""")
                .param("digest", victim.digest().toString())
                .param("repository", victim.repositoryId())
                .query((rs, n) -> Digest.parse(rs.getString(1)))
                .list();
    }

    /** Deletes a cached manifest (its tags go with it); what it leaves unreferenced is garbage collection's. */
    boolean evict(String repository, Digest digest) {
        return manifests.delete(RepositoryName.of(repository), digest);
    }

    /** Records pulls: the newest time per manifest wins. Manifests deleted meanwhile are skipped. */
    void recordPulls(List<Long> repositoryIds, List<String> digests, List<Long> epochMillis) {
        jdbc.sql("""
                        INSERT INTO proxy_pulls (repository_id, digest, last_pulled_at)
                        SELECT k.r, k.d, to_timestamp(k.t / 1000.0)
                        FROM unnest(CAST(:repositories AS bigint[]), CAST(:digests AS text[]),
                                    CAST(:times AS bigint[])) AS k(r, d, t)
                        WHERE EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = k.r AND m.digest = k.d)
                        ON CONFLICT (repository_id, digest) DO UPDATE
                        SET last_pulled_at = GREATEST(proxy_pulls.last_pulled_at, EXCLUDED.last_pulled_at)""")
                .param("repositories", repositoryIds.toArray(Long[]::new))
                .param("digests", digests.toArray(String[]::new))
                .param("times", epochMillis.toArray(Long[]::new))
                .update();
    }

    /** How many repositories {@code cache} holds. */
    long repositoryCount(String cache) {
        return jdbc.sql("SELECT count(*) FROM repositories WHERE name >= :low AND name < :high")
                .params(range(cache))
                .query(Long.class)
                .single();
    }

    /** Serialises the eviction of {@code cache} across replicas until the caller's transaction ends; false when busy. */
    boolean tryLockEviction(String cache) {
        return Boolean.TRUE.equals(jdbc.sql("SELECT pg_try_advisory_xact_lock(hashtextextended('wharf.proxy.evict:' || :name, 0))")
                .param("name", cache)
                .query(Boolean.class)
                .single());
    }

    private static Map<String, Object> range(String cache) {
        // the repositories below <cache>/ ('0' follows '/'); the bare namespace names nothing upstream
        return Map.of("low", cache + "/", "high", cache + "0");
    }
}
