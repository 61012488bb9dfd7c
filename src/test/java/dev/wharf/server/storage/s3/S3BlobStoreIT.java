package dev.wharf.server.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.server.storage.BlobStore;
import dev.wharf.server.storage.BlobStoreContract;
import dev.wharf.server.storage.BlobWriter;
import dev.wharf.server.storage.RunningDigests;
import dev.wharf.testing.S3Server;
import dev.wharf.testing.TestData;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** The blob store contract against a real S3-compatible server (s3proxy). */
class S3BlobStoreIT extends BlobStoreContract {

    private static final long PART = 5L * 1024 * 1024;
    private static S3Server server;
    private static S3Client client;
    private static int bucketCounter;

    private S3BlobStore store;
    private S3BlobStore other;
    private RunningDigests otherDigests;

    @BeforeAll
    static void startServer() {
        server = S3Server.start();
        client = server.client();
    }

    @AfterAll
    static void stopServer() {
        client.close();
        server.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        String bucket = "contract-" + (++bucketCounter);
        client.createBucket(b -> b.bucket(bucket));
        Path spool = Files.createTempDirectory("wharf-spool-");
        store = new S3BlobStore(client, null, bucket, "registry/", PART, spool, new RunningDigests(100));
        otherDigests = new RunningDigests(100);
        other = new S3BlobStore(client, null, bucket, "/registry", PART, spool, otherDigests);
    }

    @Override
    protected RunningDigests otherReplicaDigests() {
        return otherDigests;
    }

    @Override
    protected List<String> scratchOf(String uploadId) {
        return store.listKeys().stream().filter(k -> k.startsWith("registry/uploads/" + uploadId + "/")).toList();
    }

    @Override
    protected BlobStore store() {
        return store;
    }

    @Override
    protected BlobStore otherReplica() {
        return other;
    }

    @Override
    protected long partSize() {
        return PART;
    }

    @Test
    void blobsLiveAtTheirContentAddressedKeyAndUploadsLeaveNothingBehind() throws Exception {
        byte[] content = TestData.random((int) PART + 100);
        Digest digest = Digest.sha256(content);
        String id = UUID.randomUUID().toString();
        BlobWriter writer = store.newWriter(id, DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(content));
        writer.commit(digest);
        store.deleteUpload(id);
        assertThat(store.listKeys()).contains("registry/blobs/sha256/" + digest.hex().substring(0, 2) + "/" + digest.hex())
                .noneMatch(k -> k.startsWith("registry/uploads/"));
    }

    @Test
    void abandonedMultipartUploadsAreAbortedOnceOlderThanTheCutoff() throws Exception {
        String bucket = "contract-" + bucketCounter;
        String key = "registry/blobs/sha256/ab/abandoned";
        String uploadId = client.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        assertThat(store.sweepAbandoned(java.time.Instant.now().minusSeconds(3600))).as("too young").isZero();
        assertThat(client.listMultipartUploads(b -> b.bucket(bucket)).uploads())
                .anyMatch(u -> u.uploadId().equals(uploadId));
        assertThat(store.sweepAbandoned(java.time.Instant.now().plusSeconds(60))).isEqualTo(1);
        assertThat(client.listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
    }

    @Test
    void chunkMinimumIsThePartSize() {
        assertThat(store.minimumChunkLength()).hasValue(PART);
    }
}
