package dev.wharf.server.proxy;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.server.web.HttpUrls;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.unit.DataSize;

/**
 * Reading what the admin API is given about other registries (a cache's upstream, a replication
 * target): every mistake is a 400 that says what is wrong.
 */
public final class Addresses {

    private static final int MAX_CREDENTIAL = 1000;

    private Addresses() {
    }

    /**
     * A registry's address: an absolute http or https URL with a host and optionally a port, no
     * path, query, fragment or credentials; returned as {@code scheme://authority}.
     */
    public static URI url(String url) {
        URI uri = HttpUrls.absolute(url, ", e.g. https://registry-1.docker.io", "give username and password");
        if (uri.getRawQuery() != null || uri.getRawFragment() != null
                || uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
            throw badRequest("url is the registry's address only (scheme, host, port), without a path: the API is at /v2/");
        }
        return URI.create(uri.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + uri.getRawAuthority());
    }

    public static String credential(String field, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.length() > MAX_CREDENTIAL) {
            throw badRequest(field + " has at most " + MAX_CREDENTIAL + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || field.equals("username") && c == ':') {
                throw badRequest(field + " must not contain control characters" + (field.equals("username") ? " or ':'" : ""));
            }
        }
        return value;
    }

    public static Duration duration(String value) {
        Duration d;
        try {
            d = DurationStyle.detectAndParse(value.strip());
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw badRequest("a duration is like 30s, 10m, 12h or 7d: " + clip(value));
        }
        if (d.isNegative() || d.compareTo(Duration.ofDays(3650)) > 0) {
            throw badRequest("a duration is between 0s and 3650d: " + clip(value));
        }
        return d;
    }

    /** {@code d} the way {@link #duration} reads it: {@code 7d}, {@code 12h}, {@code 10m}, {@code 30s} or {@code 250ms}. */
    public static String print(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    public static long size(String value) {
        DataSize size;
        try {
            size = DataSize.parse(value.strip());
        } catch (IllegalArgumentException e) {
            throw badRequest("a size is a number of bytes, or like 500MB or 20GB: " + clip(value));
        }
        if (size.isNegative()) {
            throw badRequest("a size is not negative: " + clip(value));
        }
        return size.toBytes();
    }

    public static OciException badRequest(String message) {
        return new OciException(OciErrorCode.UNSUPPORTED, 400, message, null);
    }

    /** {@code s} cut to 40 characters, for quoting client input in an error. */
    public static String clip(String s) {
        return s == null ? "null" : s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
