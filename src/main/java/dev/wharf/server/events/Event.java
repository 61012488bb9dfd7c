package dev.wharf.server.events;

import java.time.Instant;
import java.util.Map;

/**
 * A recorded event: a row of the {@code events} table (the outbox and the audit log).
 *
 * @param id         increasing, unique; the CloudEvents {@code id}
 * @param type       what happened
 * @param outcome    {@code success}, {@code denied} or {@code failure}
 * @param namespace  the namespace it concerns, or null
 * @param repository the repository it concerns, or null
 * @param target     what it was done to, in the type's terms (a tag, a digest, an account name)
 * @param data       the type's details (docs/API.md)
 */
public record Event(long id, Instant occurredAt, EventType type, String outcome, Actor actor, String namespace,
                    String repository, String target, Map<String, Object> data) {

    public static final String SUCCESS = "success";
    public static final String DENIED = "denied";
    public static final String FAILURE = "failure";
}
