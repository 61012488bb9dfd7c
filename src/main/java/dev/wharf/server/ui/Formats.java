package dev.wharf.server.ui;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.springframework.stereotype.Component;

/** Formatting for the templates ({@code ${@uiFormat.bytes(...)}}): sizes, times, digests. */
@Component("uiFormat")
public class Formats {

    private static final DateTimeFormatter EXACT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final Clock clock = Clock.systemUTC();

    /** {@code 12.3 MB}: decimal units, as registries and docker show sizes. */
    public String bytes(long bytes) {
        return humanBytes(bytes);
    }

    static String humanBytes(long bytes) {
        if (bytes < 0) {
            return "—";
        }
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB", "PB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    }

    /** {@code 3 days ago}; {@code never} for null. */
    public String ago(Instant instant) {
        if (instant == null) {
            return "never";
        }
        Duration d = Duration.between(instant, clock.instant());
        if (d.isNegative() || d.toSeconds() < 60) {
            return "just now";
        }
        if (d.toMinutes() < 60) {
            return plural(d.toMinutes(), "minute");
        }
        if (d.toHours() < 24) {
            return plural(d.toHours(), "hour");
        }
        if (d.toDays() < 60) {
            return plural(d.toDays(), "day");
        }
        if (d.toDays() < 730) {
            return plural(d.toDays() / 30, "month");
        }
        return plural(d.toDays() / 365, "year");
    }

    /** {@code 2026-01-31 12:00 UTC}; empty for null. */
    public String exact(Instant instant) {
        return instant == null ? "" : EXACT.format(instant);
    }

    /** The ISO-8601 form for {@code <time datetime>}. */
    public String iso(Instant instant) {
        return instant == null ? "" : instant.toString();
    }

    /** {@code sha256:0123456789ab}: a digest's algorithm and first 12 hex digits. */
    public String shortDigest(Object digest) {
        String s = String.valueOf(digest);
        int colon = s.indexOf(':');
        return colon < 0 || s.length() < colon + 13 ? s : s.substring(0, colon + 13);
    }

    /** A tag count as listings give it: {@code 10,000+} beyond what is counted. */
    public String tags(long n) {
        return n > dev.wharf.server.catalog.RepositoryListing.MAX_COUNTED_TAGS
                ? count(dev.wharf.server.catalog.RepositoryListing.MAX_COUNTED_TAGS) + "+" : count(n);
    }

    /** {@code 1,234}. */
    public String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** {@code s} as one word for a POSIX shell: in single quotes, its own single quotes escaped. */
    public String shellQuote(String s) {
        return "'" + (s == null ? "" : s.replace("'", "'\\''")) + "'";
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s") + " ago";
    }
}
