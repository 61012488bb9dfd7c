package dev.wharf.server.storage.filesystem;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.server.storage.BlobNotFoundException;
import dev.wharf.server.storage.BlobSource;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.server.storage.BlobWriter;
import dev.wharf.server.storage.RunningDigests;
import dev.wharf.server.storage.StoredObject;
import dev.wharf.server.storage.UploadGoneException;
import dev.wharf.server.storage.UploadState;
import dev.wharf.server.storage.WriteFence;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Blobs as files under one root directory. The layout, in one place:
 *
 * <pre>
 * &lt;root&gt;/blobs/&lt;algorithm&gt;/&lt;first two hex digits&gt;/&lt;hex&gt;   a published blob
 * &lt;root&gt;/uploads/&lt;upload id&gt;/&lt;writer tag&gt;                 a segment of an upload in progress
 * </pre>
 *
 * Uploads are appended in place to their last segment while writers hand over cleanly, and get a
 * new segment when a writer takes over from one that lost its lease (see {@link WriteFence}).
 * Publishing fsyncs and hard-links a single segment into {@code blobs/} (or concatenates several
 * into a file renamed there; both atomic on one filesystem), then fsyncs the directory. Reads can use the file directly
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

    static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> PRIVATE_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

    /** Stored content is readable by the server's user alone: directories 0700, files 0600. */
    static Path privateDirectories(Path dir) throws IOException {
        return POSIX ? Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY))
                : Files.createDirectories(dir);
    }

    Path blobPath(Digest digest) {
        return blobs.resolve(digest.algorithm().prefix()).resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
    }

    Path uploadPath(String uploadId) {
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
        Path dir = uploadPath(uploadId);
        if (POSIX) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY));
        } else {
            Files.createDirectory(dir);
        }
        return new FilesystemUploadWriter(this, uploadId, new UploadState(0, algorithm, null, ""), WriteFence.exclusive(),
                runningDigests);
    }

    @Override
    public BlobWriter resumeWriter(String uploadId, UploadState state, WriteFence fence) throws IOException {
        Path dir = uploadPath(uploadId);
        if (!Files.isDirectory(dir) || state.storeState() == null) {
            throw new UploadGoneException("the data of upload " + uploadId + " is gone");
        }
        return new FilesystemUploadWriter(this, uploadId, state, fence, runningDigests);
    }

    @Override
    public void delete(Digest digest) throws IOException {
        Files.deleteIfExists(blobPath(digest));
    }

    @Override
    public void inventory(Consumer<StoredObject> each) throws IOException {
        for (DigestAlgorithm algorithm : DigestAlgorithm.values()) {
            Path dir = blobs.resolve(algorithm.prefix());
            for (Path prefixDir : children(dir)) {
                String prefix = prefixDir.getFileName().toString();
                for (Path file : children(prefixDir)) {
                    String hex = file.getFileName().toString();
                    if (!hex.startsWith(prefix) || !algorithm.isEncodedValid(hex)) {
                        continue;
                    }
                    BasicFileAttributes attributes = attributes(file);
                    if (attributes != null && attributes.isRegularFile()) {
                        each.accept(new StoredObject.Blob(new Digest(algorithm, hex), attributes.size(),
                                attributes.lastModifiedTime().toInstant()));
                    }
                }
            }
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(uploads)) {
            for (Path upload : entries) {
                BasicFileAttributes attributes = attributes(upload);
                if (attributes == null) {
                    continue;
                }
                long size = attributes.isRegularFile() ? attributes.size() : 0;
                Instant newest = attributes.lastModifiedTime().toInstant();
                if (attributes.isDirectory()) {
                    for (Path file : children(upload)) {
                        BasicFileAttributes f = attributes(file);
                        if (f != null) {
                            size += f.size();
                            newest = f.lastModifiedTime().toInstant().isAfter(newest) ? f.lastModifiedTime().toInstant()
                                    : newest;
                        }
                    }
                }
                each.accept(new StoredObject.Upload(upload.getFileName().toString(), size, newest));
            }
        }
    }

    /** The entries of a directory (empty when it is gone), read before the caller looks at them. */
    private static List<Path> children(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(out::add);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        }
        return out;
    }

    private static BasicFileAttributes attributes(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public OptionalLong minimumChunkLength() {
        return OptionalLong.empty();
    }

    @Override
    public void deleteUpload(String uploadId) throws IOException {
        Path path = uploadPath(uploadId);
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(path)) {
                for (Path file : files) {
                    Files.deleteIfExists(file);
                }
            }
        }
        // also a single file: the layout of versions before segments
        Files.deleteIfExists(path);
    }


    static void fsyncDirectory(Path dir) {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            // not every platform can open a directory; the rename itself is still atomic
        }
    }

}
