package dev.wharf.server.replication;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The replication queue (table {@code replication_tasks}): what there is to copy or delete, per
 * rule. A pending task is unique per (rule, kind, repository, reference), so the same push
 * announced twice, or a full sync over a pending copy, is one task. Claiming is one statement that
 * counts the attempt and moves {@code next_attempt_at} a lease ahead ({@code FOR UPDATE SKIP
 * LOCKED}: replicas take different tasks); an outcome is recorded only while the attempt is still
 * the one claimed.
 */
@Component
class ReplicationTasks {

    static final String COPY = "copy";
    static final String DELETE_TAG = "delete-tag";
    static final String DELETE_MANIFEST = "delete-manifest";
    static final String SYNC = "sync";

    private static final int MAX_ERROR = 500;

    /** A claimed task. */
    record Task(long id, long ruleId, String kind, String repository, String reference, int attempts,
                Instant enqueuedAt) {
        @Override
        public String toString() {
            return kind + " " + repository + (reference.isEmpty() ? "" : (reference.contains(":") ? "@" : ":") + reference);
        }
    }

    private final JdbcClient jdbc;
    private final Semaphore wakeUps = new Semaphore(0);

    ReplicationTasks(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Queues a task in the caller's transaction (if any); the workers of this replica start when it commits. */
    void enqueue(long ruleId, String kind, String repository, String reference, Long eventId) {
        jdbc.sql("""
                        INSERT INTO replication_tasks (rule_id, kind, repository, reference, event_id)
                        VALUES (:rule, :kind, :repository, :reference, :event)
                        ON CONFLICT (rule_id, kind, repository, reference) WHERE state = 'pending' DO NOTHING""")
                .param("rule", ruleId)
                .param("kind", kind)
                .param("repository", repository)
                .param("reference", reference)
                .param("event", eventId)
                .update();
        wakeAfterCommit();
    }

    void enqueueSync(long ruleId) {
        enqueue(ruleId, SYNC, "", "", null);
    }

    /** Claims the most overdue task of an enabled rule, for {@code lease}. */
    Optional<Task> claim(Duration lease) {
        return jdbc.sql("""
                        UPDATE replication_tasks t
                        SET attempts = t.attempts + 1, last_attempt_at = now(),
                            next_attempt_at = now() + make_interval(secs => :lease)
                        WHERE t.id = (SELECT q.id FROM replication_tasks q
                                      JOIN replication_rules r ON r.id = q.rule_id AND r.enabled
                                      WHERE q.state = 'pending' AND q.next_attempt_at <= now()
                                      ORDER BY q.next_attempt_at, q.id LIMIT 1 FOR UPDATE OF q SKIP LOCKED)
                        RETURNING t.id, t.rule_id, t.kind, t.repository, t.reference, t.attempts, t.enqueued_at""")
                .param("lease", (double) lease.toSeconds())
                .query((rs, n) -> new Task(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getInt(6), rs.getTimestamp(7).toInstant()))
                .optional();
    }

    /** Records success, if the attempt is still the one claimed; the rule's last success too. */
    void succeeded(Task task, boolean run) {
        int n = jdbc.sql("""
                        UPDATE replication_tasks SET state = 'done', finished_at = now(), last_error = NULL
                        WHERE id = :id AND attempts = :attempts AND state = 'pending'""")
                .param("id", task.id())
                .param("attempts", task.attempts())
                .update();
        if (n > 0) {
            jdbc.sql("UPDATE replication_rules SET last_success_at = now()"
                            + (run ? ", last_run_at = now()" : "") + " WHERE id = :id")
                    .param("id", task.ruleId())
                    .update();
        }
    }

    /** Records a failure: retried after {@code wait}, or given up ({@code failed}) when {@code last}. */
    void failed(Task task, String error, Duration wait, boolean last) {
        String reason = error == null ? "failed" : error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR) : error;
        int n = jdbc.sql("""
                        UPDATE replication_tasks SET state = :state, last_error = :error,
                            next_attempt_at = now() + make_interval(secs => :wait),
                            finished_at = CASE WHEN :last THEN now() END
                        WHERE id = :id AND attempts = :attempts AND state = 'pending'""")
                .param("state", last ? "failed" : "pending")
                .param("error", reason)
                .param("wait", (double) wait.toMillis() / 1000)
                .param("last", last)
                .param("id", task.id())
                .param("attempts", task.attempts())
                .update();
        if (n > 0) {
            jdbc.sql("UPDATE replication_rules SET last_failure_at = now(), last_error = :error WHERE id = :id")
                    .param("error", task + ": " + reason)
                    .param("id", task.ruleId())
                    .update();
        }
    }

    /** Deletes finished tasks older than {@code retention}. */
    int purge(Duration retention) {
        return jdbc.sql("""
                        DELETE FROM replication_tasks WHERE state <> 'pending'
                          AND finished_at < now() - make_interval(secs => :seconds)""")
                .param("seconds", (double) retention.toSeconds())
                .update();
    }

    /** Repositories and tags a sync enqueued at once, for one rule. */
    int enqueueCopies(long ruleId, List<String> repositories, List<String> references) {
        if (repositories.isEmpty()) {
            return 0;
        }
        int n = jdbc.sql("""
                        INSERT INTO replication_tasks (rule_id, kind, repository, reference)
                        SELECT :rule, 'copy', k.r, k.t FROM unnest(CAST(:repositories AS text[]), CAST(:references AS text[])) AS k(r, t)
                        ON CONFLICT (rule_id, kind, repository, reference) WHERE state = 'pending' DO NOTHING""")
                .param("rule", ruleId)
                .param("repositories", repositories.toArray(String[]::new))
                .param("references", references.toArray(String[]::new))
                .update();
        wakeAfterCommit();
        return n;
    }

    Semaphore wakeUps() {
        return wakeUps;
    }

    private void wakeAfterCommit() {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    wake();
                }
            });
        } else {
            wake();
        }
    }

    void wake() {
        // a permit per worker at most: each wakes to claim until nothing is due
        if (wakeUps.availablePermits() < 8) {
            wakeUps.release();
        }
    }
}
