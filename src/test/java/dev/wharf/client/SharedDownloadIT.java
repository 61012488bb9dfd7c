package dev.wharf.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.client.registry.Credentials;
import dev.wharf.client.registry.Registry;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.client.registry.RetryPolicy;
import dev.wharf.oci.Digest;
import dev.wharf.oci.RepositoryName;
import dev.wharf.testing.CuttingProxy;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryProxy;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One download that many readers follow ({@link SharedDownload}), against a real Wharf: every
 * reader gets the whole blob from one request, a cut connection resumes with a Range, and content
 * that does not match its digest makes every reader fail before its last byte.
 */
class SharedDownloadIT {

    private static final int MIB = 1024 * 1024;
    private final URI wharf = RegistryServer.shared().base();

    @TempDir
    Path tmp;

    private static RegistryClient client() {
        return new RegistryClient(ClientOptions.defaults(), h -> Credentials.ANONYMOUS, TransferListener.NONE);
    }

    @Test
    void manyReadersGetTheWholeBlobFromOneRequest() throws Exception {
        String repository = TestData.repository("shared");
        byte[] content = TestData.random(6 * MIB);
        Digest digest = new RegistryHttp(wharf).pushBlob(repository, content);
        ExecutorService pool = Executors.newCachedThreadPool();
        try (RegistryProxy counting = RegistryProxy.start(wharf); RegistryClient client = client()) {
            Registry registry = client.registry(counting.hostPort());
            try (SharedDownload download = SharedDownload.start(registry, RepositoryName.of(repository), digest, -1,
                    tmp.resolve("spool"), RetryPolicy.DEFAULT, pool)) {
                List<Future<byte[]>> readers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    InputStream in = download.open();
                    readers.add(pool.submit(() -> {
                        try (in) {
                            return in.readAllBytes();
                        }
                    }));
                }
                assertThat(download.awaitStart(Duration.ofSeconds(30))).isEqualTo(content.length);
                for (Future<byte[]> reader : readers) {
                    assertThat(reader.get()).isEqualTo(content);
                }
                assertThat(download.done().get()).isEqualTo(content.length);
            }
            assertThat(counting.requests().stream().filter(r -> r.startsWith("GET ") && r.contains(digest.toString())))
                    .hasSize(1);
            assertThat(Files.exists(tmp.resolve("spool"))).as("closed: the spool is gone").isFalse();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCutConnectionResumesWithARange() throws Exception {
        String repository = TestData.repository("shared-cut");
        byte[] content = TestData.random(5 * MIB);
        Digest digest = new RegistryHttp(wharf).pushBlob(repository, content);
        try (CuttingProxy proxy = CuttingProxy.start(wharf, CuttingProxy.Direction.DOWNLOAD, 2 * MIB);
             RegistryClient client = client();
             SharedDownload download = SharedDownload.start(client.registry(proxy.hostPort()),
                     RepositoryName.of(repository), digest, content.length, tmp.resolve("spool"), RetryPolicy.DEFAULT,
                     Runnable::run);
             InputStream in = download.open()) {
            assertThat(in.readAllBytes()).isEqualTo(content);
            assertThat(proxy.didCut()).isTrue();
            assertThat(proxy.bytesPassed()).as("resumed, not started over").isLessThan(content.length + MIB);
        }
    }

    @Test
    void contentThatDoesNotMatchItsDigestFailsEveryReaderBeforeItsLastByte() throws Exception {
        String repository = TestData.repository("shared-corrupt");
        byte[] content = TestData.random(MIB);
        Digest digest = new RegistryHttp(wharf).pushBlob(repository, content);
        try (RegistryProxy corrupting = RegistryProxy.start(wharf).corruptBlobs(); RegistryClient client = client();
             SharedDownload download = SharedDownload.start(client.registry(corrupting.hostPort()),
                     RepositoryName.of(repository), digest, -1, tmp.resolve("spool"), RetryPolicy.DEFAULT,
                     Runnable::run)) {
            InputStream in = download.open();
            byte[] buffer = new byte[64 * 1024];
            long read = 0;
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    read += n;
                }
                throw new AssertionError("a corrupt blob was read to its end");
            } catch (IOException expected) {
                assertThat(read).isLessThan(content.length);
            } finally {
                in.close();
            }
            assertThatThrownBy(() -> download.done().join()).hasCauseInstanceOf(RegistryException.IntegrityFailure.class);
        }
    }
}
