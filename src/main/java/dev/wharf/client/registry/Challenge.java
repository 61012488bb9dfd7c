package dev.wharf.client.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 9110 section 11.6.1), e.g.
 * {@code Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"}.
 *
 * @param scheme     the scheme, lower-cased: {@code bearer} or {@code basic}
 * @param parameters the auth-params with lower-cased names and unquoted values
 */
public record Challenge(String scheme, Map<String, String> parameters) {

    public Challenge {
        scheme = scheme.toLowerCase(Locale.ROOT);
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    public boolean isBearer() {
        return "bearer".equals(scheme);
    }

    public boolean isBasic() {
        return "basic".equals(scheme);
    }

    public String parameter(String name) {
        return parameters.get(name);
    }

    /**
     * Parses the challenges of one header value. Malformed parts are skipped rather than failing:
     * a registry's odd header should not hide the 401 behind a parse error.
     */
    public static List<Challenge> parse(String header) {
        List<Challenge> out = new ArrayList<>();
        if (header == null) {
            return out;
        }
        Parser p = new Parser(header);
        while (p.skipSpaceAndCommas()) {
            String scheme = p.token();
            if (scheme.isEmpty()) {
                p.pos++;
                continue;
            }
            Map<String, String> params = new LinkedHashMap<>();
            while (true) {
                int mark = p.pos;
                p.skipSpaceAndCommas();
                String name = p.token();
                p.skipSpace();
                if (name.isEmpty() || !p.consume('=')) {
                    // the next challenge's scheme (or the end)
                    p.pos = mark;
                    break;
                }
                p.skipSpace();
                params.put(name.toLowerCase(Locale.ROOT), p.value());
            }
            out.add(new Challenge(scheme, params));
        }
        return out;
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        boolean skipSpaceAndCommas() {
            while (pos < s.length() && (s.charAt(pos) == ',' || Character.isWhitespace(s.charAt(pos)))) {
                pos++;
            }
            return pos < s.length();
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        boolean consume(char c) {
            if (pos < s.length() && s.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        String token() {
            int start = pos;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (Character.isWhitespace(c) || c == ',' || c == '=' || c == '"') {
                    break;
                }
                pos++;
            }
            return s.substring(start, pos);
        }

        String value() {
            if (!consume('"')) {
                return token();
            }
            StringBuilder b = new StringBuilder();
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == '\\' && pos < s.length()) {
                    b.append(s.charAt(pos++));
                } else if (c == '"') {
                    break;
                } else {
                    b.append(c);
                }
            }
            return b.toString();
        }
    }
}
