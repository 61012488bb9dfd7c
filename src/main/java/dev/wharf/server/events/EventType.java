package dev.wharf.server.events;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What an {@link Event} reports. The wire name ({@code manifest.pushed}) is what the audit API
 * shows and filters on and what webhooks subscribe to; CloudEvents carry it as
 * {@code dev.wharf.<wire name>}. docs/API.md lists them with their {@code data}.
 */
public enum EventType {
    /** A manifest was stored (data: digest, mediaType, size, tags, artifactType, subject). */
    MANIFEST_PUSHED("manifest.pushed", true),
    /** A manifest was deleted, with its tags (data: digest). */
    MANIFEST_DELETED("manifest.deleted", true),
    /** A tag now points at another manifest (data: tag, digest, previous). */
    TAG_MOVED("tag.moved", true),
    /** A tag was deleted (data: tag). */
    TAG_DELETED("tag.deleted", true),
    /** A blob was unlinked from a repository through the API (data: digest). */
    BLOB_DELETED("blob.deleted", true),
    /** A repository went with its namespace. */
    REPOSITORY_DELETED("repository.deleted", true),
    /** A repository became public or private (data: visibility). */
    VISIBILITY_CHANGED("repository.visibility", true),
    /** A push or delete was refused to an authenticated principal (data: method, path, action). */
    ACCESS_DENIED("access.denied", true),
    /** A password or secret was checked (outcome success or failure; data: via). */
    SIGN_IN("sign-in", false),
    USER_CREATED("user.created", false),
    USER_UPDATED("user.updated", false),
    USER_DELETED("user.deleted", false),
    ORGANIZATION_CREATED("organization.created", false),
    ORGANIZATION_DELETED("organization.deleted", false),
    /** Someone's role in an organization was set or removed (data: user, role or null). */
    MEMBER_CHANGED("member.changed", true),
    TOKEN_CREATED("token.created", false),
    TOKEN_REVOKED("token.revoked", false),
    ROBOT_CREATED("robot.created", true),
    ROBOT_UPDATED("robot.updated", true),
    ROBOT_SECRET_ROTATED("robot.rotated", true),
    ROBOT_DELETED("robot.deleted", true),
    WEBHOOK_CREATED("webhook.created", false),
    WEBHOOK_UPDATED("webhook.updated", false),
    WEBHOOK_DELETED("webhook.deleted", false),
    /** Sent to one webhook on request, to try it (never stored as an audit event of its own). */
    WEBHOOK_PING("webhook.ping", true),
    SIGNING_KEY_ROTATED("signing-key.rotated", false),
    SIGNING_KEY_REVOKED("signing-key.revoked", false),
    /** A pull-through cache was made through the API (data: url, public). */
    PROXY_CACHE_CREATED("proxy-cache.created", false),
    /** A pull-through cache was changed (data: what changed, never credentials). */
    PROXY_CACHE_UPDATED("proxy-cache.updated", false),
    /** A pull-through cache was deleted with what it cached (data: repositories). */
    PROXY_CACHE_DELETED("proxy-cache.deleted", false),
    /** A replication rule was made (data: direction, target, repositories, trigger). */
    REPLICATION_CREATED("replication.created", false),
    /** A replication rule was changed (data: what changed, never credentials). */
    REPLICATION_UPDATED("replication.updated", false),
    REPLICATION_DELETED("replication.deleted", false),
    /** A namespace's policy was changed (data: the fields that were set: quotaBytes, immutableTags, retention). */
    NAMESPACE_POLICY_UPDATED("namespace.policy-updated", false),
    /** A retention run untagged tags of the namespace (data: tags removed, each as repository:tag). */
    RETENTION_APPLIED("retention.applied", false);

    private static final Map<String, EventType> BY_WIRE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(EventType::wire, Function.identity()));

    private final String wire;
    private final boolean webhooks;

    EventType(String wire, boolean webhooks) {
        this.wire = wire;
        this.webhooks = webhooks;
    }

    /** The name on the wire, e.g. {@code manifest.pushed}. */
    public String wire() {
        return wire;
    }

    /** Whether a namespace's webhooks may subscribe to it (events of a namespace, nothing secret). */
    public boolean forWebhooks() {
        return webhooks;
    }

    public static Optional<EventType> fromWire(String wire) {
        return Optional.ofNullable(wire == null ? null : BY_WIRE.get(wire));
    }
}
