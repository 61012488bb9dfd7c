package dev.wharf.server.storage.filesystem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.server.storage.BlobStoreContract;
import dev.wharf.server.storage.BlobWriter;
import dev.wharf.server.storage.RunningDigests;
import dev.wharf.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesystemBlobStoreTests extends BlobStoreContract {

    @TempDir
    Path root;

    private FilesystemBlobStore store;
    private FilesystemBlobStore other;

    @BeforeEach
    void setUp() throws IOException {
        store = new FilesystemBlobStore(root, new RunningDigests(100));
        other = new FilesystemBlobStore(root, new RunningDigests(100));
    }

    @Override
    protected BlobStore store() {
        return store;
    }

    @Override
    protected BlobStore otherReplica() {
        return other;
    }

    @Test
    void blobsLiveAtTheirContentAddressedPath() throws Exception {
        byte[] content = TestData.random(10);
        Digest digest = Digest.sha256(content);
        BlobWriter writer = store.newWriter(UUID.randomUUID().toString(), DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(content));
        writer.commit(digest);
        Path expected = root.resolve("blobs/sha256").resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
        assertThat(expected).hasBinaryContent(content);
        assertThat(store.open(digest).localFile()).hasValue(expected);
    }

    @Test
    void storedContentIsReadableByTheServersUserAlone() throws Exception {
        byte[] content = TestData.random(10);
        Digest digest = Digest.sha256(content);
        String uploadId = UUID.randomUUID().toString();
        BlobWriter writer = store.newWriter(uploadId, DigestAlgorithm.SHA256);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("uploads").resolve(uploadId))))
                .isEqualTo("rw-------");
        writer.append(new ByteArrayInputStream(content));
        writer.commit(digest);

        Path blob = root.resolve("blobs/sha256").resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(blob))).isEqualTo("rw-------");
        for (Path dir = blob.getParent(); dir.startsWith(root); dir = dir.getParent()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).as(dir.toString())
                    .isEqualTo("rwx------");
        }
    }

    @Test
    void aTreeMadeOpenByAnOlderVersionIsClosedAtStart() throws Exception {
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        new FilesystemBlobStore(root, new RunningDigests(10));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
    }

    @Test
    void committedUploadsLeaveNoScratchFiles() throws Exception {
        byte[] content = TestData.random(1000);
        BlobWriter writer = store.newWriter(UUID.randomUUID().toString(), DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(content));
        writer.commit(Digest.sha256(content));
        try (var files = Files.list(root.resolve("uploads"))) {
            assertThat(files).isEmpty();
        }
    }
}
