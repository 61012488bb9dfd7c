package dev.wharf.server.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/** A stored blob, opened for reading. */
public interface BlobSource {

    /** The blob's size in bytes. */
    long size();

    /**
     * The local file holding the blob, for zero-copy transfer (sendfile); empty when the blob is not
     * a local file.
     */
    Optional<Path> localFile();

    /**
     * Streams {@code length} bytes starting at {@code offset}. The caller closes the stream.
     */
    InputStream openStream(long offset, long length) throws IOException;
}
