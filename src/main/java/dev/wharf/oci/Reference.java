package dev.wharf.oci;

/**
 * The {@code <tag-or-digest>} of a manifest request: either a {@link Tag} or a {@link Digest}.
 */
public sealed interface Reference permits Tag, Reference.ByDigest {

    /**
     * Parses a manifest reference. Anything with a {@code :} is treated as a digest (tags cannot
     * contain one).
     *
     * @throws OciException {@code DIGEST_INVALID} for a malformed or unsupported digest,
     *         {@code MANIFEST_INVALID} for a string that is neither a tag nor a digest
     */
    static Reference parse(String value) {
        if (Digest.looksLikeDigest(value)) {
            return new ByDigest(Digest.parse(value));
        }
        return new Tag(value);
    }

    /** A reference that names a manifest by its digest. */
    record ByDigest(Digest digest) implements Reference {
        @Override
        public String toString() {
            return digest.toString();
        }
    }

    /** The digest, when this reference is one; null for a tag. */
    default Digest digestOrNull() {
        return this instanceof ByDigest d ? d.digest() : null;
    }
}
