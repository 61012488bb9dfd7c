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

/**
 * Reading request bodies of the management API (and the web UI's forms, which make the same
 * things): every mistake is a 400 that says what is wrong.
 */
public final class Bodies {

    /** A scope as the API takes it. */
    record ScopeBody(String repositories, List<String> actions) {
    }

    /** The longest robot description accepted. */
    public static final int MAX_DESCRIPTION = 500;
    /** The longest token name accepted. */
    public static final int MAX_LABEL = 100;
    /** The latest expiry accepted: PostgreSQL and RFC 3339 both stop being simple after year 9999. */
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private Bodies() {
    }

    /**
     * A free-text field (a token's name, a robot's description): null stays null; otherwise at most
     * {@code max} characters, none of them a control character (C0, DEL, C1, line and paragraph
     * separators) or half of a surrogate pair. Such characters cannot be stored (U+0000) or
     * would forge lines where the text is shown or logged.
     */
    public static String text(String field, String value, int max) {
        if (value == null) {
            return null;
        }
        if (value.length() > max) {
            throw badRequest(field + " has at most " + max + " characters");
        }
        for (int i = 0; i < value.length(); ) {
            int c = value.codePointAt(i);
            if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || Character.getType(c) == Character.SURROGATE) {
                throw badRequest(field + " must not contain control characters or half surrogate pairs (found U+"
                        + String.format("%04X", c) + " at position " + i + ")");
            }
            i += Character.charCount(c);
        }
        return value;
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

    /**
     * The expiry from {@code expiresAt} (RFC 3339) or {@code expiresInDays}; null when neither is
     * given. Whether it is within {@code wharf.auth.max-token-lifetime} is checked where tokens are made.
     */
    public static Instant expiry(String expiresAt, Integer expiresInDays, Clock clock) {
        if (expiresAt != null && expiresInDays != null) {
            throw badRequest("give expiresAt or expiresInDays, not both");
        }
        if (expiresInDays != null) {
            if (expiresInDays < 1 || expiresInDays > 36_500) {
                throw badRequest("expiresInDays must be between 1 and 36500 (and within wharf.auth.max-token-lifetime)");
            }
            return clock.instant().plus(Duration.ofDays(expiresInDays));
        }
        if (expiresAt != null) {
            Instant instant;
            try {
                instant = Instant.parse(expiresAt);
            } catch (DateTimeParseException e) {
                throw badRequest("expiresAt must be an RFC 3339 time such as 2030-01-31T00:00:00Z");
            }
            if (instant.isAfter(LATEST)) {
                throw badRequest("expiresAt must be before the year 10000");
            }
            return instant;
        }
        return null;
    }

    static OciException badRequest(String message) {
        return new OciException(OciErrorCode.UNSUPPORTED, 400, message, null);
    }

    /** A page of a newest-first list: at most {@code limit} entries with ids below {@code before}. */
    record Page(int limit, Long before) {
    }

    /** The largest page of a newest-first list. */
    static final int MAX_PAGE = 1000;

    /** Reads {@code n} (default 100, at most {@link #MAX_PAGE}) and {@code before} (an id). */
    static Page page(String n, String before) {
        int limit = 100;
        if (n != null) {
            try {
                limit = Integer.parseInt(n);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1) {
                throw badRequest("n must be a positive integer");
            }
            limit = Math.min(limit, MAX_PAGE);
        }
        Long beforeId = null;
        if (before != null) {
            try {
                beforeId = Long.parseLong(before);
            } catch (NumberFormatException e) {
                beforeId = -1L;
            }
            if (beforeId < 1) {
                throw badRequest("before must be the id of an entry of the previous page");
            }
        }
        return new Page(limit, beforeId);
    }

    static OciException forbidden(String message) {
        return new OciException(OciErrorCode.DENIED, 403, message, null);
    }

    /** {@code s} cut to 40 characters, for quoting client input in an error. */
    static String clip(String s) {
        return s == null ? "null" : s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
