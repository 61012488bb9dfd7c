package dev.wharf.server.blob;

import dev.wharf.oci.Digest;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.db.Conflicts;
import dev.wharf.server.storage.BlobWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.LongSupplier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Which blobs each repository may see ({@code blobs} and {@code repository_blobs}). A blob is
 * stored once; a repository sees it only after an upload to it or a mount into it linked it.
 *
 * <p>Every statement that adds or removes a link or a blob row is here, and each queues the
 * garbage-collection review the change calls for in the same statement (see
 * {@code db-migrations/V7__gc_review_queues.sql}): a new link is reviewed in case no manifest ever
 * uses it, a removed link leaves its blob to be reviewed. {@link #link} and {@link #mount} are the
 * statements that make links, {@link #removeLinks} the one that removes them (a repository's
 * deletion also cascades to its links) and {@link #deleteUnlinked} the one that deletes blob rows, so
 * whatever must follow such a change (a usage counter) belongs there.
 *
 * <p>Invariant (docs/ARCHITECTURE.md, "Garbage collection"): a blob row that has a link has its
 * bytes in the store. Bytes are removed only while this class holds the digest's row exclusively
 * ({@link #holdAbsent}), and a caller that makes a new link checks the bytes after the link's
 * foreign key locked the row ({@link #link}).
 */
@Component
public class BlobLinks {

    /** Upserts a review: a review queued again is postponed to now. */
    private static final String POSTPONE = "DO UPDATE SET queued_at = GREATEST(%1$s.queued_at, EXCLUDED.queued_at)";

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    /** A link review older than this is postponed by a blob HEAD or GET; 0: never. */
    private final double postponeAfterSeconds;

    public BlobLinks(JdbcClient jdbc, TransactionTemplate transactions,
                     @Value("${wharf.gc.review-delay:24h}") Duration reviewDelay) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.postponeAfterSeconds = reviewDelay.toMillis() / 2000.0;
    }

    /**
     * Links the blob {@code writer} has just committed into the repository {@code repositoryId}
     * names (asked in the transaction: it may create the repository), in a transaction of its own
     * that runs again when it lost a race with the garbage collector, and publishes the bytes again
     * when they went between the commit and the link ({@link #link}). For what stores a blob and
     * links it in one step (a replication import, a pull-through fetch); call before the writer's
     * scratch data is removed.
     *
     * @throws IOException when publishing again fails
     */
    public void linkCommitted(LongSupplier repositoryId, Digest digest, long size, BlobWriter writer)
            throws IOException {
        try {
            Conflicts.retry(4, () -> transactions.execute(status -> {
                if (link(repositoryId.getAsLong(), digest, size)) {
                    try {
                        writer.ensurePublished();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return null;
            }));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * The blob's size when it is linked into the repository.
     *
     * <p>A client that learns here that the repository has a blob may skip uploading it and push a
     * manifest that uses it a moment later (docker does). When the link's garbage-collection review
     * is due within half the review delay, it is postponed by a full delay, so that the manifest
     * finds the link; the check is part of the same query and the postponing statement runs at most
     * once per link per half delay (PERFORMANCE.md measures it).
     */
    public OptionalLong sizeIn(RepositoryName repository, Digest digest) {
        String dueSoon = postponeAfterSeconds <= 0 ? "false" : """
                EXISTS (SELECT 1 FROM gc_link_reviews g WHERE g.repository_id = r.id AND g.digest = rb.digest
                        AND g.queued_at < now() - make_interval(secs => :after))""";
        var found = jdbc.sql("SELECT b.size, r.id, " + dueSoon + """
                         FROM repositories r
                        JOIN repository_blobs rb ON rb.repository_id = r.id
                        JOIN blobs b ON b.digest = rb.digest
                        WHERE r.name = :name AND rb.digest = :digest""")
                .param("name", repository.value())
                .param("digest", digest.toString())
                .param("after", postponeAfterSeconds)
                .query((rs, n) -> new long[] {rs.getLong(1), rs.getLong(2), rs.getBoolean(3) ? 1 : 0})
                .optional();
        if (found.isEmpty()) {
            return OptionalLong.empty();
        }
        if (found.get()[2] == 1) {
            // never waits: a review a collector is working on is skipped
            jdbc.sql("""
                            UPDATE gc_link_reviews SET queued_at = GREATEST(queued_at, now())
                            WHERE (repository_id, digest) IN (SELECT repository_id, digest FROM gc_link_reviews
                                WHERE repository_id = :repository AND digest = :digest FOR UPDATE SKIP LOCKED)""")
                    .param("repository", found.get()[1])
                    .param("digest", digest.toString())
                    .update();
        }
        return OptionalLong.of(found.get()[0]);
    }

    /**
     * Records that the store holds {@code digest} and links it into the repository, queueing (or
     * postponing) the link's review. Call in a transaction, after the bytes are published; when
     * this returns true (a new link), check that the store still holds the bytes before the
     * transaction commits and publish them again if not ({@code BlobWriter.ensurePublished}): the
     * link's foreign key now holds the blob row, so the bytes cannot go any more, but they may have
     * gone between the publish and this statement. An existing link stays at least until the
     * transaction ends: the statement upserts the link's review before it touches the link, and the
     * collector removes a link only under its claimed review, so one that had claimed it finished
     * first and none can claim it before this transaction commits (and postpones it).
     *
     * @return true when the link is new
     * @throws DataAccessException a foreign key violation when the garbage collector deleted the blob
     *                             row meanwhile ({@link Conflicts#isRetryable}: run the transaction again)
     */
    public boolean link(long repositoryId, Digest digest, long size) {
        // the review row is locked before the link (a collector locks them in that order)
        return jdbc.sql("""
                        WITH blob AS (
                            INSERT INTO blobs (digest, size) VALUES (:digest, :size) ON CONFLICT DO NOTHING),
                        review AS (
                            INSERT INTO gc_link_reviews (repository_id, digest) VALUES (:repository, :digest)
                            ON CONFLICT (repository_id, digest) %s RETURNING digest)
                        INSERT INTO repository_blobs (repository_id, digest) SELECT :repository, digest FROM review
                        ON CONFLICT (repository_id, digest) DO NOTHING
                        RETURNING 1""".formatted(POSTPONE.formatted("gc_link_reviews")))
                .param("digest", digest.toString())
                .param("size", size)
                .param("repository", repositoryId)
                .query(Integer.class)
                .optional()
                .isPresent();
    }

    /**
     * Links a blob the source repository can see into the target repository (queueing the new
     * link's review). Call in a transaction.
     *
     * @return the blob's size, or empty when the source repository does not have it
     * @throws DataAccessException a foreign key violation when the garbage collector deleted the
     *                             blob meanwhile: the blob is not mountable any more
     */
    public OptionalLong mount(RepositoryName source, long targetRepositoryId, Digest digest) {
        return jdbc.sql("""
                        WITH source AS (
                            SELECT rb.digest FROM repositories r
                            JOIN repository_blobs rb ON rb.repository_id = r.id
                            WHERE r.name = :source AND rb.digest = :digest),
                        review AS (
                            INSERT INTO gc_link_reviews (repository_id, digest) SELECT :target, digest FROM source
                            ON CONFLICT (repository_id, digest) %s RETURNING digest)
                        INSERT INTO repository_blobs (repository_id, digest) SELECT :target, digest FROM review
                        ON CONFLICT (repository_id, digest) DO UPDATE SET created_at = repository_blobs.created_at
                        RETURNING (SELECT size FROM blobs WHERE digest = :digest)""".formatted(
                        POSTPONE.formatted("gc_link_reviews")))
                .param("target", targetRepositoryId)
                .param("source", source.value())
                .param("digest", digest.toString())
                .query(Long.class)
                .optional()
                .map(OptionalLong::of)
                .orElse(OptionalLong.empty());
    }

    /** Removes the blob from the repository; the bytes stay until garbage collection. */
    public boolean unlink(RepositoryName repository, Digest digest) {
        return !removeLinks("SELECT id, CAST(:digest AS text) FROM repositories WHERE name = :name",
                Map.of("name", repository.value(), "digest", digest.toString()), "").isEmpty();
    }

    /**
     * Which of {@code digests} the repository does not have. The links found are share-locked until
     * the transaction ends, so a concurrent blob delete cannot remove what a manifest is about to
     * reference; a link the garbage collector removed while this waited for it is missing.
     */
    public Set<Digest> missingIn(long repositoryId, Collection<Digest> digests) {
        if (digests.isEmpty()) {
            return Set.of();
        }
        List<String> wanted = digests.stream().map(Digest::toString).distinct().toList();
        Set<String> found = new HashSet<>(jdbc.sql("""
                        SELECT digest FROM repository_blobs
                        WHERE repository_id = :repository AND digest IN (:digests)
                        FOR SHARE""")
                .param("repository", repositoryId)
                .param("digests", wanted)
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

    // ---- for the garbage collector -------------------------------------------------------------

    /** A repository's link to a blob. */
    public record Link(long repositoryId, Digest digest) {
    }

    /**
     * What {@link #removeUnreferenced} removed, and which links another transaction held (a push
     * using them): those are in use now and must be reviewed again.
     */
    public record LinksRemoved(List<Link> removed, List<Link> busy) {
    }

    /** What {@link #deleteUnlinked} deleted (with sizes) and which rows another transaction held. */
    public record BlobsDeleted(Map<Digest, Long> deleted, List<Digest> busy) {
    }

    /**
     * Removes those of {@code candidates} that no manifest of their repository uses; call in a
     * transaction. The links are locked first ({@code FOR UPDATE SKIP LOCKED}: a link a manifest push
     * holds {@code FOR SHARE} is in use, so it is left and reported busy instead of waited for); the
     * references are then checked by a new statement, whose snapshot sees everything committed before
     * the locks were granted. A push that comes later waits for this transaction and finds the link
     * gone. The removed links' blobs are queued for review.
     */
    public LinksRemoved removeUnreferenced(List<Link> candidates) {
        String keys = "SELECT * FROM unnest(CAST(:repositories AS bigint[]), CAST(:digests AS text[]))";
        List<Link> locked = jdbc.sql("""
                        SELECT repository_id, digest FROM repository_blobs WHERE (repository_id, digest) IN (%s)
                        FOR UPDATE SKIP LOCKED""".formatted(keys))
                .params(linkArrays(candidates))
                .query((rs, n) -> new Link(rs.getLong(1), Digest.parse(rs.getString(2))))
                .list();
        List<Link> busy = busy(candidates, locked, "SELECT repository_id, digest FROM repository_blobs"
                + " WHERE (repository_id, digest) IN (" + keys + ")",
                l -> linkArrays(l), (rs, n) -> new Link(rs.getLong(1), Digest.parse(rs.getString(2))));
        if (locked.isEmpty()) {
            return new LinksRemoved(List.of(), busy);
        }
        List<Link> removed = removeLinks(keys, linkArrays(locked), """
                AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
                                WHERE mb.digest = rb.digest AND m.repository_id = rb.repository_id)""");
        return new LinksRemoved(removed, busy);
    }

    /**
     * Deletes the rows of those of {@code digests} that no repository links any more; call in a
     * transaction, and remove the bytes only after it committed, under {@link #holdAbsent}. The rows
     * are locked first ({@code FOR UPDATE SKIP LOCKED}: a row whose link is being made is held by
     * that link's foreign key, so it is in use and reported busy); the links are checked by a new
     * statement. A link made later fails its foreign key.
     */
    public BlobsDeleted deleteUnlinked(List<Digest> digests) {
        List<Digest> locked = jdbc.sql("""
                        SELECT digest FROM blobs WHERE digest = ANY(CAST(:digests AS text[])) FOR UPDATE SKIP LOCKED""")
                .param("digests", strings(digests))
                .query((rs, n) -> Digest.parse(rs.getString(1)))
                .list();
        List<Digest> busy = busy(digests, locked, "SELECT digest FROM blobs WHERE digest = ANY(CAST(:digests AS text[]))",
                d -> Map.of("digests", strings(d)), (rs, n) -> Digest.parse(rs.getString(1)));
        Map<Digest, Long> deleted = new HashMap<>();
        if (!locked.isEmpty()) {
            jdbc.sql("""
                            DELETE FROM blobs b WHERE digest = ANY(CAST(:digests AS text[]))
                              AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest)
                            RETURNING digest, size""")
                    .param("digests", strings(locked))
                    .query((rs, n) -> deleted.put(Digest.parse(rs.getString(1)), rs.getLong(2)))
                    .list();
        }
        return new BlobsDeleted(deleted, busy);
    }

    /**
     * Takes those of {@code digests} that have no blob row by inserting placeholder rows, in the
     * caller's transaction, which must roll back. While it is open no link to them can be made (an
     * upload's insert of the row waits for it and then checks the bytes; a mount fails its foreign
     * key), so their bytes may be removed.
     *
     * @return the digests taken; the others have a row, and their bytes must stay
     */
    public Set<Digest> holdAbsent(Collection<Digest> digests) {
        if (digests.isEmpty()) {
            return Set.of();
        }
        return new HashSet<>(jdbc.sql("""
                        INSERT INTO blobs (digest, size) SELECT d, 0 FROM unnest(CAST(:digests AS text[])) AS d
                        ON CONFLICT DO NOTHING RETURNING digest""")
                .param("digests", strings(digests))
                .query((rs, n) -> Digest.parse(rs.getString(1)))
                .list());
    }

    /** Which of {@code digests} have a blob row. */
    public Set<Digest> known(Collection<Digest> digests) {
        if (digests.isEmpty()) {
            return Set.of();
        }
        return new HashSet<>(jdbc.sql("SELECT digest FROM blobs WHERE digest = ANY(CAST(:digests AS text[]))")
                .param("digests", strings(digests))
                .query((rs, n) -> Digest.parse(rs.getString(1)))
                .list());
    }

    /** Those of {@code all} that {@code locked} misses and that still exist: another transaction holds them. */
    private <T> List<T> busy(List<T> all, List<T> locked, String existing,
                             java.util.function.Function<List<T>, Map<String, Object>> params,
                             org.springframework.jdbc.core.RowMapper<T> mapper) {
        List<T> missed = new ArrayList<>(all);
        missed.removeAll(locked);
        if (missed.isEmpty()) {
            return List.of();
        }
        return jdbc.sql(existing).params(params.apply(missed)).query(mapper).list();
    }

    private static Map<String, Object> linkArrays(List<Link> links) {
        return Map.of("repositories", links.stream().mapToLong(Link::repositoryId).boxed().toArray(Long[]::new),
                "digests", links.stream().map(l -> l.digest().toString()).toArray(String[]::new));
    }

    private static String[] strings(Collection<Digest> digests) {
        return digests.stream().map(Digest::toString).toArray(String[]::new);
    }

    /**
     * The one statement that removes links (besides a repository's deletion, which cascades): deletes
     * the links whose (repository id, digest) {@code keys} (a query over {@code params}) names when
     * {@code condition} (over {@code rb}) holds, and queues their blobs' reviews.
     *
     * @return the links removed
     */
    private List<Link> removeLinks(String keys, Map<String, Object> params, String condition) {
        return jdbc.sql("""
                        WITH gone AS (
                            DELETE FROM repository_blobs rb WHERE (rb.repository_id, rb.digest) IN (%s) %s
                            RETURNING rb.repository_id, rb.digest),
                        review AS (
                            INSERT INTO gc_blob_reviews (digest) SELECT DISTINCT digest FROM gone
                            ON CONFLICT (digest) %s)
                        SELECT repository_id, digest FROM gone""".formatted(keys, condition,
                        POSTPONE.formatted("gc_blob_reviews")))
                .params(params)
                .query((rs, n) -> new Link(rs.getLong(1), Digest.parse(rs.getString(2))))
                .list();
    }
}
