package dev.wharf.client;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * A running digest over a blob being uploaded, with a checkpoint at the last offset the registry
 * confirmed. After an interruption the upload resumes at whatever offset the registry reports;
 * {@link #seek} brings the digest there from the checkpoint (or from the start) by re-reading the
 * bytes in between, since the JDK cannot rewind a {@link MessageDigest}.
 */
final class ResumableDigest {

    private final DigestAlgorithm algorithm;
    private MessageDigest md;
    private long position;
    private MessageDigest saved;
    private long savedPosition;
    private long generation;

    ResumableDigest(DigestAlgorithm algorithm) {
        this.algorithm = algorithm;
        this.md = algorithm.newMessageDigest();
        this.saved = clone(md);
    }

    private void update(byte[] b, int off, int len) {
        md.update(b, off, len);
        position += len;
    }

    /**
     * Adds bytes read by a request of {@code generation}; fails when a {@link #seek} has started a
     * newer one since (a request given up on whose publisher is still reading).
     */
    synchronized void update(long expectedGeneration, byte[] b, int off, int len) throws IOException {
        if (expectedGeneration != generation) {
            throw new IOException("upload attempt abandoned");
        }
        update(b, off, len);
    }

    /** Incremented by every {@link #seek}. */
    synchronized long generation() {
        return generation;
    }

    synchronized long position() {
        return position;
    }

    /** The digest of everything so far (the running state is kept). */
    synchronized Digest current() {
        return Digest.finish(algorithm, clone(md));
    }

    /** Remembers the current state as the point to resume from. */
    synchronized void checkpoint() {
        saved = clone(md);
        savedPosition = position;
    }

    /**
     * Opens {@code source} at {@code offset}, with the digest brought to the same offset.
     */
    synchronized InputStream seek(BlobSource source, long offset) throws IOException {
        generation++;
        long start;
        if (offset >= savedPosition) {
            md = clone(saved);
            start = savedPosition;
        } else {
            md = algorithm.newMessageDigest();
            saved = clone(md);
            savedPosition = 0;
            start = 0;
        }
        position = start;
        InputStream in = source.open(start);
        byte[] buffer = new byte[256 * 1024];
        long left = offset - start;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                in.close();
                throw new IOException("content ends at byte " + position + ", before " + offset);
            }
            update(buffer, 0, n);
            left -= n;
        }
        return in;
    }

    private static MessageDigest clone(MessageDigest md) {
        try {
            return (MessageDigest) md.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's digests are cloneable", e);
        }
    }
}
