package dev.wharf.client;

import java.io.IOException;
import java.io.InputStream;

/**
 * The bytes of one blob to upload, readable again from any offset: after an interrupted upload the
 * transfer resumes where the registry says it stands, re-reading from there (a local file seeks, a
 * remote blob is fetched with a {@code Range}, a layer compressed on the way is compressed again
 * and skipped forward).
 */
interface BlobSource {

    /** The size in bytes, or -1 when only reading tells (compressed on the way). */
    long size();

    /** Opens the content at {@code offset}. */
    InputStream open(long offset) throws IOException;

    /** A source whose every open starts at 0 and skips forward: for generated content. */
    static BlobSource skipping(long size, IoSupplier<InputStream> opener) {
        return new BlobSource() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public InputStream open(long offset) throws IOException {
                InputStream in = opener.get();
                long left = offset;
                while (left > 0) {
                    long n = in.skip(left);
                    if (n <= 0) {
                        if (in.read() < 0) {
                            in.close();
                            throw new IOException("content ends before byte " + offset);
                        }
                        n = 1;
                    }
                    left -= n;
                }
                return in;
            }
        };
    }

    @FunctionalInterface
    interface IoSupplier<T> {
        T get() throws IOException;
    }
}
