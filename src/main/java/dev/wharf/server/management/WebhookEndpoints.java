package dev.wharf.server.management;

import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.webhook.Webhooks;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/namespaces/{namespace}/webhooks}: a namespace's webhooks and their deliveries
 * (docs/API.md). Namespace owners (and admins) manage them.
 */
@RestController
@RequestMapping("/api/v1/namespaces/{namespace}/webhooks")
class WebhookEndpoints {

    record NewWebhook(String url, List<String> events, String repositories, String secret, String description,
                      Boolean enabled) {
    }

    /** A created webhook; {@code secret} only when Wharf generated it. */
    record CreatedWebhook(String id, String namespace, String url, List<String> events, String repositories,
                          boolean enabled, String description, String createdBy, java.time.Instant createdAt,
                          String secret) {
    }

    private final Webhooks webhooks;
    private final AccessPolicy access;

    WebhookEndpoints(Webhooks webhooks, AccessPolicy access) {
        this.webhooks = webhooks;
        this.access = access;
    }

    @GetMapping
    Map<String, Object> list(@PathVariable String namespace) {
        access.requireOwnerToRead(access.current(), namespace);
        return Map.of("webhooks", webhooks.list(namespace), "eventTypes", Webhooks.eventTypes());
    }

    @PostMapping
    ResponseEntity<CreatedWebhook> create(@PathVariable String namespace, @RequestBody(required = false) NewWebhook body) {
        Bodies.required(body);
        access.requireOwner(access.current(), namespace);
        Webhooks.Created created = webhooks.create(namespace, body.url(), body.events(), body.repositories(),
                body.secret(), Bodies.text("description", body.description(), Bodies.MAX_DESCRIPTION), body.enabled());
        Webhooks.Webhook w = created.webhook();
        return ResponseEntity.status(HttpStatus.CREATED).body(new CreatedWebhook(w.id(), w.namespace(), w.url(),
                w.events(), w.repositories(), w.enabled(), w.description(), w.createdBy(), w.createdAt(),
                created.secret()));
    }

    @GetMapping("/{id}")
    Webhooks.Webhook get(@PathVariable String namespace, @PathVariable String id) {
        access.requireOwnerToRead(access.current(), namespace);
        return webhooks.get(namespace, id);
    }

    @PatchMapping("/{id}")
    Webhooks.Webhook update(@PathVariable String namespace, @PathVariable String id,
                            @RequestBody(required = false) NewWebhook body) {
        Bodies.required(body);
        access.requireOwner(access.current(), namespace);
        return webhooks.update(namespace, id, new Webhooks.Changes(body.url(), body.events(), body.repositories(),
                body.secret(), Bodies.text("description", body.description(), Bodies.MAX_DESCRIPTION), body.enabled()));
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable String namespace, @PathVariable String id) {
        access.requireOwner(access.current(), namespace);
        webhooks.delete(namespace, id);
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/ping")
    ResponseEntity<Webhooks.Delivery> ping(@PathVariable String namespace, @PathVariable String id) {
        access.requireOwner(access.current(), namespace);
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(webhooks.ping(namespace, id));
    }

    @GetMapping("/{id}/deliveries")
    ResponseEntity<Map<String, Object>> deliveries(@PathVariable String namespace, @PathVariable String id,
                                                   @RequestParam(required = false) String n,
                                                   @RequestParam(required = false) String before) {
        access.requireOwnerToRead(access.current(), namespace);
        Bodies.Page page = Bodies.page(n, before);
        List<Webhooks.Delivery> deliveries = webhooks.deliveries(namespace, id, page.before(), page.limit() + 1);
        HttpHeaders headers = new HttpHeaders();
        if (deliveries.size() > page.limit()) {
            deliveries = deliveries.subList(0, page.limit());
            headers.add(HttpHeaders.LINK, "</api/v1/namespaces/" + namespace + "/webhooks/" + id + "/deliveries?n="
                    + page.limit() + "&before=" + deliveries.get(deliveries.size() - 1).id() + ">; rel=\"next\"");
        }
        return ResponseEntity.ok().headers(headers).body(Map.of("deliveries", deliveries));
    }
}
