package dev.wharf.server.gc;

import dev.wharf.oci.Digest;
import java.util.Locale;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The collector's side of the review queues ({@code db-migrations/V5__gc_review_queues.sql}; the
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
     * Takes the most overdue review of {@code kind} that no other transaction holds and deletes it,
     * in the caller's transaction: when that transaction rolls back, the review is back.
     */
    Optional<Review> claim(Kind kind) {
        return jdbc.sql("""
                        DELETE FROM %1$s WHERE (%2$s) = (
                            SELECT %2$s FROM %1$s WHERE queued_at <= now() - make_interval(secs => :delay)
                            ORDER BY queued_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                        RETURNING %2$s, attempts""".formatted(kind.table, kind.key))
                .param("delay", delaySeconds)
                .query((rs, n) -> kind == Kind.BLOB
                        ? new Review(kind, 0, Digest.parse(rs.getString(1)), rs.getInt(2))
                        : new Review(kind, rs.getLong(1), Digest.parse(rs.getString(2)), rs.getInt(3)))
                .optional();
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
