package dev.wharf.server.policy;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.server.events.EventType;
import dev.wharf.server.events.Events;
import java.sql.Array;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Each namespace's policy and usage (table {@code namespace_policies}, see
 * {@code db-migrations/V9__namespace_policies.sql}): its quota, the bytes it uses (kept exact by
 * triggers on links and manifests), its immutable tag patterns and its retention rules.
 * Authorization is the caller's; this class checks only the values.
 */
@Component
public class NamespacePolicies {

    /** A namespace's policy; a namespace without a row has no quota, no rules and uses nothing. */
    public record Policy(Long quotaBytes, long usedBytes, List<String> immutableTags, List<RetentionRule> retention) {
    }

    /**
     * A change: {@code setQuota} false keeps the quota ({@code quotaBytes} null with it true removes
     * it); {@code immutableTags} or {@code retention} null keeps them.
     */
    public record Changes(boolean setQuota, Long quotaBytes, List<String> immutableTags, List<RetentionRule> retention) {
    }

    private static final TypeReference<List<RetentionRule>> RULES = new TypeReference<>() {
    };

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final Events events;
    private final JsonMapper json = JsonMapper.builder().build();

    public NamespacePolicies(JdbcClient jdbc, TransactionTemplate transactions, Events events) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.events = events;
    }

    /** The namespace's policy and usage. */
    public Policy get(String namespace) {
        return jdbc.sql("""
                        SELECT quota_bytes, used_bytes, immutable_tags, retention::text FROM namespace_policies
                        WHERE namespace = :namespace""")
                .param("namespace", namespace)
                .query((rs, n) -> new Policy((Long) rs.getObject(1), rs.getLong(2), strings(rs.getArray(3)),
                        rules(rs.getString(4))))
                .optional()
                .orElse(new Policy(null, 0, List.of(), List.of()));
    }

    /**
     * Applies {@code changes} (values validated here) and records {@code namespace.policy-updated}
     * with what changed, in one transaction.
     *
     * @throws OciException 400 {@code UNSUPPORTED} for a bad pattern, rule or quota
     */
    public Policy update(String namespace, Changes changes) {
        if (changes.setQuota() && changes.quotaBytes() != null && changes.quotaBytes() < 0) {
            throw TagPatterns.bad("quotaBytes is a number of bytes (0 or more), or null for no quota");
        }
        List<String> tags = changes.immutableTags() == null ? null : TagPatterns.validateAll(changes.immutableTags());
        List<RetentionRule> rules = null;
        if (changes.retention() != null) {
            if (changes.retention().size() > RetentionRule.MAX_RULES) {
                throw TagPatterns.bad("at most " + RetentionRule.MAX_RULES + " retention rules");
            }
            rules = new ArrayList<>();
            for (RetentionRule r : changes.retention()) {
                if (r == null) {
                    throw TagPatterns.bad("a retention rule is an object");
                }
                rules.add(r.validated());
            }
        }
        List<String> newTags = tags;
        List<RetentionRule> newRules = rules;
        return transactions.execute(status -> {
            jdbc.sql("INSERT INTO namespace_policies (namespace) VALUES (:namespace) ON CONFLICT DO NOTHING")
                    .param("namespace", namespace)
                    .update();
            jdbc.sql("""
                            UPDATE namespace_policies SET
                                quota_bytes = CASE WHEN :setQuota THEN CAST(:quota AS bigint) ELSE quota_bytes END,
                                immutable_tags = COALESCE(CAST(:tags AS text[]), immutable_tags),
                                retention = COALESCE(CAST(:retention AS jsonb), retention),
                                updated_at = now()
                            WHERE namespace = :namespace""")
                    .param("namespace", namespace)
                    .param("setQuota", changes.setQuota())
                    .param("quota", changes.quotaBytes())
                    .param("tags", newTags == null ? null : newTags.toArray(String[]::new))
                    .param("retention", newRules == null ? null : json.writeValueAsString(newRules))
                    .update();
            Map<String, Object> data = new LinkedHashMap<>();
            if (changes.setQuota()) {
                data.put("quotaBytes", changes.quotaBytes());
            }
            if (newTags != null) {
                data.put("immutableTags", newTags);
            }
            if (newRules != null) {
                data.put("retention", newRules);
            }
            events.record(EventType.NAMESPACE_POLICY_UPDATED, namespace, null, namespace, data);
            return get(namespace);
        });
    }

    /** The kind of the namespace ({@code user}, {@code organization}, {@code cache}), when it exists. */
    public Optional<String> kind(String namespace) {
        return jdbc.sql("SELECT kind FROM namespaces WHERE name = :namespace")
                .param("namespace", namespace)
                .query(String.class)
                .optional();
    }

    /** Namespaces that have retention rules, in name order: those after {@code after} (null: all). */
    public List<String> withRetention(String after) {
        return jdbc.sql("""
                        SELECT namespace FROM namespace_policies WHERE retention <> '[]'::jsonb
                          AND (CAST(:after AS text) IS NULL OR namespace > :after) ORDER BY namespace""")
                .param("after", after)
                .query(String.class)
                .list();
    }

    /**
     * Refuses to move or delete {@code tag} of the repository when it matches one of its namespace's
     * immutable tag patterns.
     *
     * @throws OciException 403 {@code DENIED} naming the pattern
     */
    public void requireMutable(long repositoryId, String tag) {
        List<String> patterns = jdbc.sql("""
                        SELECT p.immutable_tags FROM repositories r
                        JOIN namespace_policies p ON p.namespace = split_part(r.name, '/', 1)
                        WHERE r.id = :repository AND cardinality(p.immutable_tags) > 0""")
                .param("repository", repositoryId)
                .query((rs, n) -> strings(rs.getArray(1)))
                .optional()
                .orElse(List.of());
        String rule = TagPatterns.firstMatch(patterns, tag);
        if (rule != null) {
            throw immutable(tag, rule);
        }
    }

    /**
     * Refuses to delete the manifest {@code manifestId} when one of its tags is immutable; call after
     * locking the manifest row, so a tag pushed meanwhile is seen.
     *
     * @throws OciException 403 {@code DENIED} naming the tag and the pattern
     */
    public void requireNoImmutableTag(long manifestId) {
        Optional<String[]> found = jdbc.sql("""
                        SELECT t.name, array_to_string(p.immutable_tags, ' ') FROM tags t
                        JOIN repositories r ON r.id = t.repository_id
                        JOIN namespace_policies p ON p.namespace = split_part(r.name, '/', 1)
                        WHERE t.manifest_id = :manifest AND cardinality(p.immutable_tags) > 0""")
                .param("manifest", manifestId)
                .query((rs, n) -> new String[] {rs.getString(1), rs.getString(2)})
                .list()
                .stream()
                .filter(r -> TagPatterns.firstMatch(Arrays.asList(r[1].split(" ")), r[0]) != null)
                .findFirst();
        if (found.isPresent()) {
            String tag = found.get()[0];
            throw immutable(tag, TagPatterns.firstMatch(Arrays.asList(found.get()[1].split(" ")), tag));
        }
    }

    private static OciException immutable(String tag, String rule) {
        return new OciException(OciErrorCode.DENIED, "tag " + tag + " is immutable (rule \"" + rule
                + "\" of the namespace policy): it cannot be moved or deleted", Map.of("tag", tag, "rule", rule));
    }

    private List<RetentionRule> rules(String text) {
        return text == null ? List.of() : json.readValue(text, RULES);
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? List.of() : List.of((String[]) array.getArray());
    }
}
