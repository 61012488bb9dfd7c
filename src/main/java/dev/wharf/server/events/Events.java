package dev.wharf.server.events;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Records events (the outbox and audit log, table {@code events}) and reads them back.
 *
 * <p>{@link #record} joins the caller's transaction: an event of a change commits or rolls back
 * with it, so subscribers never hear of something that did not happen and never miss something
 * that did. Outside a transaction (a failed sign-in, a refused push) it commits on its own.
 * Thread-safe.
 */
@Component
public class Events {

    /** An audit query; every filter is optional. Results are newest first, before {@code before}. */
    public record Query(String namespace, String repository, String actor, Set<EventType> types, Instant since,
                        Instant until, Long before, int limit) {
    }

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Actors actors;
    private final EventDispatcher dispatcher;

    Events(JdbcClient jdbc, JsonMapper json, Actors actors, EventDispatcher dispatcher) {
        this.jdbc = jdbc;
        this.json = json;
        this.actors = actors;
        this.dispatcher = dispatcher;
    }

    /**
     * Records a successful {@code type} by the current actor.
     *
     * @return the event's id
     */
    public long record(EventType type, String namespace, String repository, String target, Map<String, ?> data) {
        return record(type, Event.SUCCESS, actors.current(), namespace, repository, target, data);
    }

    /**
     * Records {@code type} with the given outcome and actor (sign-ins, where the actor is who tried).
     *
     * @return the event's id
     */
    public long record(EventType type, String outcome, Actor actor, String namespace, String repository,
                       String target, Map<String, ?> data) {
        long id = jdbc.sql("""
                        INSERT INTO events (type, outcome, actor, actor_kind, client_address, request_id, namespace,
                                            repository, target, data)
                        VALUES (:type, :outcome, :actor, :kind, :address, :requestId, :namespace, :repository, :target,
                                CAST(:data AS jsonb))
                        RETURNING id""")
                .param("type", type.wire())
                .param("outcome", outcome)
                .param("actor", actor.name())
                .param("kind", actor.kind())
                .param("address", actor.address())
                .param("requestId", actor.requestId())
                .param("namespace", namespace)
                .param("repository", repository)
                .param("target", target)
                .param("data", json.writeValueAsString(data == null ? Map.of() : data))
                .query(Long.class)
                .single();
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    dispatcher.wake();
                }
            });
        } else {
            dispatcher.wake();
        }
        return id;
    }

    /** The current actor, for callers that record on behalf of someone else's request. */
    public Actor currentActor() {
        return actors.current();
    }

    /** Events matching {@code query}, newest first. */
    public List<Event> find(Query query) {
        String[] types = query.types() == null || query.types().isEmpty() ? null
                : query.types().stream().map(EventType::wire).toArray(String[]::new);
        return jdbc.sql("""
                        SELECT id, occurred_at, type, outcome, actor, actor_kind, client_address, request_id,
                               namespace, repository, target, data::text
                        FROM events
                        WHERE id < :before
                          AND (CAST(:namespace AS text) IS NULL OR namespace = :namespace)
                          AND (CAST(:repository AS text) IS NULL OR repository = :repository)
                          AND (CAST(:actor AS text) IS NULL OR actor = :actor)
                          AND (CAST(:types AS text[]) IS NULL OR type = ANY (CAST(:types AS text[])))
                          AND (CAST(:since AS timestamptz) IS NULL OR occurred_at >= :since)
                          AND (CAST(:until AS timestamptz) IS NULL OR occurred_at < :until)
                        ORDER BY id DESC LIMIT :limit""")
                .param("before", query.before() == null ? Long.MAX_VALUE : query.before())
                .param("namespace", query.namespace())
                .param("repository", query.repository())
                .param("actor", query.actor())
                .param("types", types)
                .param("since", query.since() == null ? null : java.sql.Timestamp.from(query.since()))
                .param("until", query.until() == null ? null : java.sql.Timestamp.from(query.until()))
                .param("limit", query.limit())
                .query((rs, n) -> event(rs))
                .list();
    }

    /** Events by id (for deliveries), in id order; unknown ids are left out. */
    public List<Event> byIds(List<Long> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.sql("""
                        SELECT id, occurred_at, type, outcome, actor, actor_kind, client_address, request_id,
                               namespace, repository, target, data::text
                        FROM events WHERE id = ANY (CAST(:ids AS bigint[])) ORDER BY id""")
                .param("ids", ids.toArray(Long[]::new))
                .query((rs, n) -> event(rs))
                .list();
    }

    Event event(ResultSet rs) throws SQLException {
        Map<String, Object> data = new LinkedHashMap<>(json.readValue(rs.getString(12), MAP));
        return new Event(rs.getLong(1), rs.getTimestamp(2).toInstant(),
                EventType.fromWire(rs.getString(3)).orElseThrow(() -> new IllegalStateException("unknown event type")),
                rs.getString(4), new Actor(rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8)),
                rs.getString(9), rs.getString(10), rs.getString(11), data);
    }
}
