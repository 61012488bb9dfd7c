package dev.wharf.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.client.registry.Credentials;
import dev.wharf.oci.Descriptor;
import dev.wharf.testing.ReferenceRegistry;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copies between Wharf and the reference registry, both ways: every platform of an index, large
 * blobs streamed in chunks, and referrers, which the reference registry (no referrers API) gets
 * through the referrers tag schema.
 */
class CopyBetweenRegistriesIT {

    private static ReferenceRegistry reference;

    @TempDir
    Path tmp;

    private final String wharf = RegistryServer.shared().hostPort();

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

    private RegistryClient client(ClientOptions options) {
        return new RegistryClient(options, h -> Credentials.ANONYMOUS, TransferListener.NONE);
    }

    @Test
    void indexWithEveryPlatformAndItsReferrersCopiesToARegistryWithoutReferrersApiAndBack() {
        TestContent.Image amd = TestContent.image("linux", "amd64", 2, 20_000);
        TestContent.Image arm = TestContent.image("linux", "arm64", 2, 20_000);
        TestContent.Blob index = TestContent.index(List.of(amd, arm));
        String repository = TestData.repository("between");
        ImageReference inWharf = ImageReference.parse(wharf + "/" + repository + ":multi");
        ImageReference inReference = ImageReference.parse(reference.hostPort() + "/" + repository + ":multi");
        ImageReference backInWharf = ImageReference.parse(wharf + "/" + repository + "-back:multi");
        try (RegistryClient client = client(ClientOptions.defaults())) {
            client.push(TestContent.layout(tmp.resolve("src"), "multi", index, List.of(amd, arm)), inWharf,
                    PushOptions.defaults());
            TestContent.Image signature = TestContent.artifact("application/vnd.example.signature.v1", index.digest(),
                    index.bytes().length, index.mediaType());
            client.push(TestContent.layout(tmp.resolve("sig"), "sig", signature), inWharf.byDigest(signature.digest()),
                    PushOptions.defaults());

            TransferResult there = client.copy(inWharf, inReference, new CopyOptions(null, true));
            assertThat(there.digest()).isEqualTo(index.digest());
            assertThat(client.resolve(inReference.byDigest(arm.digest())).digest()).isEqualTo(arm.digest());
            assertThat(client.referrers(inReference, null)).extracting(Descriptor::digest)
                    .containsExactly(signature.digest());
            assertThat(client.tags(inReference)).contains("sha256-" + index.digest().hex());

            client.copy(inReference, backInWharf, new CopyOptions(null, true));
            assertThat(client.resolve(backInWharf).digest()).isEqualTo(index.digest());
            assertThat(client.referrers(backInWharf, null)).extracting(Descriptor::digest)
                    .contains(signature.digest());
        }
    }

    @Test
    void largeBlobsStreamAcrossInChunksWithoutTemporaryFiles() {
        TestContent.Image image = TestContent.image("linux", "amd64", 1, 5 * 1024 * 1024);
        String repository = TestData.repository("stream");
        ImageReference inReference = ImageReference.parse(reference.hostPort() + "/" + repository + ":v1");
        ImageReference inWharf = ImageReference.parse(wharf + "/" + repository + ":v1");
        try (RegistryClient client = client(ClientOptions.defaults().withChunkSize(1024 * 1024))) {
            client.push(TestContent.layout(tmp.resolve("src"), "v1", image), inReference, PushOptions.defaults());
            TransferResult copied = client.copy(inReference, inWharf, CopyOptions.defaults());
            assertThat(copied.transferred()).isEqualTo(2);
            assertThat(copied.bytes()).isEqualTo(image.size());
            client.pull(inWharf, tmp.resolve("out"), PullOptions.defaults());
        }
        assertThat(tmp.resolve("out/blobs/sha256/" + image.layers().get(0).digest().hex()))
                .hasBinaryContent(image.layers().get(0).bytes());
    }

    @Test
    void copyOfOnePlatformWritesThatImageManifestAtTheTag() {
        TestContent.Image amd = TestContent.image("linux", "amd64", 1, 10_000);
        TestContent.Image arm = TestContent.image("linux", "arm64", 1, 10_000);
        TestContent.Blob index = TestContent.index(List.of(amd, arm));
        String repository = TestData.repository("one-platform");
        ImageReference inWharf = ImageReference.parse(wharf + "/" + repository + ":multi");
        ImageReference inReference = ImageReference.parse(reference.hostPort() + "/" + repository + ":arm");
        try (RegistryClient client = client(ClientOptions.defaults())) {
            client.push(TestContent.layout(tmp.resolve("src"), "multi", index, List.of(amd, arm)), inWharf,
                    PushOptions.defaults());
            client.copy(inWharf, inReference, new CopyOptions(Descriptor.Platform.parse("linux/arm64"), false));
            assertThat(client.resolve(inReference).digest()).isEqualTo(arm.digest());
        }
    }
}
