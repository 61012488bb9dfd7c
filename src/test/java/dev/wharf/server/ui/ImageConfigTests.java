package dev.wharf.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ImageConfigTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String H = "sha256:" + "a".repeat(64);

    private static ImageConfig config(String json) {
        return ImageConfig.parse(JSON.readTree(json), json);
    }

    @Test
    void historyReadsLikeTheDockerfile() {
        assertThat(new ImageConfig.Step(null, "/bin/sh -c #(nop)  CMD [\"sh\"]", null, true).instruction())
                .isEqualTo("CMD [\"sh\"]");
        assertThat(new ImageConfig.Step(null, "/bin/sh -c apt-get update", null, false).instruction())
                .isEqualTo("RUN apt-get update");
        assertThat(new ImageConfig.Step(null, "|2 A=1 B=2 /bin/sh -c make", null, false).instruction())
                .isEqualTo("RUN make");
        assertThat(new ImageConfig.Step(null, "COPY app /app # buildkit", null, false).instruction())
                .isEqualTo("COPY app /app");
        assertThat(new ImageConfig.Step(null, null, "imported", false).instruction()).isEqualTo("imported");
    }

    @Test
    void layersLineUpWithTheStepsThatMadeThemAndEmptyStepsKeepTheirPlace() {
        String manifestJson = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
                + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + H + "\",\"size\":10},\"layers\":["
                + "{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"sha256:" + "b".repeat(64) + "\",\"size\":1},"
                + "{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"sha256:" + "c".repeat(64) + "\",\"size\":2}]}";
        ManifestPayload manifest = ManifestPayload.parse(manifestJson.getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_MANIFEST);
        ImageConfig config = config("{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\",\"history\":["
                + "{\"created_by\":\"ADD rootfs /\"},{\"created_by\":\"/bin/sh -c #(nop) ENV A=1\",\"empty_layer\":true},"
                + "{\"created_by\":\"/bin/sh -c make\"},{\"created_by\":\"/bin/sh -c #(nop) CMD x\",\"empty_layer\":true}]}");

        List<Images.LayerStep> steps = Images.steps(manifest, config);

        assertThat(steps).extracting(Images.LayerStep::instruction)
                .containsExactly("ADD rootfs /", "ENV A=1", "RUN make", "CMD x");
        assertThat(steps).extracting(s -> s.layer() == null ? null : s.layer().size()).containsExactly(1L, null, 2L, null);
        assertThat(config.platform()).isEqualTo("linux/arm64/v8");
    }

    @Test
    void aConfigThatIsNotAnObjectIsUnreadable() {
        assertThat(config("[1,2]").readable()).isFalse();
    }

    @Test
    void referrersAreGroupedByWhatTheyAre() {
        assertThat(Images.groupOf("application/vnd.dev.cosign.artifact.sig.v1+json")).isEqualTo("Signatures");
        assertThat(Images.groupOf("application/spdx+json")).isEqualTo("SBOMs");
        assertThat(Images.groupOf("application/vnd.in-toto+json")).isEqualTo("Attestations");
        assertThat(Images.groupOf("application/x-custom")).isEqualTo("application/x-custom");
    }
}
