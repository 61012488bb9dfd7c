package dev.wharf.client.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarFilesTests {

    @TempDir
    Path tmp;

    @Test
    void readsEntriesInPlaceFromAnyOffset() throws IOException {
        byte[] data = TestData.random(70_000);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        tar.writeBytes(TarHeaders.file("./dir/a.bin", data.length, 0));
        tar.writeBytes(data);
        tar.writeBytes(new byte[(int) (TarHeaders.padded(data.length) - data.length)]);
        tar.writeBytes(TarHeaders.end());
        Path file = tmp.resolve("a.tar");
        Files.write(file, tar.toByteArray());
        try (LocalFiles files = LocalFiles.open(file)) {
            assertThat(files.size("dir/a.bin")).isEqualTo(data.length);
            assertThat(files.size("missing")).isEqualTo(-1);
            try (InputStream in = files.open("dir/a.bin", 65_536)) {
                assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(data, 65_536, data.length));
            }
        }
    }

    @Test
    void longNamesGoThroughPaxHeaders() throws IOException {
        String name = "a".repeat(90) + "/" + "b".repeat(90) + "/layer.tar";
        byte[] data = "content".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        tar.writeBytes(TarHeaders.file(name, data.length, 0));
        tar.writeBytes(data);
        tar.writeBytes(new byte[(int) (TarHeaders.padded(data.length) - data.length)]);
        tar.writeBytes(TarHeaders.end());
        Path file = tmp.resolve("long.tar");
        Files.write(file, tar.toByteArray());
        try (LocalFiles files = LocalFiles.open(file)) {
            assertThat(files.read(name, 100)).isEqualTo(data);
        }
    }

    @Test
    void aFileThatIsNotATarIsRefused() throws IOException {
        Path file = tmp.resolve("not.tar");
        Files.write(file, TestData.random(2048));
        assertThatThrownBy(() -> LocalFiles.open(file)).isInstanceOf(IOException.class).hasMessageContaining("not a tar");
    }

    @Test
    void dockerArchiveWriterPlacesBlobsWrittenInAnyOrderAndRenamesOnlyWhenFinished() throws IOException {
        byte[] config = "{\"os\":\"linux\",\"architecture\":\"amd64\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer1 = TestData.random(1000);
        byte[] layer2 = TestData.random(513);
        Descriptor c = new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length);
        Descriptor l1 = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(layer1), layer1.length);
        Descriptor l2 = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(layer2), layer2.length);
        ManifestPayload manifest = ManifestJson.image(c, List.of(l1, l2), Map.of());
        Path target = tmp.resolve("out/image.tar");

        try (DockerArchiveWriter writer = new DockerArchiveWriter(target, manifest, List.of("team/app:1"))) {
            writer.blob(l2.digest()).write(ByteBuffer.wrap(layer2));
            BlobTarget first = writer.blob(l1.digest());
            first.write(ByteBuffer.wrap(layer1, 0, 400));
            first.write(ByteBuffer.wrap(layer1, 400, 600));
            writer.blob(c.digest()).write(ByteBuffer.wrap(config));
            assertThat(target).doesNotExist();
            writer.finish();
        }
        try (LocalFiles files = LocalFiles.open(target)) {
            DockerArchive.Image image = DockerArchive.images(files).get(0);
            assertThat(image.repoTags()).containsExactly("team/app:1");
            assertThat(files.read(image.config(), 1 << 20)).isEqualTo(config);
            assertThat(files.read(image.layers().get(0), 1 << 20)).isEqualTo(layer1);
            assertThat(files.read(image.layers().get(1), 1 << 20)).isEqualTo(layer2);
            OciLayout layout = new OciLayout(files);
            assertThat(OciLayout.isLayout(files)).isTrue();
            assertThat(layout.manifest(layout.entries().get(0)).digest()).isEqualTo(manifest.digest());
        }
        try (Stream<Path> left = Files.list(target.getParent())) {
            assertThat(left).containsExactly(target);
        }
    }

    @Test
    void abortedDockerArchiveLeavesNothing() throws IOException {
        byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
        Descriptor c = new Descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length);
        ManifestPayload manifest = ManifestJson.image(c, List.of(), Map.of());
        Path dir = tmp.resolve("aborted");
        DockerArchiveWriter writer = new DockerArchiveWriter(dir.resolve("x.tar"), manifest, List.of());
        writer.abort();
        writer.abort();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }
}
