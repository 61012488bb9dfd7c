package dev.wharf.server.webhook;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.Action;
import dev.wharf.server.auth.Scope;
import dev.wharf.server.events.EventType;
import dev.wharf.server.events.Events;
import dev.wharf.server.secrets.SecretSealer;
import dev.wharf.server.web.HttpUrls;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A namespace's webhooks (table {@code webhooks}) and their deliveries. Authorization is the
 * caller's (the management API asks the access policy); this checks what is asked is sound: an
 * http(s) URL outside {@code wharf.webhooks.denied-networks}, known event types, a repository
 * pattern within the namespace, a secret of sensible size. Secrets are stored sealed
 * ({@link SecretSealer}) and shown only when Wharf generated them, once.
 *
 * <p>Signing: every delivery carries the Standard Webhooks headers {@code webhook-id},
 * {@code webhook-timestamp} and {@code webhook-signature} ({@code v1,<base64 HMAC-SHA256>} of
 * {@code <id>.<timestamp>.<body>}); docs/API.md shows how to verify it.
 */
@Service
public class Webhooks {

    /** A webhook as the API shows it (never its secret). */
    public record Webhook(String id, String namespace, String url, List<String> events, String repositories,
                          boolean enabled, String description, String createdBy, Instant createdAt) {
    }

    /** A created webhook, with its secret when Wharf generated it (shown this once). */
    public record Created(Webhook webhook, String secret) {
    }

    /** What to change; null fields keep their value. */
    public record Changes(String url, List<String> events, String repositories, String secret, String description,
                          Boolean enabled) {
    }

    /** One event's delivery to a webhook. */
    public record Delivery(long id, long eventId, String eventType, String state, int attempts, Instant lastAttemptAt,
                           Integer lastStatus, String lastError, Instant nextAttemptAt, Instant deliveredAt) {
    }

    /** What a delivery needs: where to, and how to sign. */
    record Target(long id, String publicId, String url, String secret) {
    }

    static final String GENERATED_PREFIX = "whsec_";
    private static final int MIN_SECRET = 16;
    private static final int MAX_SECRET = 256;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger log = LoggerFactory.getLogger(Webhooks.class);

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final SecretSealer sealer;
    private final NetworkGuard guard;
    private final Events events;
    private final WebhookProperties properties;

    Webhooks(JdbcClient jdbc, TransactionTemplate transactions, SecretSealer sealer, NetworkGuard guard, Events events,
             WebhookProperties properties) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.sealer = sealer;
        this.guard = guard;
        this.events = events;
        this.properties = properties;
    }

    /** The event types a webhook may subscribe to, by wire name. */
    public static List<String> eventTypes() {
        return EnumSet.allOf(EventType.class).stream().filter(EventType::forWebhooks)
                .filter(t -> t != EventType.WEBHOOK_PING).map(EventType::wire).toList();
    }

    /**
     * Creates a webhook of {@code namespace}.
     *
     * @throws OciException 400 for anything unsound, 404 {@code NAME_UNKNOWN} for an unknown
     *                      namespace, 403 {@code DENIED} beyond {@code wharf.webhooks.max-per-namespace}
     */
    public Created create(String namespace, String url, List<String> eventTypes, String repositories, String secret,
                          String description, Boolean enabled) {
        String checkedUrl = url(required(url, "url"));
        String[] types = types(eventTypes == null ? List.of(EventType.MANIFEST_PUSHED.wire()) : eventTypes);
        String pattern = pattern(namespace, repositories);
        String generated = secret == null ? generateSecret() : null;
        String theSecret = secret == null ? generated : secret(secret);
        String publicId = "wh_" + random(9);
        String actor = events.currentActor().name();
        Webhook created = transactions.execute(status -> {
            List<String> ns = jdbc.sql("SELECT name FROM namespaces WHERE name = :ns FOR SHARE")
                    .param("ns", namespace).query(String.class).list();
            if (ns.isEmpty()) {
                throw new OciException(OciErrorCode.NAME_UNKNOWN, 404, "namespace " + namespace + " does not exist", null);
            }
            long count = jdbc.sql("SELECT count(*) FROM webhooks WHERE namespace = :ns")
                    .param("ns", namespace).query(Long.class).single();
            if (count >= properties.maxPerNamespace()) {
                throw new OciException(OciErrorCode.DENIED, 403, "namespace " + namespace + " has " + count
                        + " webhooks, the most allowed (wharf.webhooks.max-per-namespace)", null);
            }
            Webhook w = jdbc.sql("""
                            INSERT INTO webhooks (public_id, namespace, url, event_types, repositories, secret, enabled,
                                                  description, created_by)
                            VALUES (:id, :ns, :url, CAST(:types AS text[]), :repositories, :secret, :enabled,
                                    :description, :createdBy)
                            RETURNING public_id, namespace, url, event_types, repositories, enabled, description,
                                      created_by, created_at""")
                    .param("id", publicId)
                    .param("ns", namespace)
                    .param("url", checkedUrl)
                    .param("types", types)
                    .param("repositories", pattern)
                    .param("secret", sealer.sealSecret(sealId(publicId), theSecret))
                    .param("enabled", enabled == null || enabled)
                    .param("description", description)
                    .param("createdBy", actor)
                    .query((rs, n) -> webhook(rs))
                    .single();
            events.record(EventType.WEBHOOK_CREATED, namespace, null, publicId,
                    Map.of("url", checkedUrl, "events", List.of(types)));
            return w;
        });
        return new Created(created, generated);
    }

    public List<Webhook> list(String namespace) {
        return jdbc.sql("""
                        SELECT public_id, namespace, url, event_types, repositories, enabled, description, created_by,
                               created_at
                        FROM webhooks WHERE namespace = :ns ORDER BY created_at, id""")
                .param("ns", namespace)
                .query((rs, n) -> webhook(rs))
                .list();
    }

    /** @throws OciException 404 when the namespace has no such webhook */
    public Webhook get(String namespace, String id) {
        return find(namespace, id).orElseThrow(() -> unknown(namespace, id));
    }

    /** Applies {@code changes}; fields left null keep their value. */
    public Webhook update(String namespace, String id, Changes changes) {
        String url = changes.url() == null ? null : url(changes.url());
        String[] types = changes.events() == null ? null : types(changes.events());
        String pattern = changes.repositories() == null ? null : pattern(namespace, changes.repositories());
        String secret = changes.secret() == null ? null : sealer.sealSecret(sealId(id), secret(changes.secret()));
        return transactions.execute(status -> {
            Webhook w = jdbc.sql("""
                            UPDATE webhooks SET url = COALESCE(:url, url),
                                event_types = COALESCE(CAST(:types AS text[]), event_types),
                                repositories = CASE WHEN :clearRepositories THEN NULL
                                                    ELSE COALESCE(:repositories, repositories) END,
                                secret = COALESCE(:secret, secret),
                                description = COALESCE(:description, description),
                                enabled = COALESCE(:enabled, enabled)
                            WHERE namespace = :ns AND public_id = :id
                            RETURNING public_id, namespace, url, event_types, repositories, enabled, description,
                                      created_by, created_at""")
                    .param("url", url)
                    .param("types", types)
                    .param("clearRepositories", "".equals(changes.repositories()))
                    .param("repositories", pattern)
                    .param("secret", secret)
                    .param("description", changes.description())
                    .param("enabled", changes.enabled())
                    .param("ns", namespace)
                    .param("id", id)
                    .query((rs, n) -> webhook(rs))
                    .optional()
                    .orElseThrow(() -> unknown(namespace, id));
            Map<String, Object> changed = new LinkedHashMap<>();
            if (url != null) {
                changed.put("url", url);
            }
            if (types != null) {
                changed.put("events", List.of(types));
            }
            if (changes.enabled() != null) {
                changed.put("enabled", changes.enabled());
            }
            if (secret != null) {
                changed.put("secret", "changed");
            }
            events.record(EventType.WEBHOOK_UPDATED, namespace, null, id, changed);
            return w;
        });
    }

    public void delete(String namespace, String id) {
        transactions.executeWithoutResult(status -> {
            int n = jdbc.sql("DELETE FROM webhooks WHERE namespace = :ns AND public_id = :id")
                    .param("ns", namespace).param("id", id).update();
            if (n == 0) {
                throw unknown(namespace, id);
            }
            events.record(EventType.WEBHOOK_DELETED, namespace, null, id, Map.of());
        });
    }

    /** Sends a {@code webhook.ping} event to this webhook only (whatever it subscribes to). */
    public Delivery ping(String namespace, String id) {
        return transactions.execute(status -> {
            long webhookId = jdbc.sql("SELECT id FROM webhooks WHERE namespace = :ns AND public_id = :id")
                    .param("ns", namespace).param("id", id).query(Long.class).optional()
                    .orElseThrow(() -> unknown(namespace, id));
            long eventId = events.record(EventType.WEBHOOK_PING, namespace, null, id, Map.of("webhook", id));
            return jdbc.sql("""
                            INSERT INTO webhook_deliveries (webhook_id, event_id) VALUES (:webhook, :event)
                            RETURNING id, event_id, :type, state, attempts, last_attempt_at, last_status, last_error,
                                      next_attempt_at, delivered_at""")
                    .param("webhook", webhookId)
                    .param("event", eventId)
                    .param("type", EventType.WEBHOOK_PING.wire())
                    .query((rs, n) -> delivery(rs))
                    .single();
        });
    }

    /** Deliveries of the webhook, newest first, before delivery id {@code before} (null: the newest). */
    public List<Delivery> deliveries(String namespace, String id, Long before, int limit) {
        long webhookId = jdbc.sql("SELECT id FROM webhooks WHERE namespace = :ns AND public_id = :id")
                .param("ns", namespace).param("id", id).query(Long.class).optional()
                .orElseThrow(() -> unknown(namespace, id));
        return jdbc.sql("""
                        SELECT d.id, d.event_id, e.type, d.state, d.attempts, d.last_attempt_at, d.last_status,
                               d.last_error, d.next_attempt_at, d.delivered_at
                        FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
                        WHERE d.webhook_id = :webhook AND d.id < :before
                        ORDER BY d.id DESC LIMIT :limit""")
                .param("webhook", webhookId)
                .param("before", before == null ? Long.MAX_VALUE : before)
                .param("limit", limit)
                .query((rs, n) -> delivery(rs))
                .list();
    }

    /** Where and how to deliver to webhook {@code id} (row id), with its secret opened. */
    Optional<Target> target(long id) {
        return jdbc.sql("SELECT id, public_id, url, secret FROM webhooks WHERE id = :id")
                .param("id", id)
                .query((rs, n) -> new Target(rs.getLong(1), rs.getString(2), rs.getString(3),
                        sealer.openSecret(sealId(rs.getString(2)), rs.getString(4))))
                .optional();
    }

    /** Seals secrets stored in clear or with the previous key-encryption key anew (at start). */
    int resealSecrets() {
        int resealed = 0;
        for (var row : jdbc.sql("SELECT public_id, secret FROM webhooks").query((rs, n) -> Map.entry(rs.getString(1), rs.getString(2))).list()) {
            if (!sealer.upToDate(row.getValue())) {
                String secret = sealer.openSecret(sealId(row.getKey()), row.getValue());
                resealed += jdbc.sql("UPDATE webhooks SET secret = :secret WHERE public_id = :id AND secret = :old")
                        .param("secret", sealer.sealSecret(sealId(row.getKey()), secret))
                        .param("id", row.getKey())
                        .param("old", row.getValue())
                        .update();
            }
        }
        return resealed;
    }

    @EventListener(ApplicationReadyEvent.class)
    void resealAtStart() {
        try {
            int n = resealSecrets();
            if (n > 0) {
                log.info("sealed {} webhook secrets anew with the current key-encryption key", n);
            }
        } catch (RuntimeException e) {
            log.warn("could not seal webhook secrets anew: {}", e.getMessage());
        }
    }

    private Optional<Webhook> find(String namespace, String id) {
        return jdbc.sql("""
                        SELECT public_id, namespace, url, event_types, repositories, enabled, description, created_by,
                               created_at
                        FROM webhooks WHERE namespace = :ns AND public_id = :id""")
                .param("ns", namespace)
                .param("id", id)
                .query((rs, n) -> webhook(rs))
                .optional();
    }

    private String url(String url) {
        URI uri = HttpUrls.absolute(url, "", "receivers check the webhook-signature header instead");
        if (uri.getRawFragment() != null) {
            throw badRequest("url must not have a fragment");
        }
        try {
            Optional<String> refusal = guard.refusal(uri.getHost());
            if (refusal.isPresent()) {
                throw badRequest(refusal.get());
            }
        } catch (UnknownHostException e) {
            throw badRequest("url's host " + uri.getHost() + " does not resolve");
        }
        return url;
    }

    private static String[] types(List<String> wire) {
        if (wire.isEmpty() || wire.size() > EventType.values().length) {
            throw badRequest("events lists the event types to send, e.g. [\"manifest.pushed\"]; known: " + eventTypes());
        }
        Set<String> types = new LinkedHashSet<>();
        for (String w : wire) {
            Optional<EventType> type = EventType.fromWire(w);
            if (type.isEmpty() || !type.get().forWebhooks() || type.get() == EventType.WEBHOOK_PING) {
                throw badRequest("unknown event type " + (w == null ? "null" : "\"" + clip(w) + "\"")
                        + "; webhooks can receive " + eventTypes());
            }
            types.add(w);
        }
        return types.toArray(String[]::new);
    }

    private static String pattern(String namespace, String repositories) {
        if (repositories == null || repositories.isEmpty()) {
            return null;
        }
        Scope scope;
        try {
            scope = new Scope(repositories, EnumSet.of(Action.PULL));
        } catch (OciException e) {
            throw badRequest("repositories: " + e.getMessage());
        }
        if (!namespace.equals(scope.namespace())) {
            throw badRequest("repositories must be a pattern within namespace " + namespace + ", e.g. " + namespace + "/app-*");
        }
        return repositories;
    }

    private static String secret(String secret) {
        if (secret.length() < MIN_SECRET || secret.length() > MAX_SECRET) {
            throw badRequest("secret has " + MIN_SECRET + " to " + MAX_SECRET + " characters");
        }
        for (int i = 0; i < secret.length(); i++) {
            char c = secret.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw badRequest("secret consists of printable ASCII characters without spaces");
            }
        }
        if (secret.startsWith(GENERATED_PREFIX)) {
            byte[] key;
            try {
                key = Base64.getDecoder().decode(secret.substring(GENERATED_PREFIX.length()));
            } catch (IllegalArgumentException e) {
                key = new byte[0];
            }
            if (key.length < MIN_SECRET) {
                throw badRequest("a secret starting with " + GENERATED_PREFIX + " is base64 of at least " + MIN_SECRET
                        + " bytes (the Standard Webhooks form); leave the prefix out for a plain secret");
            }
        }
        return secret;
    }

    private static String generateSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return GENERATED_PREFIX + Base64.getEncoder().encodeToString(key);
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String sealId(String publicId) {
        return "webhook:" + publicId;
    }

    private static String required(String value, String field) {
        if (value == null) {
            throw badRequest(field + " is required");
        }
        return value;
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static OciException badRequest(String message) {
        return new OciException(OciErrorCode.UNSUPPORTED, 400, message, null);
    }

    private static OciException unknown(String namespace, String id) {
        return new OciException(OciErrorCode.NAME_UNKNOWN, 404, "namespace " + namespace + " has no webhook " + clip(id), null);
    }

    private static Webhook webhook(ResultSet rs) throws SQLException {
        Array types = rs.getArray(4);
        List<String> events = new ArrayList<>(List.of((String[]) types.getArray()));
        return new Webhook(rs.getString(1), rs.getString(2), rs.getString(3), events, rs.getString(5), rs.getBoolean(6),
                rs.getString(7), rs.getString(8), rs.getTimestamp(9).toInstant());
    }

    private static Delivery delivery(ResultSet rs) throws SQLException {
        return new Delivery(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                instant(rs.getTimestamp(6)), (Integer) rs.getObject(7), rs.getString(8), instant(rs.getTimestamp(9)),
                instant(rs.getTimestamp(10)));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
