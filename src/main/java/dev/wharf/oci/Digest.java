package dev.wharf.oci;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A validated content digest such as {@code sha256:6c3c62...}. Only the algorithms of
 * {@link DigestAlgorithm} are accepted, each with its exact encoded form, so a {@code Digest} is
 * always safe to use in a storage path or a query.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests">image-spec: Digests</a>
 */
public record Digest(DigestAlgorithm algorithm, String hex) implements Comparable<Digest> {

    /** The grammar of the spec: {@code algorithm ":" encoded}. Well-formed is not yet supported. */
    private static final Pattern GRAMMAR =
            Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");

    public Digest {
        if (algorithm == null || hex == null || !algorithm.isEncodedValid(hex)) {
            throw new OciException(OciErrorCode.DIGEST_INVALID, "invalid digest: " + algorithm + ":" + hex);
        }
    }

    /**
     * Parses a digest string.
     *
     * @throws OciException {@code DIGEST_INVALID} when the string is malformed, names an
     *         unsupported algorithm, or its encoded part has the wrong form for the algorithm
     */
    public static Digest parse(String value) {
        if (value == null || value.length() > 256 || !GRAMMAR.matcher(value).matches()) {
            throw new OciException(OciErrorCode.DIGEST_INVALID, "invalid digest: " + abbreviate(value));
        }
        int colon = value.indexOf(':');
        DigestAlgorithm algorithm = DigestAlgorithm.fromPrefix(value.substring(0, colon));
        if (algorithm == null) {
            throw new OciException(OciErrorCode.DIGEST_INVALID,
                    "unsupported digest algorithm: " + value.substring(0, colon));
        }
        String hex = value.substring(colon + 1);
        if (!algorithm.isEncodedValid(hex)) {
            throw new OciException(OciErrorCode.DIGEST_INVALID,
                    "invalid " + algorithm.prefix() + " digest: " + abbreviate(value));
        }
        return new Digest(algorithm, hex);
    }

    /** True when {@code value} looks like a digest (has the spec grammar), supported or not. */
    public static boolean looksLikeDigest(String value) {
        return value != null && value.indexOf(':') > 0;
    }

    /** The digest of {@code bytes} with {@code algorithm}. */
    public static Digest of(DigestAlgorithm algorithm, byte[] bytes) {
        return fromHash(algorithm, algorithm.newMessageDigest().digest(bytes));
    }

    /** The SHA-256 digest of {@code bytes}. */
    public static Digest sha256(byte[] bytes) {
        return of(DigestAlgorithm.SHA256, bytes);
    }

    /** Completes {@code md} (which must run {@code algorithm}) into a digest. */
    public static Digest finish(DigestAlgorithm algorithm, MessageDigest md) {
        return fromHash(algorithm, md.digest());
    }

    private static Digest fromHash(DigestAlgorithm algorithm, byte[] hash) {
        return new Digest(algorithm, HexFormat.of().formatHex(hash));
    }

    @Override
    public String toString() {
        return algorithm.prefix() + ":" + hex;
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }

    private static String abbreviate(String value) {
        if (value == null) {
            return "(none)";
        }
        return value.length() <= 80 ? value : value.substring(0, 77) + "...";
    }
}
