package dev.wharf.server.webhook;

import dev.wharf.server.events.Event;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a webhook receives: the event as a CloudEvents 1.0 JSON document (structured mode,
 * {@code application/cloudevents+json}), signed the Standard Webhooks way.
 *
 * <ul>
 *   <li>{@code id}: the event's id (the same for every retry, so receivers can drop duplicates);
 *       {@code type}: {@code dev.wharf.<event type>}; {@code source}: the repository or namespace as
 *       a path, under {@code wharf.external-url} when set; {@code subject}: what the event was done
 *       to (a tag, a digest, a name); {@code time}; {@code data}: the namespace, repository, actor
 *       (name and kind, never its address) and the type's own fields.</li>
 *   <li>Headers {@code webhook-id} ({@code wharf-<event id>}), {@code webhook-timestamp} (Unix
 *       seconds) and {@code webhook-signature}: {@code v1,} and the base64 HMAC-SHA256 of
 *       {@code <webhook-id>.<webhook-timestamp>.<body>}. The HMAC key is the secret's bytes after
 *       {@code whsec_} base64-decoded for secrets Wharf generated, the secret's UTF-8 bytes
 *       otherwise.</li>
 * </ul>
 */
@Component
class WebhookMessages {

    static final String CONTENT_TYPE = "application/cloudevents+json";

    private final JsonMapper json;
    private final String externalUrl;

    WebhookMessages(JsonMapper json, @Value("${wharf.external-url:}") String externalUrl) {
        this.json = json;
        this.externalUrl = externalUrl == null ? "" : externalUrl.replaceAll("/+$", "");
    }

    byte[] body(Event event) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("namespace", event.namespace());
        if (event.repository() != null) {
            data.put("repository", event.repository());
        }
        data.put("outcome", event.outcome());
        Map<String, Object> actor = new LinkedHashMap<>();
        actor.put("name", event.actor().name());
        actor.put("kind", event.actor().kind());
        data.put("actor", actor);
        data.putAll(event.data());
        Map<String, Object> cloudEvent = new LinkedHashMap<>();
        cloudEvent.put("specversion", "1.0");
        cloudEvent.put("id", Long.toString(event.id()));
        cloudEvent.put("source", externalUrl + "/" + (event.repository() != null ? event.repository() : event.namespace()));
        cloudEvent.put("type", "dev.wharf." + event.type().wire());
        if (event.target() != null) {
            cloudEvent.put("subject", event.target());
        }
        cloudEvent.put("time", event.occurredAt().toString());
        cloudEvent.put("datacontenttype", "application/json");
        cloudEvent.put("data", data);
        return json.writeValueAsBytes(cloudEvent);
    }

    Map<String, String> signatureHeaders(Event event, byte[] body, String secret, Instant now) {
        String id = "wharf-" + event.id();
        String timestamp = Long.toString(now.getEpochSecond());
        return Map.of("webhook-id", id, "webhook-timestamp", timestamp,
                "webhook-signature", "v1," + sign(secret, id, timestamp, body));
    }

    /** The base64 HMAC-SHA256 of {@code id.timestamp.body} under the secret's key. */
    static String sign(String secret, String id, String timestamp, byte[] body) {
        byte[] key = secret.startsWith(Webhooks.GENERATED_PREFIX)
                ? Base64.getDecoder().decode(secret.substring(Webhooks.GENERATED_PREFIX.length()))
                : secret.getBytes(StandardCharsets.UTF_8);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
