package dev.wharf.server.management;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.server.auth.Action;
import dev.wharf.server.auth.Scope;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Reading request bodies of the management API: every mistake is a 400 that says what is wrong. */
final class Bodies {

    /** A scope as the API takes it. */
    record ScopeBody(String repositories, List<String> actions) {
    }

    private Bodies() {
    }

    static <T> T required(T body) {
        if (body == null) {
            throw badRequest("a JSON body is required");
        }
        return body;
    }

    static List<Scope> scopes(List<ScopeBody> bodies) {
        if (bodies == null) {
            return null;
        }
        List<Scope> scopes = new ArrayList<>();
        for (ScopeBody b : bodies) {
            if (b == null || b.repositories() == null || b.actions() == null) {
                throw badRequest("a scope is {\"repositories\": \"<pattern>\", \"actions\": [\"pull\", ...]}");
            }
            Set<Action> actions = EnumSet.noneOf(Action.class);
            for (String a : b.actions()) {
                Action action = a == null ? null : Action.fromWire(a);
                if (action == null) {
                    throw badRequest("unknown action " + a + "; actions are pull, push and delete");
                }
                actions.add(action);
            }
            scopes.add(new Scope(b.repositories(), actions));
        }
        return scopes;
    }

    /** The expiry from {@code expiresAt} (RFC 3339) or {@code expiresInDays}; null when neither is given. */
    static Instant expiry(String expiresAt, Integer expiresInDays, Clock clock) {
        if (expiresAt != null && expiresInDays != null) {
            throw badRequest("give expiresAt or expiresInDays, not both");
        }
        if (expiresInDays != null) {
            if (expiresInDays < 1 || expiresInDays > 3650) {
                throw badRequest("expiresInDays must be between 1 and 3650");
            }
            return clock.instant().plus(Duration.ofDays(expiresInDays));
        }
        if (expiresAt != null) {
            try {
                return Instant.parse(expiresAt);
            } catch (DateTimeParseException e) {
                throw badRequest("expiresAt must be an RFC 3339 time such as 2030-01-31T00:00:00Z");
            }
        }
        return null;
    }

    static OciException badRequest(String message) {
        return new OciException(OciErrorCode.UNSUPPORTED, 400, message, null);
    }
}
