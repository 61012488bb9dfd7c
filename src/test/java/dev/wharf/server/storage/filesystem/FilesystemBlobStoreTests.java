package dev.wharf.server.storage.filesystem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.server.storage.BlobStoreContract;
import dev.wharf.server.storage.BlobWriter;
import dev.wharf.server.storage.RunningDigests;
import dev.wharf.server.storage.UploadState;
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
    private RunningDigests otherDigests;

    @BeforeEach
    void setUp() throws IOException {
        store = new FilesystemBlobStore(root, new RunningDigests(100));
        otherDigests = new RunningDigests(100);
        other = new FilesystemBlobStore(root, otherDigests);
    }

    @Override
    protected RunningDigests otherReplicaDigests() {
        return otherDigests;
    }

    @Override
    protected java.util.List<String> scratchOf(String uploadId) throws IOException {
        Path dir = root.resolve("uploads").resolve(uploadId);
        if (!Files.exists(dir)) {
            return java.util.List.of();
        }
        try (var files = Files.list(dir)) {
            return java.util.stream.Stream.concat(java.util.stream.Stream.of(uploadId),
                    files.map(f -> uploadId + "/" + f.getFileName())).sorted().toList();
        }
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
                .isEqualTo("rwx------");
        writer.append(new ByteArrayInputStream(content));
        try (var segments = Files.list(root.resolve("uploads").resolve(uploadId))) {
            assertThat(segments).allSatisfy(segment -> assertThat(PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(segment))).isEqualTo("rw-------"));
        }
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
    void committedUploadsLeaveNoScratchFilesOnceDeleted() throws Exception {
        byte[] content = TestData.random(1000);
        String id = UUID.randomUUID().toString();
        BlobWriter writer = store.newWriter(id, DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(content));
        writer.commit(Digest.sha256(content));
        store.deleteUpload(id);
        try (var files = Files.list(root.resolve("uploads"))) {
            assertThat(files).isEmpty();
        }
        assertThat(store.open(Digest.sha256(content)).localFile().orElseThrow()).hasBinaryContent(content);
    }

    @Test
    void aSegmentPublishedByAHardLinkIsNeverAppendedToInPlace() throws Exception {
        // a publish whose session could not be closed (database down): the client retries, and the
        // next writer must not grow the file that is now also the published blob
        byte[] content = TestData.random(5000);
        String id = UUID.randomUUID().toString();
        BlobWriter writer = store.newWriter(id, DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(content));
        UploadState state = writer.state();
        writer.commit(Digest.sha256(content));
        BlobWriter retry = other.resumeWriter(id, state, fence("g9", true));
        retry.append(new ByteArrayInputStream(TestData.random(100)));
        assertThat(store.open(Digest.sha256(content)).localFile().orElseThrow()).hasBinaryContent(content);
    }
}
