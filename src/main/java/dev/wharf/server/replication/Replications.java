package dev.wharf.server.replication;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.Action;
import dev.wharf.server.auth.Scope;
import dev.wharf.server.events.EventType;
import dev.wharf.server.events.Events;
import dev.wharf.server.proxy.Addresses;
import dev.wharf.server.secrets.SecretSealer;
import java.net.URI;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Replication rules (table {@code replication_rules}) and their status. Authorization is the
 * caller's (admins only, through the management API); this checks that what is asked is sound.
 * Target passwords are sealed ({@link SecretSealer}) and never shown.
 */
@Service
public class Replications {

    /** A rule as the API shows it (never its target's password). */
    public record View(String name, String repositories, Target target, String targetPrefix, String trigger,
                       String schedule, boolean deletes, String direction, boolean enabled, String createdBy,
                       Instant createdAt) {
    }

    /** Where a rule copies to (push) or from (pull). */
    public record Target(String url, String username, boolean hasPassword) {
    }

    /** What to make, or to change (null keeps a field). */
    public record Spec(String name, String repositories, String url, String username, String password,
                       String targetPrefix, String trigger, String schedule, Boolean deletes, String direction,
                       Boolean enabled) {
    }

    /** A rule with how it is doing. */
    public record Status(View rule, Instant lastRunAt, Instant lastSuccessAt, Instant lastFailureAt, String lastError,
                         long pending, long failed, double lagSeconds, List<Failure> recentFailures) {
    }

    /** A task that failed (and may be retrying). */
    public record Failure(String kind, String repository, String reference, int attempts, String state, String error,
                          Instant at) {
    }

    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(?:[._-][a-z0-9]+)*");
    private static final Logger log = LoggerFactory.getLogger(Replications.class);
    private static final String COLUMNS = """
            id, name, repositories, target_url, target_username, target_password, target_prefix, trigger_type,
            schedule_seconds, propagate_deletes, direction, enabled, created_by, created_at""";

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final SecretSealer sealer;
    private final Events events;
    private final ReplicationTasks tasks;

    Replications(JdbcClient jdbc, TransactionTemplate transactions, SecretSealer sealer, Events events,
                 ReplicationTasks tasks) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.sealer = sealer;
        this.events = events;
        this.tasks = tasks;
    }

    public List<View> list() {
        return jdbc.sql("SELECT " + COLUMNS + " FROM replication_rules ORDER BY name")
                .query((rs, n) -> view(rs))
                .list();
    }

    /**
     * Makes a rule.
     *
     * @throws OciException 400 for anything unsound, 409 when the name is taken
     */
    public View create(Spec spec) {
        String name = spec.name();
        if (name == null || name.length() > 64 || !NAME.matcher(name).matches()) {
            throw badRequest("name is lower-case letters and digits, separated by '.', '_' or '-', at most 64 characters");
        }
        String pattern = pattern(required(spec.repositories(), "repositories (a pattern such as acme/** or acme/app)"));
        URI url = Addresses.url(required(spec.url(), "target.url"));
        String user = Addresses.credential("username", spec.username());
        String password = Addresses.credential("password", spec.password());
        if ((user == null) != (password == null)) {
            throw badRequest("give target.username and target.password together, or neither (anonymous)");
        }
        String direction = direction(spec.direction() == null ? Rule.PUSH : spec.direction());
        String trigger = trigger(spec.trigger() == null ? (Rule.PULL.equals(direction) ? Rule.MANUAL : Rule.ON_PUSH)
                : spec.trigger(), direction);
        Duration schedule = schedule(trigger, spec.schedule());
        String prefix = prefix(spec.targetPrefix() == null ? "" : spec.targetPrefix());
        boolean deletes = Boolean.TRUE.equals(spec.deletes());
        if (deletes && Rule.PULL.equals(direction)) {
            throw badRequest("deletes propagate from this registry to the target only (direction push)");
        }
        String actor = events.currentActor().name();
        transactions.executeWithoutResult(status -> {
            boolean taken = jdbc.sql("SELECT EXISTS (SELECT 1 FROM replication_rules WHERE name = :name)")
                    .param("name", name).query(Boolean.class).single();
            if (taken) {
                throw new OciException(OciErrorCode.NAME_INVALID, 409, "there is a replication rule " + name + " already", null);
            }
            long id = jdbc.sql("""
                            INSERT INTO replication_rules (name, repositories, target_url, target_username, target_prefix,
                                trigger_type, schedule_seconds, next_run_at, propagate_deletes, direction, enabled,
                                created_by)
                            VALUES (:name, :repositories, :url, :username, :prefix, :trigger, :schedule,
                                    CASE WHEN :scheduled THEN now() END, :deletes, :direction, :enabled, :actor)
                            RETURNING id""")
                    .param("name", name)
                    .param("repositories", pattern)
                    .param("url", url.toString())
                    .param("username", user)
                    .param("prefix", prefix)
                    .param("trigger", trigger)
                    .param("schedule", schedule == null ? null : schedule.toSeconds())
                    .param("scheduled", schedule != null)
                    .param("deletes", deletes)
                    .param("direction", direction)
                    .param("enabled", spec.enabled() == null || spec.enabled())
                    .param("actor", actor)
                    .query(Long.class)
                    .single();
            if (password != null) {
                jdbc.sql("UPDATE replication_rules SET target_password = :password WHERE id = :id")
                        .param("password", sealer.sealSecret(sealId(id), password))
                        .param("id", id)
                        .update();
            }
            events.record(EventType.REPLICATION_CREATED, null, null, name, Map.of("direction", direction,
                    "target", url.toString(), "repositories", pattern, "trigger", trigger));
        });
        return view(name);
    }

    /** Applies the non-null fields of {@code spec} (an empty {@code username} removes the credentials). */
    public View update(String name, Spec spec) {
        Rule current = rule(name);
        String pattern = spec.repositories() == null ? null : pattern(spec.repositories());
        URI url = spec.url() == null ? null : Addresses.url(spec.url());
        boolean clearCredentials = "".equals(spec.username());
        String user = Addresses.credential("username", spec.username());
        String password = Addresses.credential("password", spec.password());
        if (!clearCredentials && (user != null || password != null) && (user == null ? current.username() : user) == null) {
            throw badRequest("a password needs a username");
        }
        String direction = spec.direction() == null ? current.direction() : direction(spec.direction());
        String trigger = spec.trigger() == null ? current.trigger() : spec.trigger();
        trigger = trigger(trigger, direction);
        Duration schedule = schedule(trigger, spec.schedule() != null ? spec.schedule()
                : current.schedule() == null ? null : Addresses.print(current.schedule()));
        String prefix = spec.targetPrefix() == null ? null : prefix(spec.targetPrefix());
        boolean deletes = spec.deletes() != null ? spec.deletes() : current.deletes();
        if (deletes && Rule.PULL.equals(direction)) {
            throw badRequest("deletes propagate from this registry to the target only (direction push)");
        }
        String finalTrigger = trigger;
        transactions.executeWithoutResult(status -> {
            jdbc.sql("""
                            UPDATE replication_rules SET repositories = COALESCE(:repositories, repositories),
                                target_url = COALESCE(:url, target_url),
                                target_username = CASE WHEN :clear THEN NULL ELSE COALESCE(:username, target_username) END,
                                target_password = CASE WHEN :clear THEN NULL ELSE COALESCE(:password, target_password) END,
                                target_prefix = COALESCE(:prefix, target_prefix), trigger_type = :trigger,
                                schedule_seconds = :schedule,
                                next_run_at = CASE WHEN :schedule IS NULL THEN NULL ELSE COALESCE(next_run_at, now()) END,
                                propagate_deletes = :deletes, direction = :direction,
                                enabled = COALESCE(:enabled, enabled)
                            WHERE id = :id""")
                    .param("repositories", pattern)
                    .param("url", url == null ? null : url.toString())
                    .param("clear", clearCredentials)
                    .param("username", user)
                    .param("password", password == null ? null : sealer.sealSecret(sealId(current.id()), password))
                    .param("prefix", prefix)
                    .param("trigger", finalTrigger)
                    .param("schedule", schedule == null ? null : schedule.toSeconds())
                    .param("deletes", deletes)
                    .param("direction", direction)
                    .param("enabled", spec.enabled())
                    .param("id", current.id())
                    .update();
            Map<String, Object> changed = new LinkedHashMap<>();
            if (pattern != null) {
                changed.put("repositories", pattern);
            }
            if (url != null) {
                changed.put("target", url.toString());
            }
            if (clearCredentials || user != null || password != null) {
                changed.put("credentials", clearCredentials ? "removed" : "changed");
            }
            if (spec.enabled() != null) {
                changed.put("enabled", spec.enabled());
            }
            events.record(EventType.REPLICATION_UPDATED, null, null, name, changed);
        });
        return view(name);
    }

    public void delete(String name) {
        transactions.executeWithoutResult(status -> {
            int n = jdbc.sql("DELETE FROM replication_rules WHERE name = :name").param("name", name).update();
            if (n == 0) {
                throw unknown(name);
            }
            events.record(EventType.REPLICATION_DELETED, null, null, name, Map.of());
        });
    }

    /**
     * Starts a full synchronisation: every tag of every repository the rule covers is checked, and
     * copied where the other side lacks it.
     */
    public Status run(String name) {
        Rule rule = rule(name);
        tasks.enqueueSync(rule.id());
        return status(name);
    }

    /** The rule with its last run, lag, and failures with their reasons. */
    public Status status(String name) {
        View view = view(name);
        long id = rule(name).id();
        Status[] out = new Status[1];
        jdbc.sql("""
                        SELECT r.last_run_at, r.last_success_at, r.last_failure_at, r.last_error,
                               (SELECT count(*) FROM replication_tasks t WHERE t.rule_id = r.id AND t.state = 'pending'),
                               (SELECT count(*) FROM replication_tasks t WHERE t.rule_id = r.id AND t.state = 'failed'),
                               COALESCE(EXTRACT(EPOCH FROM now() - (SELECT min(t.enqueued_at) FROM replication_tasks t
                                        WHERE t.rule_id = r.id AND t.state = 'pending')), 0)
                        FROM replication_rules r WHERE r.id = :id""")
                .param("id", id)
                .query((rs, n) -> out[0] = new Status(view, instant(rs.getTimestamp(1)), instant(rs.getTimestamp(2)),
                        instant(rs.getTimestamp(3)), rs.getString(4), rs.getLong(5), rs.getLong(6), rs.getDouble(7),
                        List.of()))
                .list();
        List<Failure> failures = jdbc.sql("""
                        SELECT kind, repository, reference, attempts, state, last_error, last_attempt_at
                        FROM replication_tasks WHERE rule_id = :id AND last_error IS NOT NULL
                        ORDER BY last_attempt_at DESC NULLS LAST, id DESC LIMIT 20""")
                .param("id", id)
                .query((rs, n) -> new Failure(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                        rs.getString(5), rs.getString(6), instant(rs.getTimestamp(7))))
                .list();
        Status s = out[0];
        return new Status(s.rule(), s.lastRunAt(), s.lastSuccessAt(), s.lastFailureAt(), s.lastError(), s.pending(),
                s.failed(), s.lagSeconds(), failures);
    }

    // ---- for the workers ---------------------------------------------------------------------------

    /** The rule, with its target password opened. */
    Rule rule(String name) {
        return findRule("name = :key", name).orElseThrow(() -> unknown(name));
    }

    Optional<Rule> rule(long id) {
        return findRule("id = :key", id);
    }

    /** Enabled rules of {@code direction} triggered by {@code trigger}. */
    List<Rule> rules(String direction, String trigger) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM replication_rules WHERE enabled AND direction = :direction"
                        + " AND trigger_type = :trigger")
                .param("direction", direction)
                .param("trigger", trigger)
                .query((rs, n) -> rule(rs))
                .list();
    }

    private Optional<Rule> findRule(String condition, Object key) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM replication_rules WHERE " + condition)
                .param("key", key)
                .query((rs, n) -> rule(rs))
                .optional();
    }

    private Rule rule(ResultSet rs) throws SQLException {
        long id = rs.getLong(1);
        String stored = rs.getString(6);
        String password = null;
        if (stored != null) {
            try {
                password = sealer.openSecret(sealId(id), stored);
            } catch (IllegalStateException e) {
                log.warn("cannot open the target password of replication {} ({})", rs.getString(2), e.getMessage());
            }
        }
        long seconds = rs.getLong(9);
        Duration schedule = rs.wasNull() ? null : Duration.ofSeconds(seconds);
        return new Rule(id, rs.getString(2), rs.getString(3), URI.create(rs.getString(4)), rs.getString(5), password,
                rs.getString(7), rs.getString(8), schedule, rs.getBoolean(10),
                rs.getString(11), rs.getBoolean(12));
    }

    private View view(String name) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM replication_rules WHERE name = :name")
                .param("name", name)
                .query((rs, n) -> view(rs))
                .optional()
                .orElseThrow(() -> unknown(name));
    }

    private static View view(ResultSet rs) throws SQLException {
        long schedule = rs.getLong(9);
        String every = rs.wasNull() ? null : Addresses.print(Duration.ofSeconds(schedule));
        return new View(rs.getString(2), rs.getString(3), new Target(rs.getString(4), rs.getString(5),
                rs.getString(6) != null), rs.getString(7), rs.getString(8), every, rs.getBoolean(10), rs.getString(11),
                rs.getBoolean(12), rs.getString(13), rs.getTimestamp(14).toInstant());
    }

    // ---- checks ------------------------------------------------------------------------------------

    private static String pattern(String repositories) {
        try {
            new Scope(repositories, EnumSet.of(Action.PULL));
        } catch (OciException e) {
            throw badRequest("repositories: " + e.getMessage());
        }
        return repositories;
    }

    private static String direction(String value) {
        if (!Rule.PUSH.equals(value) && !Rule.PULL.equals(value)) {
            throw badRequest("direction is push (copy to the target) or pull (copy from it)");
        }
        return value;
    }

    private static String trigger(String value, String direction) {
        if (!Rule.ON_PUSH.equals(value) && !Rule.SCHEDULE.equals(value) && !Rule.MANUAL.equals(value)) {
            throw badRequest("trigger is on-push, schedule or manual");
        }
        if (Rule.ON_PUSH.equals(value) && Rule.PULL.equals(direction)) {
            throw badRequest("a pull rule runs on a schedule or by hand: pushes elsewhere are not events here");
        }
        return value;
    }

    private static Duration schedule(String trigger, String value) {
        if (!Rule.SCHEDULE.equals(trigger)) {
            if (value != null && !value.isEmpty()) {
                throw badRequest("schedule is for the schedule trigger only");
            }
            return null;
        }
        if (value == null) {
            throw badRequest("the schedule trigger needs a schedule: how often to synchronise, such as 1h");
        }
        Duration every = Addresses.duration(value);
        if (every.compareTo(Duration.ofMinutes(1)) < 0) {
            throw badRequest("schedule is at least 1m");
        }
        return every;
    }

    private static String prefix(String value) {
        if (value.isEmpty()) {
            return value;
        }
        if (!value.endsWith("/") || !RepositoryName.isValid(value + "x") || value.length() > 200) {
            throw badRequest("targetPrefix is empty, or repository path components ending with '/', such as mirror/");
        }
        return value;
    }

    private static String required(String value, String field) {
        if (value == null) {
            throw badRequest(field + " is required");
        }
        return value;
    }

    static String sealId(long id) {
        return "replication:" + id;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static OciException unknown(String name) {
        return new OciException(OciErrorCode.NAME_UNKNOWN, 404, "there is no replication rule " + Addresses.clip(name), null);
    }

    private static OciException badRequest(String message) {
        return Addresses.badRequest(message);
    }
}
