package dev.wharf.server.auth;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** What a principal may do with a repository: the actions of the Docker token scope grammar. */
public enum Action {
    PULL, PUSH, DELETE;

    /** Every action. */
    public static Set<Action> all() {
        return EnumSet.allOf(Action.class);
    }

    public static Set<Action> none() {
        return EnumSet.noneOf(Action.class);
    }

    /** The wire name: {@code pull}, {@code push}, {@code delete}. */
    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name; null when it is none of ours (other registries' actions are ignored). */
    public static Action fromWire(String name) {
        return switch (name) {
            case "pull" -> PULL;
            case "push" -> PUSH;
            case "delete" -> DELETE;
            default -> null;
        };
    }
}
