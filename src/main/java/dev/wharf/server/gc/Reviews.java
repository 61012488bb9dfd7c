package dev.wharf.server.gc;

import dev.wharf.oci.Digest;
import java.util.List;
import java.util.Locale;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The collector's side of the review queues ({@code db-migrations/V7__gc_review_queues.sql}; the
 * features that change references queue the reviews). Due means {@code queued_at} is at least the
 * review delay ago by PostgreSQL's clock, so replicas agree whatever their own clocks say.
 */
@Component
class Reviews {

    /** The three queues, reviewed in this order (each kind's deletions queue reviews of the next). */
    enum Kind {
        MANIFEST("gc_manifest_reviews", "repository_id, digest"),
        LINK("gc_link_reviews", "repository_id, digest"),
        BLOB("gc_blob_reviews", "digest");

        final String table;
        final String key;

        Kind(String table, String key) {
            this.table = table;
            this.key = key;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A claimed review; {@code repositoryId} is 0 for a blob. */
    record Review(Kind kind, long repositoryId, Digest digest, int attempts) {
        @Override
        public String toString() {
            return kind.label() + " " + (kind == Kind.BLOB ? "" : "in repository " + repositoryId + " ") + digest;
        }
    }

    /** How long a queue is and how overdue its oldest due review is (0 when none is due). */
    record Depth(long reviews, double oldestDueSeconds) {
    }

    private final JdbcClient jdbc;
    private final double delaySeconds;

    Reviews(JdbcClient jdbc, GcProperties properties) {
        this.jdbc = jdbc;
        this.delaySeconds = properties.reviewDelaySeconds();
    }

    /**
     * Takes up to {@code limit} of the most overdue reviews of {@code kind} that no other transaction
     * holds and deletes them, in the caller's transaction: when that transaction rolls back, they are
     * back.
     */
    List<Review> claim(Kind kind, int limit) {
        return jdbc.sql("""
                        DELETE FROM %1$s WHERE (%2$s) IN (
                            SELECT %2$s FROM %1$s WHERE queued_at <= now() - make_interval(secs => :delay)
                            ORDER BY queued_at LIMIT :limit FOR UPDATE SKIP LOCKED)
                        RETURNING %2$s, attempts""".formatted(kind.table, kind.key))
                .param("delay", delaySeconds)
                .param("limit", limit)
                .query((rs, n) -> kind == Kind.BLOB
                        ? new Review(kind, 0, Digest.parse(rs.getString(1)), rs.getInt(2))
                        : new Review(kind, rs.getLong(1), Digest.parse(rs.getString(2)), rs.getInt(3)))
                .list();
    }

    /**
     * Queues claimed reviews again, in the caller's transaction, due in a second: what they are
     * about was held by another transaction (a push using it), so it is in use now; a second later
     * that push has committed (it refers to it now) or failed.
     */
    void again(Kind kind, List<Review> reviews) {
        if (reviews.isEmpty()) {
            return;
        }
        jdbc.sql("""
                        INSERT INTO %1$s (%2$s, queued_at)
                        SELECT %3$s, now() - make_interval(secs => :delay) + interval '1 second'
                        FROM unnest(CAST(:repositories AS bigint[]), CAST(:digests AS text[])) AS k(repository_id, digest)
                        ON CONFLICT (%2$s) DO UPDATE SET queued_at = GREATEST(%1$s.queued_at, EXCLUDED.queued_at)"""
                        .formatted(kind.table, kind.key, kind == Kind.BLOB ? "k.digest" : "k.repository_id, k.digest"))
                .param("delay", delaySeconds)
                .param("repositories", reviews.stream().mapToLong(Review::repositoryId).boxed().toArray(Long[]::new))
                .param("digests", reviews.stream().map(r -> r.digest().toString()).toArray(String[]::new))
                .update();
    }

    /**
     * Records that a review failed (its transaction rolled back, so it is queued again as it was):
     * it becomes due again after a backoff that doubles with each failure, from 1 s up to 1 h,
     * unless it was queued again meanwhile.
     */
    void failed(Review review) {
        double backoff = Math.min(3600, Math.pow(2, Math.min(review.attempts(), 12)));
        jdbc.sql("""
                        UPDATE %s SET attempts = attempts + 1,
                            queued_at = GREATEST(queued_at, now() - make_interval(secs => :delay) + make_interval(secs => :backoff))
                        WHERE %s""".formatted(review.kind().table, review.kind() == Kind.BLOB
                        ? "digest = :digest" : "repository_id = :repository AND digest = :digest"))
                .param("delay", delaySeconds)
                .param("backoff", backoff)
                .param("repository", review.repositoryId())
                .param("digest", review.digest().toString())
                .update();
    }

    /** How many reviews of all kinds are due. */
    long due() {
        long due = 0;
        for (Kind kind : Kind.values()) {
            due += jdbc.sql("SELECT count(*) FROM %s WHERE queued_at <= now() - make_interval(secs => :delay)"
                            .formatted(kind.table))
                    .param("delay", delaySeconds)
                    .query(Long.class)
                    .single();
        }
        return due;
    }

    /** The length of the queue of {@code kind} and the age of its most overdue review. */
    Depth depth(Kind kind) {
        return jdbc.sql("""
                        SELECT count(*), COALESCE(GREATEST(0, EXTRACT(EPOCH FROM
                            now() - make_interval(secs => :delay) - min(queued_at))), 0)
                        FROM %s""".formatted(kind.table))
                .param("delay", delaySeconds)
                .query((rs, n) -> new Depth(rs.getLong(1), rs.getDouble(2)))
                .single();
    }
}
