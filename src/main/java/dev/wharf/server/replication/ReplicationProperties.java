package dev.wharf.server.replication;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code wharf.replication.*}.
 *
 * @param workers        copies each replica runs at once
 * @param lease          how long a claimed task is a worker's before another replica may take it
 *                       over (a replica that died mid-copy leaves it to be retried)
 * @param initialBackoff the wait after a task's first failure; it doubles after each failure
 * @param maxBackoff     the longest wait between attempts
 * @param maxAttempts    attempts before a task is given up ({@code failed}, reported in the rule's
 *                       status; a full sync copies it again)
 * @param pollInterval   how often each replica looks for due tasks (tasks made by its own
 *                       replica's events start at once)
 * @param retention      how long finished tasks are kept for the status
 */
@ConfigurationProperties("wharf.replication")
public record ReplicationProperties(@DefaultValue("2") int workers,
                                    @DefaultValue("10m") Duration lease,
                                    @DefaultValue("5s") Duration initialBackoff,
                                    @DefaultValue("10m") Duration maxBackoff,
                                    @DefaultValue("20") int maxAttempts,
                                    @DefaultValue("1s") Duration pollInterval,
                                    @DefaultValue("7d") Duration retention) {

    public ReplicationProperties {
        if (workers < 0) {
            throw new IllegalArgumentException("wharf.replication.workers must not be negative");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("wharf.replication.max-attempts must be at least 1");
        }
        if (lease.toSeconds() < 1 || pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("wharf.replication.lease and .poll-interval must be positive");
        }
    }

    /** The wait after {@code attempts} failed attempts: doubling from the initial backoff, capped. */
    Duration backoff(int attempts) {
        Duration wait = initialBackoff;
        for (int i = 1; i < attempts && wait.compareTo(maxBackoff) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
    }
}
