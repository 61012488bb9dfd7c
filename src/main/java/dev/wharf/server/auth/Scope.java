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

    /** At most this many {@code *} or {@code **} in one pattern. */
    public static final int MAX_WILDCARDS = 8;

    public Scope {
        if (repositories == null || repositories.length() > RepositoryName.MAX_LENGTH
                || !PATTERN_GRAMMAR.matcher(repositories).matches()) {
            throw new OciException(OciErrorCode.NAME_INVALID, "invalid repository pattern: " + repositories);
        }
        if (wildcards(repositories) > MAX_WILDCARDS) {
            throw new OciException(OciErrorCode.NAME_INVALID, 400,
                    "a repository pattern may have at most " + MAX_WILDCARDS + " wildcards", null);
        }
        if (actions == null || actions.isEmpty()) {
            throw new OciException(OciErrorCode.UNSUPPORTED, 400, "a scope needs at least one action", null);
        }
        actions = java.util.Collections.unmodifiableSet(EnumSet.copyOf(actions));
    }

    /** True when {@code name} matches the pattern. */
    public boolean matches(RepositoryName name) {
        return matches(repositories, name.value());
    }

    private static int wildcards(String pattern) {
        int count = 0;
        for (int i = 0; i < pattern.length(); i++) {
            if (pattern.charAt(i) == '*') {
                count++;
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                    i++;
                }
            }
        }
        return count;
    }

    /**
     * The pattern up to its first wildcard: every name it matches starts with this (the whole
     * pattern when it has none).
     */
    public String literalPrefix() {
        int star = repositories.indexOf('*');
        return star < 0 ? repositories : repositories.substring(0, star);
    }

    /** True when {@code name} matches the pattern (any string; linear time, see {@link #matches(String, String)}). */
    public boolean matches(String name) {
        return matches(repositories, name);
    }

    /** The namespace this pattern stays within, or null when its first component has a wildcard. */
    public String namespace() {
        int slash = repositories.indexOf('/');
        String first = slash < 0 ? repositories : repositories.substring(0, slash);
        return first.contains("*") ? null : first;
    }

    /**
     * Matches {@code s} against the glob {@code p} by simulating its automaton over the set of
     * pattern positions: O(|p|·|s|) time, no backtracking, whatever the pattern (a backtracking
     * matcher is exponential in the number of wildcards).
     */
    public static boolean matches(String p, String s) {
        int n = p.length();
        boolean[] active = new boolean[n + 1];
        boolean[] next = new boolean[n + 1];
        active[0] = true;
        skipWildcards(p, active);
        for (int si = 0; si < s.length(); si++) {
            char c = s.charAt(si);
            java.util.Arrays.fill(next, false);
            boolean any = false;
            for (int pi = 0; pi < n; pi++) {
                if (!active[pi]) {
                    continue;
                }
                char t = p.charAt(pi);
                if (t == '*') {
                    boolean doubleStar = pi + 1 < n && p.charAt(pi + 1) == '*';
                    if (doubleStar || c != '/') {
                        next[pi] = true;
                        any = true;
                    }
                    if (doubleStar) {
                        pi++; // the second '*' of "**" is not a position of its own
                    }
                } else if (t == c) {
                    next[pi + 1] = true;
                    any = true;
                }
            }
            if (!any) {
                return false;
            }
            boolean[] swap = active;
            active = next;
            next = swap;
            skipWildcards(p, active);
        }
        return active[n];
    }

    /** Adds the positions reachable by letting wildcards match nothing (left to right suffices). */
    private static void skipWildcards(String p, boolean[] active) {
        int n = p.length();
        for (int pi = 0; pi < n; pi++) {
            if (active[pi] && p.charAt(pi) == '*') {
                int after = pi + 1 < n && p.charAt(pi + 1) == '*' ? pi + 2 : pi + 1;
                active[after] = true;
            }
        }
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
