package dev.wharf.server.web;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The query parameters of a request, read from the query string alone. The servlet
 * {@code getParameter} would read a form-encoded request body to find parameters, and an upload
 * body must never be consumed that way.
 */
public final class QueryParams {

    private final Map<String, List<String>> values;

    private QueryParams(Map<String, List<String>> values) {
        this.values = values;
    }

    public static QueryParams of(HttpServletRequest request) {
        return parse(request.getQueryString());
    }

    public static QueryParams parse(String query) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
        }
        return new QueryParams(values);
    }

    /**
     * Decodes one name or value. No parameter of the API can hold a control character, and PostgreSQL
     * text cannot hold NUL, so those are refused here rather than deep in a query.
     */
    private static String decode(String s) {
        String decoded;
        try {
            decoded = URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            decoded = s;
        }
        for (int i = 0; i < decoded.length(); i++) {
            if (Character.isISOControl(decoded.charAt(i))) {
                throw new OciException(OciErrorCode.UNSUPPORTED, 400,
                        "query parameters cannot contain control characters", null);
            }
        }
        return decoded;
    }

    /** The first value of {@code name}, or null. */
    public String get(String name) {
        List<String> v = values.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** Every value of {@code name}, in order. */
    public List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }
}
