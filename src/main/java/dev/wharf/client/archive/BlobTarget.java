package dev.wharf.client.archive;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where one downloaded blob goes while it is being verified. Bytes arrive in order; nothing is
 * final until {@link #commit()}, which the caller invokes only after the digest matched.
 * {@link #abort()} discards what was written and may be called more than once.
 */
public interface BlobTarget {

    /** Appends bytes. */
    void write(ByteBuffer bytes) throws IOException;

    /** Bytes written so far. */
    long written();

    /** Forgets everything after the first {@code size} bytes (a resumed download restarts there). */
    void truncate(long size) throws IOException;

    /** Makes the blob final. */
    void commit() throws IOException;

    void abort();
}
