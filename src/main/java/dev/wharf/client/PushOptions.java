package dev.wharf.client;

/**
 * How to push.
 *
 * @param compression what to do with uncompressed layers of a {@code docker save} archive
 * @param gzipLevel   the deflate level for {@link Compression#GZIP}, 1 (fastest, the default, as
 *                    crane uses) to 9
 * @param sourceName  which image of the source to push: an OCI layout's
 *                    {@code org.opencontainers.image.ref.name}, or one of a docker archive's
 *                    {@code RepoTags}; null when the source holds one image, or to match the
 *                    target's tag
 */
public record PushOptions(Compression compression, int gzipLevel, String sourceName) {

    /** Layer compression. */
    public enum Compression {
        /** gzip uncompressed layers on the way (compressed layers are pushed as they are). */
        GZIP,
        /** Push layers as they are; uncompressed tar layers stay uncompressed. */
        NONE
    }

    public PushOptions {
        if (gzipLevel < 1 || gzipLevel > 9) {
            throw new IllegalArgumentException("gzip level must be 1..9");
        }
    }

    public static PushOptions defaults() {
        return new PushOptions(Compression.GZIP, 1, null);
    }
}
