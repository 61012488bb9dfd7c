package dev.wharf.oci;

import java.util.regex.Pattern;

/**
 * A validated tag: {@code [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}}.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests">spec: tag grammar</a>
 */
public record Tag(String value) implements Reference {

    private static final Pattern GRAMMAR = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");

    public Tag {
        if (!isValid(value)) {
            throw new OciException(OciErrorCode.MANIFEST_INVALID, "invalid tag: " + value);
        }
    }

    public static Tag of(String value) {
        return new Tag(value);
    }

    public static boolean isValid(String value) {
        return value != null && GRAMMAR.matcher(value).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
