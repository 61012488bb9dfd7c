package dev.wharf.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.client.registry.Credentials;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.client.registry.RetryPolicy;
import dev.wharf.testing.CuttingProxy;
import dev.wharf.testing.ReferenceRegistry;
import dev.wharf.testing.RegistryProxy;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What goes wrong on real networks, provoked with small proxies on 127.0.0.1 in front of real
 * registries: connections cut in the middle of transfers, content that does not match its digest,
 * tokens that expire halfway through a push, and registries answering 503.
 */
class FaultsIT {

    private static final int MIB = 1024 * 1024;
    private static ReferenceRegistry reference;

    @TempDir
    Path tmp;

    private final URI wharf = RegistryServer.shared().base();
    private final List<String> retries = new CopyOnWriteArrayList<>();
    private final TransferListener recordRetries = new TransferListener() {
        @Override
        public void retrying(String what, int attempt, Duration delay, String cause) {
            retries.add(what + ": " + cause);
        }
    };

    @BeforeAll
    static void start() {
        reference = ReferenceRegistry.start();
    }

    @AfterAll
    static void stop() {
        if (reference != null) {
            reference.close();
        }
    }

    private RegistryClient client(ClientOptions options, Credentials credentials) {
        ClientOptions quick = options.withRetry(new RetryPolicy(5, Duration.ofMillis(50), Duration.ofMillis(500)));
        return new RegistryClient(quick, h -> credentials, recordRetries);
    }

    @Test
    void uploadCutInTheMiddleResumesFromTheSessionRangeOnWharf() throws IOException {
        uploadCutInTheMiddleResumes(wharf);
    }

    @Test
    void uploadCutInTheMiddleResumesFromTheSessionRangeOnTheReferenceRegistry() throws IOException {
        uploadCutInTheMiddleResumes(reference.base());
    }

    private void uploadCutInTheMiddleResumes(URI registry) throws IOException {
        TestContent.Image image = TestContent.image("linux", "amd64", 1, 5 * MIB);
        String repository = TestData.repository("cut-upload");
        try (CuttingProxy proxy = CuttingProxy.start(registry, CuttingProxy.Direction.UPLOAD, 5 * MIB / 2);
             RegistryClient client = client(ClientOptions.defaults().withChunkSize(MIB), Credentials.ANONYMOUS)) {
            ImageReference target = ImageReference.parse(proxy.hostPort() + "/" + repository + ":v1");
            TransferResult pushed = client.push(TestContent.layout(tmp.resolve("src"), "v1", image), target,
                    PushOptions.defaults());

            assertThat(proxy.didCut()).isTrue();
            assertThat(retries).anyMatch(r -> r.startsWith("upload of " + image.layers().get(0).digest()));
            assertThat(pushed.digest()).isEqualTo(image.digest());
            // resumed, not restarted: well under two copies of the layer went through
            assertThat(proxy.bytesPassed()).isLessThan(7L * MIB);
        }
        try (RegistryClient client = client(ClientOptions.defaults(), Credentials.ANONYMOUS)) {
            client.pull(ImageReference.parse(registry.getAuthority() + "/" + repository + ":v1"), tmp.resolve("out"),
                    PullOptions.defaults());
        }
        assertThat(Files.readAllBytes(tmp.resolve("out/blobs/sha256/" + image.layers().get(0).digest().hex())))
                .isEqualTo(image.layers().get(0).bytes());
    }

    @Test
    void downloadCutInTheMiddleResumesWithARangeRequest() {
        TestContent.Image image = TestContent.image("linux", "amd64", 1, 5 * MIB);
        String repository = TestData.repository("cut-download");
        try (RegistryClient client = client(ClientOptions.defaults(), Credentials.ANONYMOUS)) {
            client.push(TestContent.layout(tmp.resolve("src"), "v1", image),
                    ImageReference.parse(wharf.getAuthority() + "/" + repository + ":v1"), PushOptions.defaults());
        }
        try (CuttingProxy proxy = CuttingProxy.start(wharf, CuttingProxy.Direction.DOWNLOAD, 2 * MIB);
             RegistryClient client = client(ClientOptions.defaults(), Credentials.ANONYMOUS)) {
            client.pull(ImageReference.parse(proxy.hostPort() + "/" + repository + ":v1"), tmp.resolve("out"),
                    PullOptions.defaults());
            assertThat(proxy.didCut()).isTrue();
            assertThat(proxy.bytesPassed()).isLessThan(7L * MIB);
        }
        assertThat(tmp.resolve("out/blobs/sha256/" + image.layers().get(0).digest().hex()))
                .hasBinaryContent(image.layers().get(0).bytes());
        assertThat(retries).anyMatch(r -> r.startsWith("download of"));
    }

    @Test
    void contentNotMatchingItsDigestFailsClearlyAndLeavesNothingFinalOnDisk() throws IOException {
        TestContent.Image image = TestContent.image("linux", "amd64", 2, 300_000);
        String repository = TestData.repository("corrupt");
        try (RegistryClient client = client(ClientOptions.defaults(), Credentials.ANONYMOUS)) {
            client.push(TestContent.layout(tmp.resolve("src"), "v1", image),
                    ImageReference.parse(wharf.getAuthority() + "/" + repository + ":v1"), PushOptions.defaults());
        }
        try (RegistryProxy proxy = RegistryProxy.start(wharf).corruptBlobs();
             RegistryClient client = client(ClientOptions.defaults(), Credentials.ANONYMOUS)) {
            ImageReference source = ImageReference.parse(proxy.hostPort() + "/" + repository + ":v1");
            Path layout = tmp.resolve("layout");
            assertThatThrownBy(() -> client.pull(source, layout, PullOptions.defaults()))
                    .isInstanceOf(RegistryException.IntegrityFailure.class)
                    .hasMessageContaining("whose digest is")
                    .hasMessageContaining("nothing was kept");
            assertThat(layout.resolve("index.json")).doesNotExist();
            try (Stream<Path> files = Files.walk(layout)) {
                assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                        .doesNotContain(image.layers().get(0).digest().hex(), image.layers().get(1).digest().hex())
                        .noneMatch(name -> name.endsWith(".partial"));
            }

            Path archive = tmp.resolve("archive/image.tar");
            assertThatThrownBy(() -> client.pull(source, archive, PullOptions.defaults()))
                    .isInstanceOf(RegistryException.IntegrityFailure.class);
            try (Stream<Path> files = Files.list(archive.getParent())) {
                assertThat(files).isEmpty();
            }
        }
    }

    @Test
    void tokenExpiringHalfwayThroughAPushIsRenewedAndThePushGoesOn() {
        TestContent.Image image = TestContent.image("linux", "amd64", 3, 2 * MIB);
        String repository = TestData.repository("token");
        AtomicInteger uploads = new AtomicInteger();
        try (RegistryProxy proxy = RegistryProxy.start(wharf).requireTokens("alice", "s3cret")
                .expireTokensWhen(e -> RegistryProxy.isUpload(e) && uploads.incrementAndGet() == 3);
             RegistryClient client = client(ClientOptions.defaults().withChunkSize(MIB).withParallelism(2),
                     new Credentials.Basic("alice", "s3cret"))) {
            ImageReference target = ImageReference.parse(proxy.hostPort() + "/" + repository + ":v1");
            TransferResult pushed = client.push(TestContent.layout(tmp.resolve("src"), "v1", image), target,
                    PushOptions.defaults());

            assertThat(pushed.digest()).isEqualTo(image.digest());
            assertThat(proxy.tokensIssued()).isGreaterThanOrEqualTo(2);
            // the first challenge, then the expired token's
            assertThat(proxy.unauthorizedAnswers()).isGreaterThanOrEqualTo(2);
            assertThat(proxy.tokenScopes()).allMatch(s -> s.contains("repository:" + repository + ":pull,push"));
            assertThat(client.resolve(target).digest()).isEqualTo(image.digest());
        }
    }

    @Test
    void withoutCredentialsTheErrorSaysToLogIn() {
        TestContent.Image image = TestContent.image("linux", "amd64", 1, 1_000);
        try (RegistryProxy proxy = RegistryProxy.start(wharf).requireTokens("alice", "s3cret");
             RegistryClient client = client(ClientOptions.defaults(), Credentials.ANONYMOUS)) {
            ImageReference target = ImageReference.parse(proxy.hostPort() + "/" + TestData.repository("anon") + ":v1");
            assertThatThrownBy(() -> client.push(TestContent.layout(tmp.resolve("src"), "v1", image), target,
                    PushOptions.defaults()))
                    .isInstanceOf(RegistryException.AuthenticationRequired.class)
                    .hasMessageContaining("authentication required: run `wharf login " + proxy.hostPort() + "`");
        }
    }

    @Test
    void registryAnswering503IsRetriedWithBackoff() {
        TestContent.Image image = TestContent.image("linux", "amd64", 1, 10_000);
        String repository = TestData.repository("flaky");
        try (RegistryClient client = client(ClientOptions.defaults(), Credentials.ANONYMOUS)) {
            client.push(TestContent.layout(tmp.resolve("src"), "v1", image),
                    ImageReference.parse(wharf.getAuthority() + "/" + repository + ":v1"), PushOptions.defaults());
        }
        try (RegistryProxy proxy = RegistryProxy.start(wharf)
                .failWith503(2, e -> e.getRequestURI().getPath().contains("/blobs/sha256"));
             RegistryClient client = client(ClientOptions.defaults(), Credentials.ANONYMOUS)) {
            client.pull(ImageReference.parse(proxy.hostPort() + "/" + repository + ":v1"), tmp.resolve("out"),
                    PullOptions.defaults());
        }
        assertThat(retries).hasSizeGreaterThanOrEqualTo(2).allMatch(r -> r.contains("status 503"));
        assertThat(tmp.resolve("out/blobs/sha256/" + image.layers().get(0).digest().hex()))
                .hasBinaryContent(image.layers().get(0).bytes());
    }
}
