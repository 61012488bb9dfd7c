package dev.wharf.server.management;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.policy.NamespacePolicies;
import dev.wharf.server.policy.RetentionRule;
import dev.wharf.server.retention.Retention;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /api/v1/namespaces/{namespace}/policy} and {@code .../retention}: a namespace's quota,
 * usage, immutable tags and retention rules (docs/API.md, "Namespace policy"). Owners (and admins)
 * read and change them; only admins change the quota. Pull-through cache namespaces have none.
 */
@RestController
@RequestMapping("/api/v1/namespaces/{namespace}")
class PolicyEndpoints {

    private static final Set<String> FIELDS = Set.of("quotaBytes", "immutableTags", "retention");
    private static final Set<String> RULE_FIELDS = Set.of("repositories", "tags", "keepLast", "pushedWithinDays",
            "pulledWithinDays");

    private final NamespacePolicies policies;
    private final Retention retention;
    private final AccessPolicy access;

    PolicyEndpoints(NamespacePolicies policies, Retention retention, AccessPolicy access) {
        this.policies = policies;
        this.retention = retention;
        this.access = access;
    }

    @GetMapping("/policy")
    Map<String, Object> get(@PathVariable String namespace) {
        access.requireOwnerToRead(access.current(), namespace);
        requireNamespace(namespace);
        return view(namespace, policies.get(namespace));
    }

    @PutMapping("/policy")
    Map<String, Object> put(@PathVariable String namespace, @RequestBody(required = false) JsonNode body) {
        access.requireOwner(access.current(), namespace);
        requireNamespace(namespace);
        if (body == null || !body.isObject()) {
            throw Bodies.badRequest("a JSON object is required");
        }
        for (String field : body.propertyNames()) {
            if (!FIELDS.contains(field)) {
                throw Bodies.badRequest("unknown field " + clip(field) + "; a policy has quotaBytes, immutableTags, retention");
            }
        }
        if (policies.kind(namespace).filter("cache"::equals).isPresent()) {
            throw new OciException(OciErrorCode.DENIED, "namespace " + namespace + " is a pull-through cache: it has no"
                    + " quota, immutable tags or retention (its size is the cache's own settings)");
        }
        boolean setQuota = body.has("quotaBytes");
        Long quota = null;
        if (setQuota) {
            JsonNode q = body.get("quotaBytes");
            if (!q.isNull() && !(q.isIntegralNumber() && q.canConvertToLong() && q.asLong() >= 0)) {
                throw Bodies.badRequest("quotaBytes is a number of bytes (0 or more), or null for no quota");
            }
            quota = q.isNull() ? null : q.asLong();
            if (!Objects.equals(quota, policies.get(namespace).quotaBytes())) {
                if (!access.isAdmin(access.current())) {
                    throw new OciException(OciErrorCode.DENIED, "only an administrator may change a namespace's quota");
                }
            } else {
                setQuota = false;
            }
        }
        List<String> tags = body.has("immutableTags") ? strings(body.get("immutableTags")) : null;
        List<RetentionRule> rules = body.has("retention") ? rules(body.get("retention")) : null;
        return view(namespace, policies.update(namespace, new NamespacePolicies.Changes(setQuota, quota, tags, rules)));
    }

    /** Applies the retention rules now; {@code dryRun=true} only lists what would go. */
    @PostMapping("/retention")
    Retention.Report retain(@PathVariable String namespace, @RequestParam(required = false) String dryRun) {
        boolean dry;
        if (dryRun == null || dryRun.equals("false")) {
            dry = false;
        } else if (dryRun.equals("true")) {
            dry = true;
        } else {
            throw Bodies.badRequest("dryRun must be true or false");
        }
        access.requireOwner(access.current(), namespace);
        requireNamespace(namespace);
        return retention.apply(namespace, dry);
    }

    private void requireNamespace(String namespace) {
        boolean wellFormed = namespace.indexOf('/') < 0 && RepositoryName.isValid(namespace);
        if (!wellFormed || access.enabled() && policies.kind(namespace).isEmpty()) {
            throw new OciException(OciErrorCode.NAME_UNKNOWN, 404, "namespace " + clip(namespace) + " does not exist", null);
        }
    }

    private static Map<String, Object> view(String namespace, NamespacePolicies.Policy p) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("namespace", namespace);
        view.put("quotaBytes", p.quotaBytes());
        view.put("usedBytes", p.usedBytes());
        view.put("immutableTags", p.immutableTags());
        view.put("retention", p.retention());
        return view;
    }

    private static List<String> strings(JsonNode node) {
        if (!node.isArray()) {
            throw Bodies.badRequest("immutableTags is an array of tag patterns");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : node) {
            if (!n.isString()) {
                throw Bodies.badRequest("immutableTags is an array of tag patterns (strings)");
            }
            out.add(n.asString());
            if (out.size() > 1000) {
                break; // validation says how many are allowed
            }
        }
        return out;
    }

    private static List<RetentionRule> rules(JsonNode node) {
        if (!node.isArray()) {
            throw Bodies.badRequest("retention is an array of rules");
        }
        List<RetentionRule> out = new ArrayList<>();
        for (JsonNode r : node) {
            if (out.size() > RetentionRule.MAX_RULES) {
                break; // validation says how many are allowed
            }
            if (!r.isObject()) {
                throw Bodies.badRequest("a retention rule is an object");
            }
            for (String field : r.propertyNames()) {
                if (!RULE_FIELDS.contains(field)) {
                    throw Bodies.badRequest("unknown field " + clip(field) + " in a retention rule; a rule has "
                            + "repositories, tags and one of keepLast, pushedWithinDays, pulledWithinDays");
                }
            }
            out.add(new RetentionRule(text(r, "repositories"), text(r, "tags"), number(r, "keepLast"),
                    number(r, "pushedWithinDays"), number(r, "pulledWithinDays")));
        }
        return out;
    }

    private static String text(JsonNode rule, String field) {
        JsonNode v = rule.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            throw Bodies.badRequest(field + " of a retention rule is a pattern (string)");
        }
        return v.asString();
    }

    private static Integer number(JsonNode rule, String field) {
        JsonNode v = rule.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw Bodies.badRequest(field + " of a retention rule is a whole number 0 to " + RetentionRule.MAX_VALUE);
        }
        return v.asInt();
    }

    private static String clip(String s) {
        String printable = s.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
    }
}
