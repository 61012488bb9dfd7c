package dev.wharf.server.replication;

import dev.wharf.client.CopyOptions;
import dev.wharf.client.ImageReference;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.registry.Endpoints;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Runs replication tasks on every replica: {@code wharf.replication.workers} threads claim due
 * tasks ({@link ReplicationTasks#claim}), do them outside any transaction with the companion
 * client, and record the outcome; a failed task is tried again after a doubling backoff, up to
 * {@code wharf.replication.max-attempts}.
 *
 * <ul>
 *   <li>{@code copy}, push: the local image (every platform of an index, children first) and its
 *       referrers go to the target with {@code skipExisting}: blobs the target has are skipped,
 *       others mounted from a repository of the target known to hold them or streamed from the
 *       store (a cut upload resumes).</li>
 *   <li>{@code copy}, pull: {@link PullImporter}.</li>
 *   <li>{@code delete-tag}, {@code delete-manifest}: the same delete on the target, unless the tag
 *       or manifest is here again by now (a later push wins over an earlier delete).</li>
 *   <li>{@code sync}: a copy task for every tag of every repository the rule covers (for pull,
 *       the target's: its catalog when the pattern has wildcards, and tag lists).</li>
 * </ul>
 * Schedules are kept by {@link #runSchedules}: a due rule's next run is moved ahead by one
 * conditional update, so one replica starts it.
 */
@Component
class ReplicationWorker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReplicationWorker.class);
    private static final int PAGE = 500;

    private final ReplicationTasks tasks;
    private final Replications replications;
    private final Targets targets;
    private final LocalImages local;
    private final PullImporter importer;
    private final ReplicationProperties properties;
    private final JdbcClient jdbc;
    private final MeterRegistry meters;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;
    private volatile long lastFailureLog;

    ReplicationWorker(ReplicationTasks tasks, Replications replications, Targets targets, LocalImages local,
                      PullImporter importer, ReplicationProperties properties, JdbcClient jdbc, MeterRegistry meters) {
        this.tasks = tasks;
        this.replications = replications;
        this.targets = targets;
        this.local = local;
        this.importer = importer;
        this.properties = properties;
        this.jdbc = jdbc;
        this.meters = meters;
    }

    /**
     * Runs every task due now, on the calling thread.
     *
     * @return how many were run
     */
    int runDue() {
        int n = 0;
        Optional<ReplicationTasks.Task> task;
        while ((task = tasks.claim(properties.lease())).isPresent()) {
            run(task.get());
            n++;
            if (!running && n > 10_000) {
                break;
            }
        }
        return n;
    }

    private void run(ReplicationTasks.Task task) {
        Optional<Rule> rule = replications.rule(task.ruleId());
        if (rule.isEmpty()) {
            return; // deleted meanwhile; its tasks went with it
        }
        try {
            switch (task.kind()) {
                case ReplicationTasks.SYNC -> sync(rule.get());
                case ReplicationTasks.COPY -> copy(rule.get(), task);
                case ReplicationTasks.DELETE_TAG, ReplicationTasks.DELETE_MANIFEST -> delete(rule.get(), task);
                default -> throw new IllegalStateException("unknown task kind " + task.kind());
            }
            tasks.succeeded(task, ReplicationTasks.SYNC.equals(task.kind()));
            count(rule.get(), task, "done");
        } catch (RuntimeException e) {
            boolean last = task.attempts() >= properties.maxAttempts();
            tasks.failed(task, reason(e), properties.backoff(task.attempts()), last);
            count(rule.get(), task, last ? "given-up" : "failed-attempt");
            if (System.nanoTime() - lastFailureLog > TimeUnit.MINUTES.toNanos(1)) {
                lastFailureLog = System.nanoTime();
                log.info("{}: {} failed (attempt {}): {}", rule.get(), task, task.attempts(), reason(e));
            }
        }
    }

    private void copy(Rule rule, ReplicationTasks.Task task) {
        RepositoryName repository = RepositoryName.of(task.repository());
        Reference reference = Reference.parse(task.reference());
        RegistryClient client = targets.client(rule);
        if (!rule.push()) {
            importer.importImage(rule, client, repository, reference);
            return;
        }
        if (local.resolve(repository, reference).isEmpty()) {
            return; // gone since it was pushed: nothing to copy (its delete has its own task)
        }
        ImageReference target = reference instanceof Tag tag
                ? new ImageReference(rule.registry(), rule.across(repository), tag, null)
                : new ImageReference(rule.registry(), rule.across(repository), null, reference.digestOrNull());
        client.copy(local, repository, reference, target, new CopyOptions(null, true, true));
    }

    private void delete(Rule rule, ReplicationTasks.Task task) {
        RepositoryName repository = RepositoryName.of(task.repository());
        Reference reference = Reference.parse(task.reference());
        if (local.resolve(repository, reference).isPresent()) {
            return; // here again: a later push won
        }
        RegistryClient client = targets.client(rule);
        try {
            client.registry(rule.registry()).send(new Endpoints.DeleteManifest(rule.across(repository), reference));
        } catch (RegistryException.NotFound gone) {
            // the target does not have it: done
        } catch (RegistryException.Rejected e) {
            if (reference instanceof Tag) {
                throw new IllegalStateException("the target cannot delete tags (" + e.status()
                        + "); delete the manifest there instead", e);
            }
            throw e;
        }
    }

    private void sync(Rule rule) {
        if (rule.push()) {
            syncPush(rule);
        } else {
            syncPull(rule);
        }
    }

    private void syncPush(Rule rule) {
        String from = rule.pattern().literalPrefix();
        String after = "";
        while (true) {
            List<Object[]> rows = jdbc.sql("""
                            SELECT r.name, t.name FROM repositories r JOIN tags t ON t.repository_id = r.id
                            WHERE r.name >= :from AND (r.name, t.name) > (:afterName, :afterTag)
                            ORDER BY r.name, t.name LIMIT :limit""")
                    .param("from", from)
                    .param("afterName", after.isEmpty() ? "" : after.substring(0, after.indexOf('\n')))
                    .param("afterTag", after.isEmpty() ? "" : after.substring(after.indexOf('\n') + 1))
                    .param("limit", PAGE)
                    .query((rs, n) -> new Object[] {rs.getString(1), rs.getString(2)})
                    .list();
            List<String> repositories = new ArrayList<>();
            List<String> references = new ArrayList<>();
            boolean past = false;
            for (Object[] row : rows) {
                String name = (String) row[0];
                if (!name.startsWith(from)) {
                    past = true;
                    break;
                }
                if (rule.matches(RepositoryName.of(name))) {
                    repositories.add(name);
                    references.add((String) row[1]);
                }
            }
            tasks.enqueueCopies(rule.id(), repositories, references);
            if (past || rows.size() < PAGE) {
                return;
            }
            Object[] last = rows.get(rows.size() - 1);
            after = last[0] + "\n" + last[1];
        }
    }

    private void syncPull(Rule rule) {
        RegistryClient client = targets.client(rule);
        List<String> names = new ArrayList<>();
        if (!rule.repositories().contains("*")) {
            names.add(rule.repositories());
        } else {
            for (String name : client.catalog(rule.registry())) {
                if (RepositoryName.isValid(name) && rule.matches(RepositoryName.of(name))) {
                    names.add(name);
                }
            }
        }
        for (String name : names) {
            List<String> tags = client.tags(new ImageReference(rule.registry(), RepositoryName.of(name), null, null));
            tasks.enqueueCopies(rule.id(), java.util.Collections.nCopies(tags.size(), name), tags);
        }
    }

    private static String reason(RuntimeException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return e instanceof RegistryException ? message : e.getClass().getSimpleName() + ": " + message;
    }

    private void count(Rule rule, ReplicationTasks.Task task, String outcome) {
        counters.computeIfAbsent(rule.name() + " " + task.kind() + " " + outcome, k -> Counter.builder("wharf.replication.tasks")
                .tag("rule", rule.name()).tag("kind", task.kind()).tag("outcome", outcome)
                .description("replication tasks run, by outcome").register(meters)).increment();
    }

    /** Starts the runs of scheduled rules that are due (one replica each, by a conditional update). */
    @Scheduled(fixedDelay = 10_000, initialDelay = 2_000)
    void runSchedules() {
        try {
            List<Long> due = jdbc.sql("""
                            UPDATE replication_rules SET next_run_at = now() + make_interval(secs => schedule_seconds)
                            WHERE trigger_type = 'schedule' AND enabled AND next_run_at <= now()
                            RETURNING id""")
                    .query(Long.class)
                    .list();
            due.forEach(tasks::enqueueSync);
        } catch (RuntimeException e) {
            log.debug("could not start scheduled replications: {}", e.toString());
        }
    }

    /** Deletes finished tasks past {@code wharf.replication.retention}. */
    @Scheduled(fixedDelay = 3_600_000, initialDelay = 600_000)
    void purge() {
        try {
            tasks.purge(properties.retention());
        } catch (RuntimeException e) {
            log.debug("could not purge replication tasks: {}", e.toString());
        }
    }

    private void loop() {
        while (running) {
            try {
                tasks.wakeUps().tryAcquire(properties.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                if (running) {
                    runDue();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() - lastFailureLog > TimeUnit.MINUTES.toNanos(1)) {
                    lastFailureLog = System.nanoTime();
                    log.warn("replication failed, will retry: {}", e.toString());
                }
            }
        }
    }

    @Override
    public void start() {
        running = true;
        for (int i = 0; i < properties.workers(); i++) {
            Thread t = new Thread(this::loop, "wharf-replication-" + (i + 1));
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    @Override
    public void stop() {
        running = false;
        for (Thread t : threads) {
            t.interrupt();
        }
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(15));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        threads.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
