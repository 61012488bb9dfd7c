package dev.wharf.server.storage.filesystem;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.server.storage.BlobNotFoundException;
import dev.wharf.server.storage.BlobSource;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.server.storage.BlobWriter;
import dev.wharf.server.storage.HashingBlobWriter;
import dev.wharf.server.storage.RunningDigests;
import dev.wharf.server.storage.UploadState;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Blobs as files under one root directory. The layout, in one place:
 *
 * <pre>
 * &lt;root&gt;/blobs/&lt;algorithm&gt;/&lt;first two hex digits&gt;/&lt;hex&gt;   a published blob
 * &lt;root&gt;/uploads/&lt;upload id&gt;                               an upload in progress
 * </pre>
 *
 * Uploads are appended in place; publishing fsyncs the file and renames it into {@code blobs/}
 * (atomic on one filesystem), then fsyncs the directory. Reads can use the file directly
 * (sendfile). Several replicas may share the root over a network filesystem with atomic rename.
 */
public final class FilesystemBlobStore implements BlobStore {

    private final Path blobs;
    private final Path uploads;
    private final RunningDigests runningDigests;

    public FilesystemBlobStore(Path root, RunningDigests runningDigests) throws IOException {
        Path absolute = root.toAbsolutePath().normalize();
        this.blobs = privateDirectories(absolute.resolve("blobs"));
        this.uploads = privateDirectories(absolute.resolve("uploads"));
        if (POSIX) {
            // a tree made by an older version was 0755: closing the root closes all of it
            Files.setPosixFilePermissions(absolute, PRIVATE_DIRECTORY);
        }
        this.runningDigests = runningDigests;
    }

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> PRIVATE_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

    /** Stored content is readable by the server's user alone: directories 0700, files 0600. */
    private static Path privateDirectories(Path dir) throws IOException {
        return POSIX ? Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY))
                : Files.createDirectories(dir);
    }

    Path blobPath(Digest digest) {
        return blobs.resolve(digest.algorithm().prefix()).resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
    }

    private Path uploadPath(String uploadId) {
        if (uploadId.isEmpty() || uploadId.contains("/") || uploadId.contains("..")) {
            throw new IllegalArgumentException("bad upload id " + uploadId);
        }
        return uploads.resolve(uploadId);
    }

    @Override
    public OptionalLong stat(Digest digest) throws IOException {
        try {
            return OptionalLong.of(Files.size(blobPath(digest)));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public BlobSource open(Digest digest) throws IOException {
        Path path = blobPath(digest);
        long size;
        try {
            size = Files.size(path);
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(digest);
        }
        return new BlobSource() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public Optional<Path> localFile() {
                return Optional.of(path);
            }

            @Override
            public InputStream openStream(long offset, long length) throws IOException {
                FileChannel channel;
                try {
                    channel = FileChannel.open(path, StandardOpenOption.READ);
                } catch (NoSuchFileException e) {
                    throw new BlobNotFoundException(digest);
                }
                channel.position(offset);
                return new BoundedInputStream(Channels.newInputStream(channel), length);
            }
        };
    }

    @Override
    public Optional<URI> redirect(Digest digest, Duration ttl) {
        return Optional.empty();
    }

    @Override
    public BlobWriter newWriter(String uploadId, DigestAlgorithm algorithm) throws IOException {
        if (POSIX) {
            Files.createFile(uploadPath(uploadId), PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
        } else {
            Files.createFile(uploadPath(uploadId));
        }
        return new Writer(uploadId, new UploadState(0, algorithm, null, null));
    }

    @Override
    public BlobWriter resumeWriter(String uploadId, UploadState state) throws IOException {
        Path path = uploadPath(uploadId);
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "upload data is gone");
        }
        return new Writer(uploadId, state);
    }

    @Override
    public void delete(Digest digest) throws IOException {
        Files.deleteIfExists(blobPath(digest));
    }

    @Override
    public OptionalLong minimumChunkLength() {
        return OptionalLong.empty();
    }

    @Override
    public void deleteUpload(String uploadId) throws IOException {
        Files.deleteIfExists(uploadPath(uploadId));
    }

    private final class Writer extends HashingBlobWriter {

        private final Path path;
        private FileChannel channel;

        Writer(String uploadId, UploadState state) {
            super(uploadId, state, runningDigests);
            this.path = uploadPath(uploadId);
        }

        @Override
        protected void beginAppend() throws IOException {
            channel = FileChannel.open(path, StandardOpenOption.WRITE);
            // a crashed append may have left bytes past the recorded size
            channel.truncate(size());
            channel.position(size());
        }

        @Override
        protected void write(byte[] bytes, int offset, int length) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }

        @Override
        protected void finishAppend(long newSize) throws IOException {
            FileChannel c = channel;
            channel = null;
            c.close();
        }

        @Override
        protected void rollbackAppend(long size) throws IOException {
            FileChannel c = channel;
            channel = null;
            if (c == null) {
                return;
            }
            try (c) {
                c.truncate(size);
            }
        }

        @Override
        protected InputStream openStored() throws IOException {
            return Files.newInputStream(path);
        }

        @Override
        protected void publish(Digest digest, long size) throws IOException {
            Path target = blobPath(digest);
            if (Files.exists(target)) {
                Files.deleteIfExists(path);
                return;
            }
            try (FileChannel c = FileChannel.open(path, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Path dir = privateDirectories(target.getParent());
            try {
                Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                // another upload of the same content won the race; identical bytes
                Files.deleteIfExists(path);
                return;
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the blob store needs uploads/ and blobs/ on one filesystem", e);
            }
            fsyncDirectory(dir);
        }

        @Override
        protected void discard() throws IOException {
            Files.deleteIfExists(path);
        }

        @Override
        protected String storeState() {
            return null;
        }
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            // not every platform can open a directory; the rename itself is still atomic
        }
    }

    /** Limits a stream to a number of bytes. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long limit) {
            this.in = in;
            this.remaining = limit;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
