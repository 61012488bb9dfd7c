package dev.wharf.server.retention;

import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import dev.wharf.server.events.EventType;
import dev.wharf.server.events.Events;
import dev.wharf.server.manifest.ManifestService;
import dev.wharf.server.policy.NamespacePolicies;
import dev.wharf.server.policy.RetentionRule;
import dev.wharf.server.policy.TagPatterns;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Applies namespaces' retention rules ({@link RetentionRule}): per repository, a tag some rule
 * matches is removed unless a rule that matches it keeps it; a tag no rule matches, and an immutable
 * tag, stays. Removal is the ordinary tag delete ({@link ManifestService#deleteTag}: records
 * {@code tag.deleted}, queues the manifest's garbage-collection review), and only when the tag was
 * not pushed again since it was looked at, so what retention untags is collected by GC.
 *
 * <p>Runs every {@code wharf.retention.interval} (24 h) on one replica: every
 * {@code wharf.retention.check-interval} each replica tries to move the {@code retention} row of
 * {@code gc_jobs} forward with a conditional UPDATE, and the one that did runs, recording its
 * progress after each namespace; a run that stopped recording is finished by another replica
 * ({@link #runWhenDue}). Time is the {@link Clock} bean's (tests move it).
 */
@Component
public class Retention {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    /** A tag a run removes (or would remove). */
    public record Removal(String repository, String tag, String digest) {
    }

    /** What a run removed, or with {@code dryRun} would remove; {@code truncated} when it hit the run limit. */
    public record Report(String namespace, boolean dryRun, List<Removal> removed, boolean truncated) {
    }

    private record Candidate(String name, OffsetDateTime pushedAt, OffsetDateTime pulledAt, String digest) {
    }

    private final JdbcClient jdbc;
    private final NamespacePolicies policies;
    private final ManifestService manifests;
    private final Events events;
    private final Clock clock;
    private final boolean enabled;
    private final Duration interval;
    private final int runLimit;

    /** How long a run may go without recording progress before another replica finishes it. */
    static final Duration STALE = Duration.ofMinutes(30);

    public Retention(JdbcClient jdbc, NamespacePolicies policies, ManifestService manifests, Events events,
                     Clock clock,
                     @Value("${wharf.retention.enabled:true}") boolean enabled,
                     @Value("${wharf.retention.interval:24h}") Duration interval,
                     @Value("${wharf.retention.run-limit:10000}") int runLimit) {
        this.jdbc = jdbc;
        this.policies = policies;
        this.manifests = manifests;
        this.events = events;
        this.clock = clock;
        this.enabled = enabled;
        this.interval = interval;
        this.runLimit = runLimit;
    }

    /**
     * Applies the namespace's rules now; with {@code dryRun} only reports what would go. At most
     * {@code wharf.retention.run-limit} tags per run.
     */
    public Report apply(String namespace, boolean dryRun) {
        NamespacePolicies.Policy policy = policies.get(namespace);
        List<RetentionRule> rules = policy.retention();
        List<Removal> removed = new ArrayList<>();
        boolean truncated = false;
        if (rules.isEmpty()) {
            return new Report(namespace, dryRun, removed, false);
        }
        Instant now = clock.instant();
        List<String> repositories = jdbc.sql("""
                        SELECT name FROM repositories WHERE name = :namespace OR (name >= :low AND name < :high)
                        ORDER BY name""")
                .param("namespace", namespace)
                .param("low", namespace + "/")
                .param("high", namespace + "0")
                .query(String.class)
                .list();
        for (String repository : repositories) {
            List<RetentionRule> applicable = rules.stream()
                    .filter(r -> dev.wharf.server.auth.Scope.matches(r.repositories(), repository))
                    .toList();
            if (applicable.isEmpty()) {
                continue;
            }
            for (Candidate c : doomed(repository, applicable, policy.immutableTags(), now)) {
                if (removed.size() >= runLimit) {
                    truncated = true;
                    break;
                }
                if (dryRun || remove(repository, c)) {
                    removed.add(new Removal(repository, c.name(), c.digest()));
                }
            }
            if (truncated) {
                break;
            }
        }
        if (!dryRun && !removed.isEmpty()) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("count", removed.size());
            data.put("tags", removed.stream().limit(100).map(r -> r.repository() + ":" + r.tag()).toList());
            events.record(EventType.RETENTION_APPLIED, namespace, null, namespace, data);
        }
        return new Report(namespace, dryRun, removed, truncated);
    }

    /** The repository's tags the rules remove, most recently pushed first. */
    private List<Candidate> doomed(String repository, List<RetentionRule> rules, List<String> immutable, Instant now) {
        List<Candidate> tags = jdbc.sql("""
                        SELECT t.name, t.updated_at, t.last_pulled_at, m.digest FROM tags t
                        JOIN repositories r ON r.id = t.repository_id JOIN manifests m ON m.id = t.manifest_id
                        WHERE r.name = :repository ORDER BY t.updated_at DESC, t.name""")
                .param("repository", repository)
                .query((rs, n) -> new Candidate(rs.getString(1), rs.getObject(2, OffsetDateTime.class),
                        rs.getObject(3, OffsetDateTime.class), rs.getString(4)))
                .list();
        int[] ranks = new int[rules.size()];
        List<Candidate> doomed = new ArrayList<>();
        for (Candidate tag : tags) {
            boolean matched = false;
            boolean kept = false;
            for (int i = 0; i < rules.size(); i++) {
                RetentionRule rule = rules.get(i);
                if (rule.matches(repository, tag.name())) {
                    matched = true;
                    kept |= rule.keeps(ranks[i]++, tag.pushedAt().toInstant(),
                            tag.pulledAt() == null ? null : tag.pulledAt().toInstant(), now);
                }
            }
            if (matched && !kept && TagPatterns.firstMatch(immutable, tag.name()) == null) {
                doomed.add(tag);
            }
        }
        return doomed;
    }

    private boolean remove(String repository, Candidate c) {
        try {
            return manifests.deleteTag(RepositoryName.of(repository), Tag.of(c.name()), c.pushedAt());
        } catch (OciException e) {
            // made immutable meanwhile
            log.info("retention left {}:{}: {}", repository, c.name(), e.getMessage());
            return false;
        }
    }

    /**
     * Runs every namespace's rules when a run is due and no other replica took it, or finishes a run
     * whose replica has recorded no progress for {@link #STALE} (it stopped: killed, crashed, scaled
     * down), from the namespace after the last one it finished. Progress is recorded after each
     * namespace, fenced by the time of the last record: a replica whose run was taken over stops at
     * its next record. (Rules are idempotent: a tag is removed only if it was not pushed again since
     * it was looked at, so the namespace a stopped run was in may safely run again.)
     */
    @Scheduled(fixedDelayString = "${wharf.retention.check-interval:10m}",
            initialDelayString = "${wharf.retention.check-interval:10m}")
    public void runWhenDue() {
        if (!enabled) {
            return;
        }
        Instant now = now();
        // a new run (progress from the start), or the rest of a stopped one (its progress)
        Optional<String> taken = jdbc.sql("""
                        UPDATE gc_jobs SET
                            last_started_at = CASE WHEN finished_at IS NULL THEN last_started_at ELSE :now END,
                            progress = CASE WHEN finished_at IS NULL THEN progress END,
                            finished_at = NULL, heartbeat_at = :now
                        WHERE name = 'retention'
                          AND ((finished_at IS NOT NULL AND last_started_at <= :due)
                               OR (finished_at IS NULL AND heartbeat_at <= :stale))
                        RETURNING coalesce(progress, '')""")
                .param("now", at(now))
                .param("due", at(now.minus(interval)))
                .param("stale", at(now.minus(STALE)))
                .query(String.class)
                .optional();
        if (taken.isEmpty()) {
            return;
        }
        if (!taken.get().isEmpty()) {
            log.info("retention: finishing a run that stopped after namespace {}", taken.get());
        }
        Instant beat = now;
        for (String namespace : policies.withRetention(taken.get().isEmpty() ? null : taken.get())) {
            try {
                Report report = apply(namespace, false);
                if (!report.removed().isEmpty()) {
                    log.info("retention removed {} tags of namespace {}", report.removed().size(), namespace);
                }
            } catch (RuntimeException e) {
                log.warn("retention of namespace {} failed: {}", namespace, e.toString());
            }
            Instant next = now();
            if (!record(beat, next, namespace, false)) {
                log.info("retention: another replica took this run over after namespace {}", namespace);
                return;
            }
            beat = next;
        }
        record(beat, now(), null, true);
    }

    /** Records progress (or the end) of the run whose last record was at {@code beat}; false when it was taken over. */
    private boolean record(Instant beat, Instant now, String namespace, boolean finished) {
        return jdbc.sql("""
                        UPDATE gc_jobs SET heartbeat_at = :now, progress = coalesce(:namespace, progress),
                            finished_at = CASE WHEN :finished THEN :now END
                        WHERE name = 'retention' AND finished_at IS NULL AND heartbeat_at = :beat""")
                .param("now", at(now))
                .param("namespace", namespace)
                .param("finished", finished)
                .param("beat", at(beat))
                .update() == 1;
    }

    /** The clock's time to the microsecond, as PostgreSQL keeps it (the fence compares it exactly). */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static OffsetDateTime at(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
