package dev.wharf.server.ui;

import dev.wharf.oci.OciException;
import dev.wharf.server.auth.Action;
import dev.wharf.server.auth.Scope;
import dev.wharf.server.management.Bodies;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Reading the UI's forms into what the services take, with the API's own checks (see {@link Bodies}). */
final class Forms {

    private Forms() {
    }

    /** One scope from a pattern field and the checked actions; 400 when either is wrong. */
    static List<Scope> scopes(String pattern, List<String> actions) {
        if (pattern == null || pattern.isBlank()) {
            throw new OciException(dev.wharf.oci.OciErrorCode.UNSUPPORTED, 400, "give a repository pattern", null);
        }
        Set<Action> set = EnumSet.noneOf(Action.class);
        if (actions != null) {
            for (String a : actions) {
                Action action = a == null ? null : Action.fromWire(a);
                if (action == null) {
                    throw new OciException(dev.wharf.oci.OciErrorCode.UNSUPPORTED, 400,
                            "unknown action " + Pages.shorten(String.valueOf(a)), null);
                }
                set.add(action);
            }
        }
        return List.of(new Scope(pattern.strip(), set));
    }

    /** The expiry of a "days" field: null (the longest allowed) when empty. */
    static Instant expiry(String days, Clock clock) {
        if (days == null || days.isBlank()) {
            return null;
        }
        int n;
        try {
            n = Integer.parseInt(days.strip());
        } catch (NumberFormatException e) {
            throw new OciException(dev.wharf.oci.OciErrorCode.UNSUPPORTED, 400, "days must be a whole number", null);
        }
        return Bodies.expiry(null, n, clock);
    }
}
