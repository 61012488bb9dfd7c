package dev.wharf.server.auth.token;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code scope} parameters of a token request, parsed with the grammar of distribution's
 * scope.md: {@code resourcetype[(class)]:resourcename:action[,action]*}. The name may itself
 * contain a {@code :} (a host with a port), so the type ends at the first colon and the actions
 * start after the last one. Resource classes are ignored, as the spec now asks.
 */
final class TokenScopes {

    /** One requested resource. {@code actions} are wire names; {@code *} means all. */
    record Requested(String type, String name, Set<String> actions) {
        boolean isRepository() {
            return type.equals("repository");
        }

        boolean isCatalog() {
            return type.equals("registry") && name.equals("catalog");
        }
    }

    private static final int MAX_SCOPES = 64;

    private TokenScopes() {
    }

    /**
     * Parses every scope of {@code values} (each may hold several, separated by spaces).
     *
     * @throws OciException 400 for a scope that breaks the grammar, or a repository name that
     *                      breaks the name grammar
     */
    static List<Requested> parse(List<String> values) {
        List<Requested> scopes = new ArrayList<>();
        for (String value : values) {
            if (value == null) {
                continue;
            }
            for (String s : value.trim().split(" +")) {
                if (s.isEmpty()) {
                    continue;
                }
                if (scopes.size() >= MAX_SCOPES) {
                    throw invalid("too many scopes (at most " + MAX_SCOPES + ")");
                }
                scopes.add(parseOne(s));
            }
        }
        return scopes;
    }

    private static Requested parseOne(String s) {
        int first = s.indexOf(':');
        int last = s.lastIndexOf(':');
        if (first <= 0 || last == first) {
            throw invalid("invalid scope: " + abbreviate(s));
        }
        String type = s.substring(0, first);
        int paren = type.indexOf('(');
        if (paren > 0 && type.endsWith(")")) {
            type = type.substring(0, paren);
        }
        if (!type.matches("[a-z0-9]+")) {
            throw invalid("invalid scope type: " + abbreviate(s));
        }
        String name = s.substring(first + 1, last);
        if (type.equals("repository") && !RepositoryName.isValid(name)) {
            throw new OciException(OciErrorCode.NAME_INVALID, "invalid repository name in scope: " + abbreviate(name));
        }
        Set<String> actions = new LinkedHashSet<>();
        for (String a : s.substring(last + 1).split(",")) {
            if (!a.matches("[a-z]*|\\*")) {
                throw invalid("invalid action in scope: " + abbreviate(s));
            }
            if (!a.isEmpty()) {
                actions.add(a);
            }
        }
        return new Requested(type, name, actions);
    }

    private static OciException invalid(String message) {
        return new OciException(OciErrorCode.UNSUPPORTED, 400, message, null);
    }

    private static String abbreviate(String s) {
        return s.length() <= 100 ? s : s.substring(0, 97) + "...";
    }
}
