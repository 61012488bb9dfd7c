package dev.wharf.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestImages;
import dev.wharf.testing.Tools;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 8's done-when, with docker and skopeo: with a review delay of 0, two images sharing a base
 * layer are pushed, one is deleted by digest, {@code POST /api/v1/gc} removes that image's own
 * layers from the API and from the store's files, and the other image still pulls with docker and
 * skopeo. The collector's workers are off: with a delay of 0 they would race docker's own push (a
 * layer uploaded but not yet used by the manifest is unreferenced); this test collects when it says.
 */
class GarbageCollectionE2EIT {

    private RegistryServer server;
    private RegistryHttp http;
    private final Path cwd = Path.of(".");

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        Tools.requireDocker();
        Tools.require("skopeo", "skopeo");
        server = RegistryServer.start(Map.of("wharf.gc.review-delay", "0s", "wharf.gc.enabled", "false"));
        http = new RegistryHttp(server.base());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void deletingAnImageAndCollectingRemovesItsOwnLayersAndTheOtherImageStillPulls() {
        String repo = TestData.repository("gc-e2e");
        String deleted = server.hostPort() + "/" + repo + ":deleted";
        String kept = server.hostPort() + "/" + repo + ":kept";
        TestImages.build(deleted, 2, 200 * 1024);
        TestImages.build(kept, 2, 200 * 1024);
        Digest deletedDigest = pushedDigest(docker("push", deleted).orFail().output());
        docker("push", kept).orFail();
        Set<Digest> deletedBlobs = blobsOf(repo, "deleted");
        Set<Digest> keptBlobs = blobsOf(repo, "kept");
        Set<Digest> own = new LinkedHashSet<>(deletedBlobs);
        own.removeAll(keptBlobs);
        assertThat(own).as("the deleted image's own layers and config").hasSize(3);
        assertThat(deletedBlobs).as("a shared base layer").containsAnyElementsOf(keptBlobs);

        RegistryHttp.check(http.delete("/v2/" + repo + "/manifests/" + deletedDigest), 202);
        JsonNode report = RegistryHttp.json(http.post("/api/v1/gc", new byte[0]));

        assertThat(report.get("blobsDeleted").asInt()).isEqualTo(own.size());
        for (Digest digest : own) {
            assertThat(http.head("/v2/" + repo + "/blobs/" + digest).statusCode()).as(digest.toString()).isEqualTo(404);
            assertThat(blobFile(digest)).doesNotExist();
        }
        for (Digest digest : keptBlobs) {
            assertThat(http.head("/v2/" + repo + "/blobs/" + digest).statusCode()).isEqualTo(200);
            assertThat(blobFile(digest)).exists();
        }

        String id = docker("image", "inspect", "-f", "{{.Id}}", kept).orFail().output().strip();
        docker("rmi", deleted, kept).orFail();
        docker("pull", kept).orFail();
        assertThat(docker("image", "inspect", "-f", "{{.Id}}", kept).orFail().output().strip()).isEqualTo(id);
        docker("rmi", kept).orFail();

        Tools.run(dir, 300, "skopeo", "--insecure-policy", "copy", "--src-tls-verify=false",
                "docker://" + kept, "oci:" + dir.resolve("layout") + ":kept").orFail();
        assertThat(dir.resolve("layout/index.json")).exists();
        for (Digest layer : keptBlobs) {
            if (!layer.equals(configOf(repo, "kept"))) { // skopeo writes the config in OCI form
                assertThat(dir.resolve("layout/blobs/sha256/" + layer.hex())).exists();
            }
        }
        assertThat(Tools.run(dir, 120, "skopeo", "inspect", "--tls-verify=false", "docker://" + server.hostPort() + "/"
                + repo + "@" + deletedDigest).exitCode()).as("the deleted image is gone").isNotZero();
    }

    private Tools.Result docker(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "docker";
        System.arraycopy(args, 0, command, 1, args.length);
        return Tools.run(cwd, 300, command);
    }

    private static Digest pushedDigest(String pushOutput) {
        return Digest.parse(pushOutput.substring(pushOutput.indexOf("digest: ") + 8).split("\\s")[0]);
    }

    /** The config and layers of a tagged image manifest. */
    private Set<Digest> blobsOf(String repo, String tag) {
        JsonNode manifest = manifest(repo, tag);
        Set<Digest> out = new LinkedHashSet<>();
        out.add(Digest.parse(manifest.get("config").get("digest").asString()));
        manifest.get("layers").forEach(l -> out.add(Digest.parse(l.get("digest").asString())));
        return out;
    }

    private Digest configOf(String repo, String tag) {
        return Digest.parse(manifest(repo, tag).get("config").get("digest").asString());
    }

    private JsonNode manifest(String repo, String tag) {
        HttpResponse<byte[]> response = http.get("/v2/" + repo + "/manifests/" + tag, "Accept",
                MediaTypes.DOCKER_MANIFEST + "," + MediaTypes.OCI_MANIFEST);
        RegistryHttp.check(response, 200);
        return RegistryHttp.json(response);
    }

    private Path blobFile(Digest digest) {
        return server.dataDir().resolve("storage/blobs/sha256").resolve(digest.hex().substring(0, 2))
                .resolve(digest.hex());
    }
}
