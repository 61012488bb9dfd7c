package dev.wharf.server.manifest;

import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import dev.wharf.server.db.Conflicts;
import dev.wharf.server.policy.NamespacePolicies;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.core.support.SqlBinaryValue;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code manifests} table and its reference tables ({@code manifest_blobs},
 * {@code manifest_children}). Plain SQL: reads are single indexed queries on the hot path, and
 * writes need {@code ON CONFLICT} to stay idempotent under concurrent pushes of the same manifest.
 */
@Component
public class Manifests {

    /** A manifest as stored: the exact bytes and what they were pushed as. */
    public record Stored(long id, Digest digest, String mediaType, byte[] content) {
    }

    /** A manifest whose subject is a given digest, as the referrers API lists it. */
    public record Referrer(String mediaType, Digest digest, long size, String artifactType,
                           Map<String, String> annotations) {
    }

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final NamespacePolicies policies;
    private final TransactionTemplate transactions;

    public Manifests(JdbcClient jdbc, JsonMapper json, TransactionTemplate transactions, NamespacePolicies policies) {
        this.jdbc = jdbc;
        this.json = json;
        this.transactions = transactions;
        this.policies = policies;
    }

    public Optional<Stored> findByTag(RepositoryName repository, Tag tag) {
        return jdbc.sql("""
                        SELECT m.id, m.digest, m.media_type, m.content FROM repositories r
                        JOIN tags t ON t.repository_id = r.id
                        JOIN manifests m ON m.id = t.manifest_id
                        WHERE r.name = :repository AND t.name = :tag""")
                .param("repository", repository.value())
                .param("tag", tag.value())
                .query((rs, n) -> new Stored(rs.getLong(1), Digest.parse(rs.getString(2)), rs.getString(3), rs.getBytes(4)))
                .optional();
    }

    public Optional<Stored> findByDigest(RepositoryName repository, Digest digest) {
        return jdbc.sql("""
                        SELECT m.id, m.media_type, m.content FROM repositories r
                        JOIN manifests m ON m.repository_id = r.id
                        WHERE r.name = :repository AND m.digest = :digest""")
                .param("repository", repository.value())
                .param("digest", digest.toString())
                .query((rs, n) -> new Stored(rs.getLong(1), digest, rs.getString(2), rs.getBytes(3)))
                .optional();
    }

    /** Those of {@code digests} that are manifests of the repository, in no particular order. */
    public List<Stored> findAll(RepositoryName repository, Collection<Digest> digests) {
        if (digests.isEmpty()) {
            return List.of();
        }
        return jdbc.sql("""
                        SELECT m.id, m.digest, m.media_type, m.content FROM repositories r
                        JOIN manifests m ON m.repository_id = r.id
                        WHERE r.name = :repository AND m.digest = ANY(CAST(:digests AS text[]))""")
                .param("repository", repository.value())
                .param("digests", digests.stream().map(Digest::toString).distinct().toArray(String[]::new))
                .query((rs, n) -> new Stored(rs.getLong(1), Digest.parse(rs.getString(2)), rs.getString(3), rs.getBytes(4)))
                .list();
    }

    /**
     * Which of {@code digests} are not manifests of the repository. Found rows are share-locked
     * until the transaction ends, so they cannot be deleted under a manifest that refers to them.
     */
    public Set<Digest> missingIn(long repositoryId, Collection<Digest> digests) {
        if (digests.isEmpty()) {
            return Set.of();
        }
        Set<String> found = new HashSet<>(jdbc.sql("""
                        SELECT digest FROM manifests WHERE repository_id = :repository AND digest IN (:digests)
                        FOR SHARE""")
                .param("repository", repositoryId)
                .param("digests", digests.stream().map(Digest::toString).distinct().toList())
                .query(String.class)
                .list());
        Set<Digest> missing = new HashSet<>();
        for (Digest d : digests) {
            if (!found.contains(d.toString())) {
                missing.add(d);
            }
        }
        return missing;
    }

    /**
     * Stores the manifest and its references, unless the repository already holds these exact bytes;
     * then the existing row is share-locked ({@code FOR KEY SHARE}, as a tag's foreign key would)
     * until the transaction ends, so the garbage collector cannot remove it under the push, while
     * concurrent pushes of the same manifest do not wait for each other. A manifest pushed without a
     * tag ({@code untagged}) is queued for a garbage-collection review (before the manifest row is
     * locked: the collector takes the review first, too).
     *
     * @return the manifest's id
     */
    public long insert(long repositoryId, ManifestPayload manifest, boolean untagged) {
        Descriptor subject = manifest.subject();
        ManifestPayload.Span span = manifest.annotationsSpan();
        // the annotations column is cut out of the stored bytes by PostgreSQL when the parser knows
        // where they lie: no second serialisation of a (possibly 4 MiB) map in the JVM
        Optional<Long> created = jdbc.sql("""
                        WITH review AS (
                            INSERT INTO gc_manifest_reviews (repository_id, digest)
                            SELECT :repository, :digest WHERE CAST(:untagged AS boolean)
                            ON CONFLICT (repository_id, digest) DO UPDATE
                            SET queued_at = GREATEST(gc_manifest_reviews.queued_at, EXCLUDED.queued_at)
                            RETURNING 1)
                        INSERT INTO manifests (repository_id, digest, media_type, content, artifact_type, subject_digest, annotations)
                        SELECT :repository, :digest, :mediaType, v.content, :artifactType, :subject,
                               COALESCE(CAST(:annotations AS json), CAST(convert_from(substring(v.content
                                   FROM CAST(:annotationsFrom AS int) FOR CAST(:annotationsLength AS int)), 'UTF8') AS json))
                        FROM (SELECT CAST(:content AS bytea) AS content, (SELECT count(*) FROM review) AS queued) AS v
                        ON CONFLICT (repository_id, digest) DO NOTHING
                        RETURNING id""")
                .param("untagged", untagged)
                .param("repository", repositoryId)
                .param("digest", manifest.digest().toString())
                .param("mediaType", manifest.mediaType())
                // as a stream of known length: the driver sends it as is (setBytes would copy the array)
                .param("content", new SqlBinaryValue(new ByteArrayInputStream(manifest.bytes()), manifest.bytes().length))
                .param("artifactType", manifest.effectiveArtifactType())
                .param("subject", subject == null ? null : subject.digest().toString())
                .param("annotations", manifest.annotations().isEmpty() || span != null ? null
                        : json.writeValueAsString(manifest.annotations()))
                .param("annotationsFrom", span == null ? null : span.offset() + 1)
                .param("annotationsLength", span == null ? null : span.length())
                .query(Long.class)
                .optional();
        if (created.isEmpty()) {
            Optional<Long> existing = jdbc.sql("""
                            SELECT id FROM manifests WHERE repository_id = :repository AND digest = :digest
                            FOR KEY SHARE""")
                    .param("repository", repositoryId)
                    .param("digest", manifest.digest().toString())
                    .query(Long.class)
                    .optional();
            if (existing.isPresent()) {
                return existing.get();
            }
            // the collector deleted it after the insert found it: store it again
            return insert(repositoryId, manifest, false);
        }
        long id = created.get();
        String[] blobs = manifest.blobs().stream().map(d -> d.digest().toString()).distinct().toArray(String[]::new);
        if (blobs.length > 0) {
            jdbc.sql("""
                            INSERT INTO manifest_blobs (manifest_id, digest)
                            SELECT :id, d FROM unnest(CAST(:digests AS text[])) AS d ON CONFLICT DO NOTHING""")
                    .param("id", id)
                    .param("digests", blobs)
                    .update();
        }
        String[] children = manifest.manifests().stream().map(d -> d.digest().toString()).distinct().toArray(String[]::new);
        if (children.length > 0) {
            jdbc.sql("""
                            INSERT INTO manifest_children (parent_id, child_digest)
                            SELECT :id, d FROM unnest(CAST(:digests AS text[])) AS d ON CONFLICT DO NOTHING""")
                    .param("id", id)
                    .param("digests", children)
                    .update();
        }
        return id;
    }

    /**
     * Deletes the manifest, its tags and its references, and queues the garbage-collection reviews
     * this calls for. Runs its own transaction, again when it lost a race; in the caller's when
     * called in one (the caller retries).
     *
     * @throws dev.wharf.oci.OciException 403 {@code DENIED} when one of its tags is immutable
     */
    public boolean delete(RepositoryName repository, Digest digest) {
        // locked first, deleted by a new statement: one that waited for a referrer being pushed
        // would not see that referrer, and could not queue its review
        return Conflicts.retryUnlessJoined(3, () -> Boolean.TRUE.equals(transactions.execute(status -> {
            Optional<Long> id = jdbc.sql("""
                            SELECT m.id FROM manifests m JOIN repositories r ON r.id = m.repository_id
                            WHERE r.name = :repository AND m.digest = :digest FOR UPDATE OF m""")
                    .param("repository", repository.value())
                    .param("digest", digest.toString())
                    .query(Long.class)
                    .optional();
            id.ifPresent(policies::requireNoImmutableTag);
            return id.isPresent() && !deleteQueueingReviews("m.id = :id", Map.of("id", id.get())).isEmpty();
        })));
    }

    /**
     * Share-locks the manifest {@code subject} of the repository when it exists, until the
     * transaction ends: a referrer being pushed keeps its subject from being deleted meanwhile, so
     * whoever deletes the subject afterwards sees the referrer and queues its review.
     */
    public void lockSubject(long repositoryId, Digest subject) {
        jdbc.sql("SELECT 1 FROM manifests WHERE repository_id = :repository AND digest = :digest FOR KEY SHARE")
                .param("repository", repositoryId)
                .param("digest", subject.toString())
                .query(Integer.class)
                .optional();
    }

    /** A manifest of a repository, by digest. */
    public record Key(long repositoryId, Digest digest) {
    }

    /** What {@link #deleteUnreferenced} deleted, and which manifests another transaction held. */
    public record Deleted(List<Key> deleted, List<Key> busy) {
    }

    /**
     * Deletes those of {@code candidates} that nothing refers to: no tag, no index of their
     * repository, no living subject (a referrer goes with its subject; a manifest's referrers do not
     * keep it). Call in a transaction. The manifests are locked first ({@code FOR UPDATE SKIP
     * LOCKED}: one a push holds, to tag it, list it in an index or push it again, is in use and
     * reported busy), then references are checked by a new statement. Reviews of what the deleted
     * manifests referred to are queued.
     */
    public Deleted deleteUnreferenced(List<Key> candidates) {
        String keys = "SELECT * FROM unnest(CAST(:repositories AS bigint[]), CAST(:digests AS text[]))";
        List<Long> ids = new ArrayList<>();
        List<Key> locked = new ArrayList<>();
        jdbc.sql("""
                        SELECT id, repository_id, digest FROM manifests WHERE (repository_id, digest) IN (%s)
                        FOR UPDATE SKIP LOCKED""".formatted(keys))
                .params(keyArrays(candidates))
                .query((rs, n) -> {
                    ids.add(rs.getLong(1));
                    return locked.add(new Key(rs.getLong(2), Digest.parse(rs.getString(3))));
                })
                .list();
        List<Key> missed = new ArrayList<>(candidates);
        missed.removeAll(locked);
        List<Key> busy = missed.isEmpty() ? List.of() : jdbc.sql(
                        "SELECT repository_id, digest FROM manifests WHERE (repository_id, digest) IN (" + keys + ")")
                .params(keyArrays(missed))
                .query((rs, n) -> new Key(rs.getLong(1), Digest.parse(rs.getString(2))))
                .list();
        if (ids.isEmpty()) {
            return new Deleted(List.of(), busy);
        }
        return new Deleted(deleteQueueingReviews("""
                m.id = ANY(CAST(:ids AS bigint[]))
                AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.manifest_id = m.id)
                AND NOT EXISTS (SELECT 1 FROM manifest_children mc JOIN manifests p ON p.id = mc.parent_id
                                WHERE mc.child_digest = m.digest AND p.repository_id = m.repository_id)
                AND (m.subject_digest IS NULL OR NOT EXISTS (SELECT 1 FROM manifests s
                     WHERE s.repository_id = m.repository_id AND s.digest = m.subject_digest))""",
                Map.of("ids", ids.toArray(Long[]::new))), busy);
    }

    private static Map<String, Object> keyArrays(List<Key> keys) {
        return Map.of("repositories", keys.stream().mapToLong(Key::repositoryId).boxed().toArray(Long[]::new),
                "digests", keys.stream().map(k -> k.digest().toString()).toArray(String[]::new));
    }

    /**
     * Deletes the manifests matching {@code condition} (over {@code m}), which takes their tags and
     * references with them, and queues reviews of what they referred to: the links of their blobs,
     * their children, their referrers. One statement: every part sees the references as they were.
     *
     * @return the manifests deleted
     */
    private List<Key> deleteQueueingReviews(String condition, Map<String, Object> params) {
        return jdbc.sql("""
                        WITH gone AS (
                            DELETE FROM manifests m WHERE %s RETURNING m.id, m.repository_id, m.digest),
                        links AS (
                            INSERT INTO gc_link_reviews (repository_id, digest)
                            SELECT DISTINCT g.repository_id, mb.digest FROM gone g
                            JOIN manifest_blobs mb ON mb.manifest_id = g.id
                            ON CONFLICT (repository_id, digest) DO UPDATE
                            SET queued_at = GREATEST(gc_link_reviews.queued_at, EXCLUDED.queued_at)),
                        related AS (
                            INSERT INTO gc_manifest_reviews (repository_id, digest)
                            SELECT DISTINCT g.repository_id, x.digest FROM gone g
                            JOIN LATERAL (
                                SELECT mc.child_digest AS digest FROM manifest_children mc WHERE mc.parent_id = g.id
                                UNION
                                SELECT f.digest FROM manifests f
                                WHERE f.repository_id = g.repository_id AND f.subject_digest = g.digest) x ON true
                            WHERE NOT EXISTS (SELECT 1 FROM gone o WHERE o.repository_id = g.repository_id
                                              AND o.digest = x.digest)
                            ON CONFLICT (repository_id, digest) DO UPDATE
                            SET queued_at = GREATEST(gc_manifest_reviews.queued_at, EXCLUDED.queued_at))
                        SELECT repository_id, digest FROM gone""".formatted(condition))
                .params(params)
                .query((rs, n) -> new Key(rs.getLong(1), Digest.parse(rs.getString(2))))
                .list();
    }

    /**
     * Manifests of the repository whose subject is {@code subject}, in digest order after
     * {@code last}, optionally only those of one artifact type.
     */
    public List<Referrer> referrers(RepositoryName repository, Digest subject, String artifactType, String last,
                                    int limit) {
        return jdbc.sql("""
                        SELECT m.media_type, m.digest, octet_length(m.content), m.artifact_type, m.annotations::text
                        FROM repositories r JOIN manifests m ON m.repository_id = r.id
                        WHERE r.name = :repository AND m.subject_digest = :subject AND m.digest > :last
                          AND (CAST(:artifactType AS text) IS NULL OR m.artifact_type = :artifactType)
                        ORDER BY m.digest LIMIT :limit""")
                .param("repository", repository.value())
                .param("subject", subject.toString())
                .param("last", last == null ? "" : last)
                .param("artifactType", artifactType)
                .param("limit", limit)
                .query((rs, n) -> new Referrer(rs.getString(1), Digest.parse(rs.getString(2)), rs.getLong(3),
                        rs.getString(4), annotations(rs.getString(5))))
                .list();
    }

    @SuppressWarnings("unchecked")
    private Map<String, String> annotations(String text) {
        return text == null ? Map.of() : json.readValue(text, Map.class);
    }
}
