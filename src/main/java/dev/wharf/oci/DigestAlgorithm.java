package dev.wharf.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;

/**
 * The digest algorithms Wharf verifies content with. Each fixes the form of the encoded part:
 * lower-case hex of the algorithm's length.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests">image-spec: Digests</a>
 */
public enum DigestAlgorithm {
    SHA256("sha256", "SHA-256", 64),
    SHA512("sha512", "SHA-512", 128);

    private final String prefix;
    private final String jcaName;
    private final Pattern encoded;

    DigestAlgorithm(String prefix, String jcaName, int hexLength) {
        this.prefix = prefix;
        this.jcaName = jcaName;
        this.encoded = Pattern.compile("[a-f0-9]{" + hexLength + "}");
    }

    /** The name used in digests and in the {@code digest-algorithm} parameter, e.g. {@code sha256}. */
    public String prefix() {
        return prefix;
    }

    /** True when {@code hex} is this algorithm's encoded form (lower-case hex of the right length). */
    public boolean isEncodedValid(String hex) {
        return encoded.matcher(hex).matches();
    }

    /** A new, empty JDK message digest for this algorithm. */
    public MessageDigest newMessageDigest() {
        try {
            return MessageDigest.getInstance(jcaName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(jcaName + " is required by every Java platform", e);
        }
    }

    /** The algorithm with that digest prefix, or null when Wharf does not support it. */
    public static DigestAlgorithm fromPrefix(String prefix) {
        for (DigestAlgorithm a : values()) {
            if (a.prefix.equals(prefix)) {
                return a;
            }
        }
        return null;
    }
}
