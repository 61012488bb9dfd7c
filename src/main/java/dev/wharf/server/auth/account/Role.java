package dev.wharf.server.auth.account;

import dev.wharf.server.auth.Action;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** A member's role in an organization. */
public enum Role {
    /** Everything in the namespace, including members, robots and visibility. */
    OWNER,
    /** Pull, push and delete. */
    MAINTAINER,
    /** Pull. */
    READER;

    /** What the role allows on the organization's repositories. */
    public Set<Action> actions() {
        return switch (this) {
            case OWNER, MAINTAINER -> Action.all();
            case READER -> EnumSet.of(Action.PULL);
        };
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name; null when unknown. */
    public static Role fromWire(String value) {
        for (Role r : values()) {
            if (r.wire().equals(value)) {
                return r;
            }
        }
        return null;
    }
}
