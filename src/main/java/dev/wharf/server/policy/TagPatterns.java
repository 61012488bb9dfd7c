package dev.wharf.server.policy;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.server.auth.Scope;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Tag patterns of immutable-tag and retention rules: a tag's characters and {@code *}, which
 * matches any characters ({@code v*}, {@code release-*}, {@code *}). Matched in linear time by the
 * glob matcher the access scopes use ({@link Scope#matches(String, String)}), whatever the pattern.
 */
public final class TagPatterns {

    /** At most this many patterns in a namespace's immutable tags. */
    public static final int MAX_PATTERNS = 50;
    /** At most this many {@code *} in one pattern. */
    public static final int MAX_WILDCARDS = Scope.MAX_WILDCARDS;

    private static final Pattern GRAMMAR = Pattern.compile("[A-Za-z0-9_.*-]{1,128}");

    private TagPatterns() {
    }

    /** True when the tag matches the pattern. */
    public static boolean matches(String pattern, String tag) {
        return Scope.matches(pattern, tag);
    }

    /** The first of {@code patterns} the tag matches, or null. */
    public static String firstMatch(List<String> patterns, String tag) {
        for (String p : patterns) {
            if (matches(p, tag)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Checks one pattern.
     *
     * @throws OciException 400 {@code UNSUPPORTED} saying what is wrong
     */
    public static String validate(String pattern) {
        if (pattern == null || !GRAMMAR.matcher(pattern).matches()) {
            throw bad("invalid tag pattern " + (pattern == null ? "null" : "\"" + shorten(pattern) + "\"")
                    + ": 1 to 128 of A-Z a-z 0-9 _ . - and * (any characters)");
        }
        if (pattern.chars().filter(c -> c == '*').count() > MAX_WILDCARDS) {
            throw bad("a tag pattern may have at most " + MAX_WILDCARDS + " wildcards");
        }
        // "**" means the same as "*" for tags: keep one, so the matcher sees no "/" rule
        return pattern.replaceAll("\\*+", "*");
    }

    /** Checks a list of patterns (duplicates removed, order kept). */
    public static List<String> validateAll(List<String> patterns) {
        if (patterns.size() > MAX_PATTERNS) {
            throw bad("at most " + MAX_PATTERNS + " immutable tag patterns");
        }
        LinkedHashSet<String> valid = new LinkedHashSet<>();
        for (String p : patterns) {
            valid.add(validate(p));
        }
        return new ArrayList<>(valid);
    }

    static OciException bad(String message) {
        return new OciException(OciErrorCode.UNSUPPORTED, 400, message, null);
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
