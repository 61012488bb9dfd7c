package dev.wharf.server.catalog;

import java.util.List;
import java.util.function.Predicate;

/**
 * Which repositories a caller sees in the catalog, in a form the catalog walks with index range
 * scans instead of testing every name in the registry: everything, or some ranges of names (each
 * with a test for the names in it) and, optionally, the public repositories. The access policy
 * builds it; the catalog never decides access itself.
 *
 * @param everything         the caller sees every repository (admins, auth disabled)
 * @param ranges             where the names the caller may see lie, when not everything
 * @param publicRepositories whether the public repositories are seen too
 */
public record CatalogFilter(boolean everything, List<Range> ranges, boolean publicRepositories) {

    /**
     * Sorts after every repository name: the name grammar's largest character is {@code z}, and
     * {@code {} follows it in byte order.
     */
    static final String END = "{";

    public CatalogFilter {
        ranges = List.copyOf(ranges);
    }

    /** Every repository. */
    public static CatalogFilter all() {
        return new CatalogFilter(true, List.of(), false);
    }

    /** The names of {@code ranges} that their tests accept, and the public repositories when asked. */
    public static CatalogFilter of(List<Range> ranges, boolean publicRepositories) {
        return new CatalogFilter(false, ranges, publicRepositories);
    }

    /**
     * The names from {@code from} (inclusive) to {@code to} (exclusive) in byte order that
     * {@code accepts} takes; {@code accepts} should run in time linear in the name.
     */
    public record Range(String from, String to, Predicate<String> accepts) {

        /** The names starting with {@code prefix} ({@code ""}: every name) that {@code accepts} takes. */
        public static Range prefix(String prefix, Predicate<String> accepts) {
            return new Range(prefix, prefix.isEmpty() ? END : successor(prefix), accepts);
        }

        /** The one name {@code name}, when it exists and {@code accepts} takes it. */
        public static Range exactly(String name, Predicate<String> accepts) {
            // '-' is the smallest character a name may continue with: nothing else lies in between
            return new Range(name, name + "-", n -> n.equals(name) && accepts.test(n));
        }

        /** The repositories of namespace {@code namespace} that {@code accepts} takes. */
        public static List<Range> namespace(String namespace, Predicate<String> accepts) {
            return List.of(exactly(namespace, accepts), prefix(namespace + "/", accepts));
        }

        /** The first string after every string starting with {@code prefix}. */
        private static String successor(String prefix) {
            char last = prefix.charAt(prefix.length() - 1);
            return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
        }
    }
}
