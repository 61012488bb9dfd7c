package dev.wharf.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.client.archive.DockerArchive;
import dev.wharf.client.archive.LocalFiles;
import dev.wharf.client.registry.Credentials;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryProxy;
import dev.wharf.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the client must do against any registry: one test class per registry runs these (Wharf's
 * own server, and the reference registry).
 */
abstract class RegistryClientContract {

    @TempDir
    Path tmp;

    /** {@code 127.0.0.1:<port>} of the registry under test. */
    abstract String hostPort();

    RegistryClient client() {
        return client(ClientOptions.defaults());
    }

    RegistryClient client(ClientOptions options) {
        return new RegistryClient(options, host -> Credentials.ANONYMOUS, TransferListener.NONE);
    }

    ImageReference ref(String repository, String tag) {
        return ImageReference.parse(hostPort() + "/" + repository + ":" + tag);
    }

    static String repository(String prefix) {
        return TestData.repository(prefix);
    }

    @Test
    void pushedLayoutPullsBackWithTheSameDigestAndBytes() throws IOException {
        TestContent.Image image = TestContent.image("linux", "amd64", 3, 40_000);
        Path layout = TestContent.layout(tmp.resolve("src"), "v1", image);
        ImageReference target = ref(repository("roundtrip"), "v1");
        try (RegistryClient client = client()) {
            TransferResult pushed = client.push(layout, target, PushOptions.defaults());
            assertThat(pushed.digest()).isEqualTo(image.digest());
            assertThat(pushed.transferred()).isEqualTo(4);

            TransferResult pulled = client.pull(target, tmp.resolve("out"), PullOptions.defaults());
            assertThat(pulled.digest()).isEqualTo(image.digest());
        }
        Path out = tmp.resolve("out");
        assertThat(out.resolve("blobs/sha256/" + image.digest().hex())).hasBinaryContent(image.manifest().bytes());
        for (TestContent.Blob layer : image.layers()) {
            assertThat(out.resolve("blobs/sha256/" + layer.digest().hex())).hasBinaryContent(layer.bytes());
        }
        assertThat(Files.readString(out.resolve("index.json"))).contains("\"org.opencontainers.image.ref.name\":\"v1\"");
        try (var files = Files.walk(out)) {
            assertThat(files.filter(p -> p.toString().endsWith(".partial"))).isEmpty();
        }
    }

    @Test
    void pushSkipsBlobsTheRepositoryHasAlready() {
        TestContent.Image image = TestContent.image("linux", "amd64", 2, 10_000);
        Path layout = TestContent.layout(tmp.resolve("src"), "v1", image);
        ImageReference target = ref(repository("skip"), "v1");
        try (RegistryClient client = client()) {
            client.push(layout, target, PushOptions.defaults());
            TransferResult again = client.push(layout, target, PushOptions.defaults());
            assertThat(again.transferred()).isZero();
            assertThat(again.existing()).isEqualTo(3);
        }
    }

    @Test
    void pushToAnotherRepositoryMountsTheBlobsInsteadOfUploadingThem() {
        TestContent.Image image = TestContent.image("linux", "amd64", 2, 10_000);
        Path layout = TestContent.layout(tmp.resolve("src"), "v1", image);
        ClientOptions remembering = ClientOptions.defaults().withCacheDirectory(tmp.resolve("cache"));
        try (RegistryClient client = client(remembering)) {
            client.push(layout, ref(repository("mount-a"), "v1"), PushOptions.defaults());
        }
        try (RegistryClient client = client(remembering)) {
            TransferResult second = client.push(layout, ref(repository("mount-b"), "v1"), PushOptions.defaults());
            assertThat(second.mounted()).isEqualTo(3);
            assertThat(second.transferred()).isZero();
        }
    }

    @Test
    void blobsLargerThanTheChunkSizeGoUpInChunksAndArriveIntact() throws IOException {
        TestContent.Image image = TestContent.image("linux", "amd64", 1, 3 * 1024 * 1024 + 17);
        Path layout = TestContent.layout(tmp.resolve("src"), "v1", image);
        ImageReference direct = ref(repository("chunks"), "v1");
        try (RegistryProxy proxy = RegistryProxy.start(java.net.URI.create("http://" + hostPort()));
             RegistryClient client = client(ClientOptions.defaults().withChunkSize(1024 * 1024))) {
            ImageReference viaProxy = ImageReference.parse(proxy.hostPort() + "/" + direct.repository() + ":v1");
            client.push(layout, viaProxy, PushOptions.defaults());
            assertThat(proxy.requests()).filteredOn(r -> r.startsWith("PATCH ")).hasSize(3);
        }
        try (RegistryClient client = client()) {
            client.pull(direct, tmp.resolve("out"), PullOptions.defaults());
        }
        TestContent.Blob layer = image.layers().get(0);
        assertThat(tmp.resolve("out/blobs/sha256/" + layer.digest().hex())).hasBinaryContent(layer.bytes());
    }

    @Test
    void pullWritesADockerArchiveWithTheImagesConfigAndLayers() throws IOException {
        TestContent.Image image = TestContent.image("linux", "amd64", 2, 20_000);
        Path layout = TestContent.layout(tmp.resolve("src"), "v1", image);
        ImageReference target = ref(repository("archive"), "v1");
        Path tar = tmp.resolve("image.tar");
        try (RegistryClient client = client()) {
            client.push(layout, target, PushOptions.defaults());
            client.pull(target, tar, PullOptions.defaults());
        }
        try (LocalFiles files = LocalFiles.open(tar)) {
            DockerArchive.Image archived = DockerArchive.images(files).get(0);
            assertThat(archived.repoTags()).containsExactly(hostPort() + "/" + target.repository() + ":v1");
            assertThat(files.read(archived.config(), 1 << 20)).isEqualTo(image.config().bytes());
            assertThat(archived.layers()).hasSize(2);
            assertThat(files.read(archived.layers().get(1), 1 << 20)).isEqualTo(image.layers().get(1).bytes());
            assertThat(files.exists("index.json")).isTrue();
        }
    }

    @Test
    void dockerSaveArchivePushesWithLayersGzippedOnTheWay() throws IOException {
        Path tar = tmp.resolve("saved.tar");
        TestContent.dockerSave(tar, "app:1", 2, 30_000);
        ImageReference target = ref(repository("save"), "1");
        try (RegistryClient client = client()) {
            client.push(tar, target, PushOptions.defaults());
            ManifestPayload manifest = client.manifest(target);
            assertThat(manifest.layers()).extracting(Descriptor::mediaType).containsOnly(MediaTypes.OCI_LAYER_GZIP);
            client.pull(target, tmp.resolve("out"), PullOptions.defaults());
            Descriptor first = manifest.layers().get(0);
            byte[] unzipped;
            try (InputStream in = new GZIPInputStream(Files.newInputStream(tmp.resolve("out/blobs/sha256/" + first.digest().hex())))) {
                unzipped = in.readAllBytes();
            }
            String config = new String(Files.readAllBytes(tmp.resolve("out/blobs/sha256/" + manifest.config().digest().hex())));
            assertThat(config).contains(Digest.sha256(unzipped).toString());
        }
    }

    @Test
    void dockerSaveArchivePushesUncompressedWhenAsked() {
        Path tar = tmp.resolve("saved.tar");
        TestContent.dockerSave(tar, "app:1", 2, 30_000);
        ImageReference target = ref(repository("save-plain"), "1");
        try (RegistryClient client = client()) {
            client.push(tar, target, new PushOptions(PushOptions.Compression.NONE, 1, null));
            ManifestPayload manifest = client.manifest(target);
            assertThat(manifest.layers()).extracting(Descriptor::mediaType).containsOnly(MediaTypes.OCI_LAYER_TAR);
        }
    }

    @Test
    void copyToAnotherRepositoryOfTheSameRegistryMountsEveryBlob() {
        TestContent.Image image = TestContent.image("linux", "amd64", 2, 10_000);
        ImageReference source = ref(repository("copy-src"), "v1");
        ImageReference target = ref(repository("copy-dst"), "v2");
        try (RegistryClient client = client()) {
            client.push(TestContent.layout(tmp.resolve("src"), "v1", image), source, PushOptions.defaults());
            TransferResult copied = client.copy(source, target, CopyOptions.defaults());
            assertThat(copied.mounted()).isEqualTo(3);
            assertThat(client.resolve(target).digest()).isEqualTo(image.digest());
        }
    }

    @Test
    void multiPlatformIndexPushesWithEveryChildAndPullsOnePlatform() throws IOException {
        TestContent.Image amd = TestContent.image("linux", "amd64", 1, 10_000);
        TestContent.Image arm = TestContent.image("linux", "arm64", 1, 10_000);
        TestContent.Blob index = TestContent.index(List.of(amd, arm));
        Path layout = TestContent.layout(tmp.resolve("src"), "multi", index, List.of(amd, arm));
        ImageReference target = ref(repository("multi"), "multi");
        try (RegistryClient client = client()) {
            TransferResult pushed = client.push(layout, target, PushOptions.defaults());
            assertThat(pushed.digest()).isEqualTo(index.digest());
            Inspection inspection = client.inspect(target, null);
            assertThat(inspection.platforms()).extracting(d -> d.platform().toString())
                    .containsExactly("linux/amd64", "linux/arm64");

            client.pull(target, tmp.resolve("arm"), new PullOptions(null, Descriptor.Platform.parse("linux/arm64"), null));
            assertThat(tmp.resolve("arm/blobs/sha256/" + arm.layers().get(0).digest().hex())).exists();
            assertThat(tmp.resolve("arm/blobs/sha256/" + amd.layers().get(0).digest().hex())).doesNotExist();
            assertThat(Files.readString(tmp.resolve("arm/index.json"))).contains(arm.digest().toString());

            ImageReference copy = ref(repository("multi-copy"), "all");
            client.copy(target, copy, CopyOptions.defaults());
            assertThat(client.resolve(copy).digest()).isEqualTo(index.digest());
            assertThat(client.resolve(copy.byDigest(amd.digest())).digest()).isEqualTo(amd.digest());
        }
    }

    @Test
    void tagsListsEveryPushedTag() {
        TestContent.Image image = TestContent.image("linux", "amd64", 1, 1_000);
        Path layout = TestContent.layout(tmp.resolve("src"), "v1", image);
        String repository = repository("tags");
        try (RegistryClient client = client()) {
            for (String tag : List.of("1.0", "1.1", "latest")) {
                client.push(layout, ref(repository, tag), new PushOptions(PushOptions.Compression.GZIP, 1, "v1"));
            }
            assertThat(client.tags(ref(repository, "latest"))).containsExactlyInAnyOrder("1.0", "1.1", "latest");
            assertThat(client.catalog(hostPort())).contains(repository);
        }
    }

    @Test
    void deletedManifestIsGoneAndPullingItNamesTheReference() {
        TestContent.Image image = TestContent.image("linux", "amd64", 1, 1_000);
        ImageReference target = ref(repository("delete"), "v1");
        try (RegistryClient client = client()) {
            client.push(TestContent.layout(tmp.resolve("src"), "v1", image), target, PushOptions.defaults());
            client.delete(target, true);
            assertThatThrownBy(() -> client.pull(target.byDigest(image.digest()), tmp.resolve("out"), PullOptions.defaults()))
                    .isInstanceOf(RegistryException.NotFound.class)
                    .hasMessageContaining(target.repository() + "@" + image.digest());
        }
    }

    @Test
    void unknownTagIsNotFoundNamingTheReferenceAskedFor() {
        ImageReference missing = ref(repository("missing"), "nope");
        try (RegistryClient client = client()) {
            assertThatThrownBy(() -> client.pull(missing, tmp.resolve("out"), PullOptions.defaults()))
                    .isInstanceOf(RegistryException.NotFound.class)
                    .hasMessageContaining(hostPort() + "/" + missing.repository() + ":nope");
        }
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    static byte[] gunzip(byte[] bytes) throws IOException {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }
}
