package dev.wharf.server.webhook;

import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.Action;
import dev.wharf.server.auth.Scope;
import dev.wharf.server.events.Event;
import dev.wharf.server.events.EventSubscriber;
import dev.wharf.server.events.EventType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Turns dispatched events into deliveries: one row per (webhook, event) for every enabled webhook
 * of the event's namespace that subscribes to its type and whose repository pattern (if any)
 * matches. Pings have their delivery already.
 */
@Component
class WebhookSubscriber implements EventSubscriber {

    private record Subscription(long id, String namespace, Set<String> types, Scope repositories) {
    }

    private final JdbcClient jdbc;
    private final WebhookDeliverer deliverer;

    WebhookSubscriber(JdbcClient jdbc, WebhookDeliverer deliverer) {
        this.jdbc = jdbc;
        this.deliverer = deliverer;
    }

    @Override
    public void dispatch(List<Event> events) {
        List<Event> relevant = events.stream()
                .filter(e -> e.namespace() != null && e.type().forWebhooks())
                .toList();
        if (relevant.isEmpty()) {
            return;
        }
        boolean ping = relevant.stream().anyMatch(e -> e.type() == EventType.WEBHOOK_PING);
        String[] namespaces = relevant.stream().map(Event::namespace).distinct().toArray(String[]::new);
        List<Subscription> subscriptions = jdbc.sql("""
                        SELECT id, namespace, event_types, repositories FROM webhooks
                        WHERE enabled AND namespace = ANY (CAST(:namespaces AS text[]))""")
                .param("namespaces", namespaces)
                .query((rs, n) -> new Subscription(rs.getLong(1), rs.getString(2),
                        Set.of((String[]) rs.getArray(3).getArray()),
                        rs.getString(4) == null ? null : new Scope(rs.getString(4), EnumSet.of(Action.PULL))))
                .list();
        List<Long> webhookIds = new ArrayList<>();
        List<Long> eventIds = new ArrayList<>();
        for (Event e : relevant) {
            if (e.type() == EventType.WEBHOOK_PING) {
                continue;
            }
            for (Subscription s : subscriptions) {
                if (s.namespace().equals(e.namespace()) && s.types().contains(e.type().wire()) && matches(s, e)) {
                    webhookIds.add(s.id());
                    eventIds.add(e.id());
                }
            }
        }
        if (!webhookIds.isEmpty()) {
            jdbc.sql("""
                            INSERT INTO webhook_deliveries (webhook_id, event_id)
                            SELECT * FROM unnest(CAST(:webhooks AS bigint[]), CAST(:events AS bigint[]))
                            ON CONFLICT DO NOTHING""")
                    .param("webhooks", webhookIds.toArray(Long[]::new))
                    .param("events", eventIds.toArray(Long[]::new))
                    .update();
        }
        if ((ping || !webhookIds.isEmpty()) && TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    deliverer.wake();
                }
            });
        }
    }

    private static boolean matches(Subscription s, Event e) {
        if (s.repositories() == null) {
            return true;
        }
        return e.repository() != null && RepositoryName.isValid(e.repository())
                && s.repositories().matches(RepositoryName.of(e.repository()));
    }
}
