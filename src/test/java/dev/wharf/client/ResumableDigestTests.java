package dev.wharf.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.oci.Digest;
import dev.wharf.oci.DigestAlgorithm;
import dev.wharf.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class ResumableDigestTests {

    private final byte[] content = TestData.random(100_000);

    private final BlobSource source = new BlobSource() {
        @Override
        public long size() {
            return content.length;
        }

        @Override
        public InputStream open(long offset) {
            return new ByteArrayInputStream(content, (int) offset, content.length - (int) offset);
        }
    };

    private static void feed(ResumableDigest d, InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        d.update(d.generation(), b, 0, b.length);
    }

    @Test
    void resumingAtAnyOffsetGivesTheDigestOfTheWholeContent() throws IOException {
        ResumableDigest d = new ResumableDigest(DigestAlgorithm.SHA256);
        InputStream in = d.seek(source, 0);
        feed(d, in, 30_000);
        d.checkpoint();
        feed(d, in, 40_000);
        // the registry kept only 50,000 bytes of the failed request: resume from there
        in = d.seek(source, 50_000);
        assertThat(d.position()).isEqualTo(50_000);
        feed(d, in, 50_000);
        assertThat(d.current()).isEqualTo(Digest.sha256(content));
    }

    @Test
    void resumingBeforeTheCheckpointStartsOver() throws IOException {
        ResumableDigest d = new ResumableDigest(DigestAlgorithm.SHA256);
        InputStream in = d.seek(source, 0);
        feed(d, in, 60_000);
        d.checkpoint();
        in = d.seek(source, 10_000);
        feed(d, in, 90_000);
        assertThat(d.current()).isEqualTo(Digest.sha256(content));
    }

    @Test
    void anAbandonedRequestCannotTouchTheResumedDigest() throws IOException {
        ResumableDigest d = new ResumableDigest(DigestAlgorithm.SHA256);
        d.seek(source, 0);
        long stale = d.generation();
        d.seek(source, 0);
        assertThatThrownBy(() -> d.update(stale, new byte[10], 0, 10)).isInstanceOf(IOException.class);
        assertThat(d.position()).isZero();
    }
}
