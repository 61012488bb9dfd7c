package dev.wharf.testing;

import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading registry response headers the way clients do. */
public final class Responses {

    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]*)>\\s*;\\s*rel=\"?next\"?");

    private Responses() {
    }

    /** The first value of a header; fails when it is absent. */
    public static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name)
                .orElseThrow(() -> new AssertionError(response.request().method() + " " + response.request().uri()
                        + " answered " + response.statusCode() + " without a " + name + " header; headers: "
                        + response.headers().map()));
    }

    /** The {@code Location} header (relative or absolute, usable with {@link RegistryHttp}). */
    public static String location(HttpResponse<?> response) {
        return header(response, "Location");
    }

    /** Every element of a list-valued header, over all its field lines (RFC 9110 section 5.3). */
    public static List<String> listHeader(HttpResponse<?> response, String name) {
        return response.headers().allValues(name).stream()
                .flatMap(v -> Arrays.stream(v.split(",")))
                .map(String::trim)
                .filter(v -> !v.isEmpty())
                .toList();
    }

    /** The target of the {@code Link: <...>; rel="next"} header, or null when there is none. */
    public static String nextLink(HttpResponse<?> response) {
        for (String value : response.headers().allValues("Link")) {
            Matcher m = NEXT_LINK.matcher(value);
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }

    /** {@code url} with {@code param} (already encoded) appended to its query. */
    public static String withQuery(String url, String param) {
        return url + (url.contains("?") ? "&" : "?") + param;
    }
}
