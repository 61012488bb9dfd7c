package dev.wharf.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.RepositoryName;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobInfoCacheTests {

    @TempDir
    Path tmp;

    private final Digest layer = Digest.sha256(new byte[] {1});
    private final Digest compressed = Digest.sha256(new byte[] {2});

    @Test
    void whatOneRunLearnsTheNextRunKnows() {
        BlobInfoCache first = BlobInfoCache.open(tmp);
        first.recordCompressed(layer, "gzip-1", compressed, 1234);
        first.recordLocation("r:5000", RepositoryName.of("team/a"), compressed);
        first.recordLocation("r:5000", RepositoryName.of("team/b"), compressed);
        first.save();

        BlobInfoCache second = BlobInfoCache.open(tmp);
        assertThat(second.compressed(layer, "gzip-1")).isEqualTo(new BlobInfoCache.Compressed(compressed, 1234));
        assertThat(second.compressed(layer, "gzip-9")).isNull();
        assertThat(second.locations("r:5000", compressed)).extracting(RepositoryName::value).containsExactly("team/b", "team/a");
        assertThat(second.locations("other:5000", compressed)).isEmpty();
    }

    @Test
    void withoutADirectoryNothingIsKept() {
        BlobInfoCache cache = BlobInfoCache.open(null);
        cache.recordLocation("r", RepositoryName.of("a"), compressed);
        cache.save();
        assertThat(cache.locations("r", compressed)).hasSize(1);
        assertThat(BlobInfoCache.open(null).locations("r", compressed)).isEmpty();
    }
}
