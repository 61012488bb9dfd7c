package dev.wharf.server.auth;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One grant of a robot account or a personal access token: a repository pattern and the actions
 * allowed on the repositories it matches. In a pattern, {@code *} matches any characters but
 * {@code /} and {@code **} matches any characters, so {@code acme/*} is every repository directly
 * in {@code acme} and {@code acme/**} every repository under it. Stored as
 * {@code pattern:action,action} entries separated by spaces.
 *
 * @param repositories the pattern
 * @param actions      the actions it grants
 */
public record Scope(String repositories, Set<Action> actions) {

    private static final Pattern PATTERN_GRAMMAR = Pattern.compile(
            "[a-z0-9*]+(?:(?:\\.|_|__|-+)[a-z0-9*]+)*(?:/[a-z0-9*]+(?:(?:\\.|_|__|-+)[a-z0-9*]+)*)*");

    public Scope {
        if (repositories == null || repositories.length() > RepositoryName.MAX_LENGTH
                || !PATTERN_GRAMMAR.matcher(repositories).matches()) {
            throw new OciException(OciErrorCode.NAME_INVALID, "invalid repository pattern: " + repositories);
        }
        if (actions == null || actions.isEmpty()) {
            throw new OciException(OciErrorCode.UNSUPPORTED, 400, "a scope needs at least one action", null);
        }
        actions = java.util.Collections.unmodifiableSet(EnumSet.copyOf(actions));
    }

    /** True when {@code name} matches the pattern. */
    public boolean matches(RepositoryName name) {
        return matches(repositories, 0, name.value(), 0);
    }

    /** The namespace this pattern stays within, or null when its first component has a wildcard. */
    public String namespace() {
        int slash = repositories.indexOf('/');
        String first = slash < 0 ? repositories : repositories.substring(0, slash);
        return first.contains("*") ? null : first;
    }

    private static boolean matches(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '*') {
                boolean any = pi + 1 < p.length() && p.charAt(pi + 1) == '*';
                int next = any ? pi + 2 : pi + 1;
                for (int k = si; k <= s.length(); k++) {
                    if (matches(p, next, s, k)) {
                        return true;
                    }
                    if (k < s.length() && !any && s.charAt(k) == '/') {
                        return false;
                    }
                }
                return false;
            }
            if (si >= s.length() || s.charAt(si) != c) {
                return false;
            }
            pi++;
            si++;
        }
        return si == s.length();
    }

    /** The actions {@code scopes} grant on {@code name} together. */
    public static Set<Action> actionsFor(List<Scope> scopes, RepositoryName name) {
        Set<Action> actions = Action.none();
        for (Scope s : scopes) {
            if (s.matches(name)) {
                actions.addAll(s.actions);
            }
        }
        return actions;
    }

    /** The stored form of {@code scopes}. */
    public static String format(List<Scope> scopes) {
        List<String> entries = new ArrayList<>();
        for (Scope s : scopes) {
            List<String> actions = new ArrayList<>();
            for (Action a : Action.values()) {
                if (s.actions.contains(a)) {
                    actions.add(a.wire());
                }
            }
            entries.add(s.repositories + ":" + String.join(",", actions));
        }
        return String.join(" ", entries);
    }

    /** Parses the stored form. */
    public static List<Scope> parse(String stored) {
        List<Scope> scopes = new ArrayList<>();
        if (stored == null || stored.isBlank()) {
            return scopes;
        }
        for (String entry : stored.trim().split("\\s+")) {
            int colon = entry.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("malformed stored scope: " + entry);
            }
            Set<Action> actions = EnumSet.noneOf(Action.class);
            for (String a : entry.substring(colon + 1).split(",")) {
                Action action = Action.fromWire(a);
                if (action != null) {
                    actions.add(action);
                }
            }
            scopes.add(new Scope(entry.substring(0, colon), actions));
        }
        return scopes;
    }
}
