package dev.wharf.oci;

import java.util.regex.Pattern;

/**
 * A validated repository name ({@code <name>} in the spec): lower-case path components separated by
 * {@code /}, at most {@value #MAX_LENGTH} characters. A valid name never contains {@code ..}, an
 * empty component or any character outside {@code [a-z0-9._/-]}, so it is safe in paths and queries.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests">spec: name grammar</a>
 */
public record RepositoryName(String value) implements Comparable<RepositoryName> {

    /** Distribution's limit; clients limit host + "/" + name to 255 as well. */
    public static final int MAX_LENGTH = 255;

    private static final Pattern GRAMMAR = Pattern.compile(
            "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");

    public RepositoryName {
        if (!isValid(value)) {
            throw new OciException(OciErrorCode.NAME_INVALID, "invalid repository name: " + describe(value));
        }
    }

    /** Parses {@code value}, throwing {@code NAME_INVALID} when it breaks the grammar or the limit. */
    public static RepositoryName of(String value) {
        return new RepositoryName(value);
    }

    public static boolean isValid(String value) {
        return value != null && !value.isEmpty() && value.length() <= MAX_LENGTH && GRAMMAR.matcher(value).matches();
    }

    /** The first path component: the namespace the repository belongs to. */
    public String namespace() {
        int slash = value.indexOf('/');
        return slash < 0 ? value : value.substring(0, slash);
    }

    @Override
    public String toString() {
        return value;
    }

    @Override
    public int compareTo(RepositoryName o) {
        return value.compareTo(o.value);
    }

    private static String describe(String value) {
        if (value == null || value.isEmpty()) {
            return "(empty)";
        }
        if (value.length() > MAX_LENGTH) {
            return value.length() + " characters, more than " + MAX_LENGTH;
        }
        return value;
    }
}
