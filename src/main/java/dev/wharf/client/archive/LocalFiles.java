package dev.wharf.client.archive;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Read access to the files of an image on disk, whether a directory or a tar archive (an OCI
 * layout or a {@code docker save} archive can be either). Paths use {@code /} and are relative to
 * the root. Streams may be opened from any thread, several at once.
 */
public interface LocalFiles extends Closeable {

    /** The size of a regular file, or -1 when there is none at {@code path}. */
    long size(String path) throws IOException;

    default boolean exists(String path) throws IOException {
        return size(path) >= 0;
    }

    /** Opens a file from byte {@code offset} on. */
    InputStream open(String path, long offset) throws IOException;

    /** Reads a small file whole, refusing more than {@code limit} bytes. */
    default byte[] read(String path, int limit) throws IOException {
        long size = size(path);
        if (size < 0) {
            throw new java.nio.file.NoSuchFileException(describe() + ": " + path);
        }
        if (size > limit) {
            throw new IOException(describe() + ": " + path + " is larger than " + limit + " bytes");
        }
        try (InputStream in = open(path, 0)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    /** For messages: the directory or archive. */
    String describe();

    /** Opens a directory, or a tar archive (indexed once, then read in place). */
    static LocalFiles open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return new DirectoryFiles(path);
        }
        if (Files.isRegularFile(path)) {
            return TarFiles.open(path);
        }
        throw new java.nio.file.NoSuchFileException(path.toString());
    }
}
