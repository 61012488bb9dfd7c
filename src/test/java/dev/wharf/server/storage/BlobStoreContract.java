package dev.wharf.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link BlobStore} promises, run against each implementation (like
 * distribution's storage driver test suite). Subclasses provide the store; {@link #otherReplica()}
 * gives a second store over the same storage with its own {@link RunningDigests}, as another
 * replica would have.
 */
public abstract class BlobStoreContract {

    /** The store under test. */
    protected abstract BlobStore store();

    /** Another store over the same storage, with separate running digests (another replica). */
    protected abstract BlobStore otherReplica();

    /** The running digests of {@link #otherReplica()}, to see whether it rebuilt a digest. */
    protected abstract RunningDigests otherReplicaDigests();

    /** What the store holds for an upload's scratch data (files, objects), by name. */
    protected abstract List<String> scratchOf(String uploadId) throws IOException;

    /** Whether {@link #store()} answers redirects. */
    protected boolean redirects() {
        return false;
    }

    /** The part size, for stores that cut uploads into parts; 0 when there are none. */
    protected long partSize() {
        return 0;
    }

    private static String newId() {
        return UUID.randomUUID().toString();
    }

    private static byte[] read(BlobStore store, Digest digest, long offset, long length) throws IOException {
        try (InputStream in = store.open(digest).openStream(offset, length)) {
            return in.readAllBytes();
        }
    }

    private Digest put(BlobStore store, byte[] content) throws Exception {
        Digest digest = Digest.sha256(content);
        BlobWriter writer = store.newWriter(newId(), DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(content));
        writer.commit(digest);
        return digest;
    }

    @Test
    void statOfAnAbsentBlobIsEmpty() throws IOException {
        assertThat(store().stat(Digest.sha256(TestData.random(10)))).isEmpty();
    }

    @Test
    void openOfAnAbsentBlobThrowsNotFound() {
        assertThatThrownBy(() -> store().open(Digest.sha256(TestData.random(10))))
                .isInstanceOf(BlobNotFoundException.class);
    }

    @Test
    void committedBlobCanBeStatedAndReadWhole() throws Exception {
        byte[] content = TestData.random(100_000);
        Digest digest = put(store(), content);
        assertThat(store().stat(digest)).hasValue(content.length);
        assertThat(store().open(digest).size()).isEqualTo(content.length);
        assertThat(read(store(), digest, 0, content.length)).isEqualTo(content);
    }

    @Test
    void rangesReadTheRightBytes() throws Exception {
        byte[] content = TestData.random(50_000);
        Digest digest = put(store(), content);
        assertThat(read(store(), digest, 1000, 2345)).isEqualTo(Arrays.copyOfRange(content, 1000, 3345));
        assertThat(read(store(), digest, content.length - 1, 1)).containsExactly(content[content.length - 1]);
        assertThat(read(store(), digest, 10, 0)).isEmpty();
    }

    @Test
    void emptyBlobCanBeStoredAndRead() throws Exception {
        Digest digest = put(store(), new byte[0]);
        assertThat(store().stat(digest)).hasValue(0);
        assertThat(read(store(), digest, 0, 0)).isEmpty();
    }

    @Test
    void uploadWithNoAppendCommitsTheEmptyBlob() throws Exception {
        BlobWriter writer = store().newWriter(newId(), DigestAlgorithm.SHA256);
        Digest empty = Digest.sha256(new byte[0]);
        writer.commit(empty);
        assertThat(store().stat(empty)).hasValue(0);
    }

    @Test
    void chunksAppendedInOrderMakeTheBlob() throws Exception {
        byte[] content = TestData.random(300_000);
        BlobWriter writer = store().newWriter(newId(), DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(content, 0, 1));
        writer.append(new ByteArrayInputStream(content, 1, 99_999));
        writer.append(new ByteArrayInputStream(content, 100_000, 200_000));
        assertThat(writer.size()).isEqualTo(content.length);
        assertThat(writer.state().digestSoFar()).isEqualTo(Digest.sha256(content));
        Digest digest = Digest.sha256(content);
        writer.commit(digest);
        assertThat(read(store(), digest, 0, content.length)).isEqualTo(content);
    }

    @Test
    void commitWithTheWrongDigestPublishesNothing() throws Exception {
        byte[] content = TestData.random(5000);
        Digest wrong = Digest.sha256(TestData.random(5000));
        BlobWriter writer = store().newWriter(newId(), DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(content));
        assertThatThrownBy(() -> writer.commit(wrong))
                .isInstanceOfSatisfying(DigestMismatchException.class, e -> {
                    assertThat(e.expected()).isEqualTo(wrong);
                    assertThat(e.actual()).isEqualTo(Digest.sha256(content));
                });
        assertThat(store().stat(wrong)).isEmpty();
        assertThat(store().stat(Digest.sha256(content))).isEmpty();
    }

    @Test
    void failedAppendLeavesTheUploadAsItWas() throws Exception {
        byte[] first = TestData.random(70_000);
        byte[] second = TestData.random(70_000);
        String id = newId();
        BlobWriter writer = store().newWriter(id, DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(first));
        UploadState before = writer.state();
        assertThatThrownBy(() -> writer.append(failingAfter(TestData.random(40_000), 30_000)))
                .isInstanceOf(IOException.class);
        assertThat(writer.size()).isEqualTo(first.length);
        assertThat(writer.state()).isEqualTo(before);
        // the next append continues right after the first chunk
        writer.append(new ByteArrayInputStream(second));
        byte[] all = concat(first, second);
        writer.commit(Digest.sha256(all));
        assertThat(read(store(), Digest.sha256(all), 0, all.length)).isEqualTo(all);
    }

    @Test
    void anotherReplicaResumesFromThePersistedState() throws Exception {
        byte[] a = TestData.random(123_457);
        byte[] b = TestData.random(98_765);
        byte[] c = TestData.random(4321);
        String id = newId();
        BlobWriter first = store().newWriter(id, DigestAlgorithm.SHA256);
        first.append(new ByteArrayInputStream(a));
        // replica 2 has no running digest: it must rebuild it from the stored bytes
        long rehashes = otherReplicaDigests().rehashes();
        BlobWriter second = otherReplica().resumeWriter(id, first.state());
        second.append(new ByteArrayInputStream(b));
        assertThat(otherReplicaDigests().rehashes()).isEqualTo(rehashes + 1);
        BlobWriter third = store().resumeWriter(id, second.state());
        third.append(new ByteArrayInputStream(c));
        byte[] all = concat(a, b, c);
        BlobWriter last = otherReplica().resumeWriter(id, third.state());
        last.commit(Digest.sha256(all));
        assertThat(read(store(), Digest.sha256(all), 0, all.length)).isEqualTo(all);
    }

    @Test
    void commitOnAnotherReplicaNeedsNoRehash() throws Exception {
        byte[] content = TestData.random(10_000);
        String id = newId();
        BlobWriter writer = store().newWriter(id, DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(content));
        long rehashes = otherReplicaDigests().rehashes();
        otherReplica().resumeWriter(id, writer.state()).commit(Digest.sha256(content));
        assertThat(otherReplica().stat(Digest.sha256(content))).hasValue(content.length);
        assertThat(otherReplicaDigests().rehashes()).as("committed from the recorded digest").isEqualTo(rehashes);
    }

    @Test
    void aCachedDigestOfOtherBytesOfTheSameLengthIsNotTrusted() throws Exception {
        // the writer that lost its lease appended 10,000 bytes here; the session's recorded state
        // is another writer's 10,000 bytes: the stale cache entry must not be used
        String id = newId();
        byte[] recorded = TestData.random(10_000);
        BlobWriter writer = store().newWriter(id, DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(recorded));
        UploadState state = writer.state();
        BlobWriter lost = otherReplica().resumeWriter(id, new UploadState(0, DigestAlgorithm.SHA256, null,
                store().newWriter(newId(), DigestAlgorithm.SHA256).state().storeState()));
        lost.append(new ByteArrayInputStream(TestData.random(10_000)));
        long rehashes = otherReplicaDigests().rehashes();
        BlobWriter next = otherReplica().resumeWriter(id, state);
        byte[] more = TestData.random(500);
        next.append(new ByteArrayInputStream(more));
        next.commit(Digest.sha256(concat(recorded, more)));
        assertThat(read(store(), Digest.sha256(concat(recorded, more)), 0, 10_500)).isEqualTo(concat(recorded, more));
        assertThat(otherReplicaDigests().rehashes()).isEqualTo(rehashes + 1);
    }

    @Test
    void aWriterThatCannotContinueInPlaceLeavesTheRecordedBytesAlone() throws Exception {
        byte[] a = TestData.random(70_000);
        String id = newId();
        BlobWriter first = store().newWriter(id, DigestAlgorithm.SHA256);
        first.append(new ByteArrayInputStream(a));
        UploadState recorded = first.state();
        // a writer whose predecessor lost its lease: it must not append in place
        BlobWriter takeover = otherReplica().resumeWriter(id, recorded, fence("t1", false));
        byte[] b = TestData.random(30_000);
        takeover.append(new ByteArrayInputStream(b));
        // meanwhile the lost writer (still thinking it may continue) appends and then rolls back
        BlobWriter lost = store().resumeWriter(id, recorded, fence("t0", true));
        assertThatThrownBy(() -> lost.append(failingAfter(TestData.random(40_000), 20_000))).isInstanceOf(IOException.class);
        BlobWriter last = store().resumeWriter(id, takeover.state(), fence("t2", true));
        last.commit(Digest.sha256(concat(a, b)));
        assertThat(read(store(), Digest.sha256(concat(a, b)), 0, 100_000)).isEqualTo(concat(a, b));
    }

    protected static WriteFence fence(String tag, boolean inPlace) {
        return WriteFence.fixed(tag, inPlace);
    }

    @Test
    void aWriterWhoseFenceFailsStoresNothing() throws Exception {
        String id = newId();
        BlobWriter writer = store().newWriter(id, DigestAlgorithm.SHA256);
        byte[] a = TestData.random(1000);
        writer.append(new ByteArrayInputStream(a));
        List<String> before = scratchOf(id);
        WriteFence lost = new WriteFence() {
            @Override
            public String tag() {
                return "lost";
            }

            @Override
            public boolean continuesInPlace() {
                return false;
            }

            @Override
            public void check() throws IOException {
                throw new IOException("lease lost");
            }
        };
        BlobWriter stale = otherReplica().resumeWriter(id, writer.state(), lost);
        assertThatThrownBy(() -> stale.append(new ByteArrayInputStream(TestData.random(1000))))
                .hasMessage("lease lost");
        assertThatThrownBy(() -> stale.commit(Digest.sha256(a))).hasMessage("lease lost");
        assertThat(scratchOf(id)).isEqualTo(before);
        assertThat(store().stat(Digest.sha256(a))).isEmpty();
    }

    @Test
    void uploadsLargerThanAPartAreCutAndReassembledExactly() throws Exception {
        long part = partSize() > 0 ? partSize() : 5 * 1024 * 1024;
        byte[] content = TestData.random((int) (part * 2 + 12_345));
        String id = newId();
        BlobWriter writer = store().newWriter(id, DigestAlgorithm.SHA256);
        // chunks that do not line up with parts, over two replicas
        writer.append(new ByteArrayInputStream(content, 0, (int) part - 7));
        BlobWriter other = otherReplica().resumeWriter(id, writer.state());
        other.append(new ByteArrayInputStream(content, (int) part - 7, content.length - (int) part + 7));
        Digest digest = Digest.sha256(content);
        other.commit(digest);
        assertThat(store().stat(digest)).hasValue(content.length);
        assertThat(read(store(), digest, 0, content.length)).isEqualTo(content);
        assertThat(read(store(), digest, part - 3, 10)).isEqualTo(Arrays.copyOfRange(content, (int) part - 3, (int) part + 7));
    }

    @Test
    void sha512UploadsVerifyWithSha512() throws Exception {
        byte[] content = TestData.random(20_000);
        Digest digest = Digest.of(DigestAlgorithm.SHA512, content);
        BlobWriter writer = store().newWriter(newId(), DigestAlgorithm.SHA512);
        writer.append(new ByteArrayInputStream(content));
        writer.commit(digest);
        assertThat(read(store(), digest, 0, content.length)).isEqualTo(content);
    }

    @Test
    void sha512DigestIsAcceptedForAnUploadHashedWithSha256() throws Exception {
        byte[] content = TestData.random(20_000);
        Digest digest = Digest.of(DigestAlgorithm.SHA512, content);
        BlobWriter writer = store().newWriter(newId(), DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(content));
        writer.commit(digest);
        assertThat(store().stat(digest)).hasValue(content.length);
    }

    @Test
    void publishingContentThatIsAlreadyStoredKeepsOneCopy() throws Exception {
        byte[] content = TestData.random(8000);
        Digest digest = put(store(), content);
        String id = newId();
        BlobWriter writer = otherReplica().newWriter(id, DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(content));
        writer.commit(digest);
        otherReplica().deleteUpload(id);
        assertThat(read(store(), digest, 0, content.length)).isEqualTo(content);
        assertThat(scratchOf(id)).isEmpty();
    }

    @Test
    void abortIsSafeTwiceAndAfterCommit() throws Exception {
        String abortedId = newId();
        BlobWriter writer = store().newWriter(abortedId, DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(TestData.random(100)));
        assertThat(scratchOf(abortedId)).isNotEmpty();
        writer.abort();
        writer.abort();
        assertThat(scratchOf(abortedId)).isEmpty();
        byte[] content = TestData.random(100);
        String committedId = newId();
        BlobWriter committed = store().newWriter(committedId, DigestAlgorithm.SHA256);
        committed.append(new ByteArrayInputStream(content));
        committed.commit(Digest.sha256(content));
        assertThat(scratchOf(committedId)).as("commit leaves scratch for the session's owner").isNotEmpty();
        committed.abort();
        assertThat(scratchOf(committedId)).isEmpty();
        assertThat(store().stat(Digest.sha256(content))).hasValue(100);
        assertThat(read(store(), Digest.sha256(content), 0, 100)).isEqualTo(content);
    }

    @Test
    void deleteRemovesABlobAndIgnoresAbsentOnes() throws Exception {
        Digest digest = put(store(), TestData.random(300));
        store().delete(digest);
        assertThat(store().stat(digest)).isEmpty();
        store().delete(digest);
    }

    @Test
    void inventoryListsEveryBlobAndUploadWithItsSizeAndAge() throws Exception {
        Instant before = Instant.now().minusSeconds(5);
        byte[] content = TestData.random(1234);
        Digest blob = put(store(), content);
        byte[] content512 = TestData.random(77);
        Digest sha512 = Digest.of(DigestAlgorithm.SHA512, content512);
        BlobWriter writer512 = store().newWriter(newId(), DigestAlgorithm.SHA512);
        writer512.append(new ByteArrayInputStream(content512));
        writer512.commit(sha512);
        String pending = newId();
        BlobWriter open = store().newWriter(pending, DigestAlgorithm.SHA256);
        open.append(new ByteArrayInputStream(TestData.random(700)));
        open.append(new ByteArrayInputStream(TestData.random(300)));

        Map<Digest, StoredObject.Blob> blobs = new HashMap<>();
        Map<String, StoredObject.Upload> uploads = new HashMap<>();
        store().inventory(o -> {
            if (o instanceof StoredObject.Blob b) {
                assertThat(blobs.put(b.digest(), b)).as("listed once").isNull();
            } else if (o instanceof StoredObject.Upload u) {
                assertThat(uploads.put(u.uploadId(), u)).as("listed once").isNull();
            }
        });

        assertThat(blobs.get(blob)).satisfies(b -> {
            assertThat(b.size()).isEqualTo(content.length);
            assertThat(b.lastModified()).isAfter(before).isBefore(Instant.now().plusSeconds(5));
        });
        assertThat(blobs.get(sha512).size()).isEqualTo(77);
        assertThat(uploads.get(pending)).satisfies(u -> {
            assertThat(u.size()).isEqualTo(1000);
            assertThat(u.lastModified()).isAfter(before).isBefore(Instant.now().plusSeconds(5));
        });
        // what inventory lists can be removed with the store's own methods
        store().deleteUpload(pending);
        store().delete(blob);
        List<String> after = new ArrayList<>();
        store().inventory(o -> after.add(o instanceof StoredObject.Blob b ? b.digest().toString()
                : ((StoredObject.Upload) o).uploadId()));
        assertThat(after).doesNotContain(blob.toString(), pending);
    }

    @Test
    void ensurePublishedPutsBackABlobRemovedAfterCommit() throws Exception {
        byte[] content = TestData.random(3000);
        Digest digest = Digest.sha256(content);
        String id = newId();
        BlobWriter writer = store().newWriter(id, DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(content));
        writer.commit(digest);
        writer.ensurePublished();
        assertThat(read(store(), digest, 0, content.length)).isEqualTo(content);

        store().delete(digest);
        writer.ensurePublished();

        assertThat(store().stat(digest)).hasValue(content.length);
        assertThat(read(store(), digest, 0, content.length)).isEqualTo(content);
    }

    @Test
    void ensurePublishedBeforeCommitIsRefused() throws Exception {
        BlobWriter writer = store().newWriter(newId(), DigestAlgorithm.SHA256);
        writer.append(new ByteArrayInputStream(TestData.random(10)));
        assertThatThrownBy(writer::ensurePublished).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void redirectIsEmptyOrAUrl() throws Exception {
        Digest digest = put(store(), TestData.random(300));
        var redirect = store().redirect(digest, Duration.ofMinutes(1));
        if (redirects()) {
            assertThat(redirect).hasValueSatisfying(uri -> assertThat(uri.getScheme()).startsWith("http"));
        } else {
            assertThat(redirect).isEmpty();
        }
    }

    protected static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A stream that yields {@code limit} bytes of {@code content}, then fails as a dropped connection would. */
    protected static InputStream failingAfter(byte[] content, int limit) {
        return new InputStream() {
            private int pos;

            @Override
            public int read() throws IOException {
                if (pos >= limit) {
                    throw new IOException("connection reset (simulated)");
                }
                return content[pos++] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= limit) {
                    throw new IOException("connection reset (simulated)");
                }
                int n = Math.min(len, limit - pos);
                System.arraycopy(content, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }
}
