package dev.wharf.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryProxy;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The {@code wharf} commands against a real server: output, JSON, and an exit code per kind of failure. */
class CliIT {

    @TempDir
    Path tmp;

    private final String host = RegistryServer.shared().hostPort();
    private final RegistryHttp http = new RegistryHttp(RegistryServer.shared().base());

    /** A pushed image and its digest. */
    private String pushImage(String repository) {
        byte[] manifest = http.pushImage(repository, "v1", 2);
        return Digest.sha256(manifest).toString();
    }

    @Test
    void pushThenPullPrintTheReferenceWithItsDigest() throws IOException {
        String repository = TestData.repository("cli");
        String digest = pushImage(repository);
        CliRun pull = CliRun.of("pull", "--no-cache", host + "/" + repository + ":v1", tmp.resolve("layout").toString());
        assertThat(pull.exitCode()).as(pull.toString()).isZero();
        assertThat(pull.out().strip()).isEqualTo(tmp.resolve("layout").toString());
        assertThat(pull.err()).contains("pulled " + digest);

        CliRun push = CliRun.of("push", "--no-cache", tmp.resolve("layout").toString(), host + "/" + repository + "-copy:v2");
        assertThat(push.exitCode()).as(push.toString()).isZero();
        assertThat(push.out().strip()).isEqualTo(host + "/" + repository + "-copy:v2@" + digest);
        assertThat(push.err()).contains("pushed " + digest, "3 blobs");
        assertThat(Files.exists(tmp.resolve("layout/oci-layout"))).isTrue();
    }

    @Test
    void jsonOutputIsOneObjectWithTheDigest() {
        String repository = TestData.repository("cli-json");
        String digest = pushImage(repository);
        CliRun copy = CliRun.of("copy", "--json", "--no-cache", host + "/" + repository + ":v1", host + "/" + repository + ":v2");
        assertThat(copy.exitCode()).as(copy.toString()).isZero();
        JsonNode result = RegistryHttp.JSON.readTree(copy.out());
        assertThat(result.get("digest").asString()).isEqualTo(digest);
        assertThat(result.get("mounted").asInt()).isZero();
        assertThat(result.get("existing").asInt()).isEqualTo(3);
        assertThat(copy.err()).contains("\"event\":\"manifestWritten\"");

        CliRun tags = CliRun.of("tags", "--json", host + "/" + repository);
        assertThat(RegistryHttp.JSON.readTree(tags.out()).get("tags").toString()).contains("v1", "v2");
    }

    @Test
    void quietPrintsOnlyTheDigest() {
        String repository = TestData.repository("cli-quiet");
        String digest = pushImage(repository);
        CliRun copy = CliRun.of("copy", "-q", "--no-cache", host + "/" + repository + ":v1", host + "/" + repository + ":v2");
        assertThat(copy.out().strip()).isEqualTo(digest);
        assertThat(copy.err()).isEmpty();
    }

    @Test
    void tagsCatalogInspectAndRmDoWhatTheySay() {
        String repository = TestData.repository("cli-small");
        String digest = pushImage(repository);
        assertThat(CliRun.of("tags", host + "/" + repository).out().lines()).containsExactly("v1");
        assertThat(CliRun.of("catalog", host).out().lines()).contains(repository);

        CliRun inspect = CliRun.of("inspect", host + "/" + repository + ":v1");
        assertThat(inspect.exitCode()).as(inspect.toString()).isZero();
        assertThat(inspect.out()).contains("Digest:      " + digest, MediaTypes.OCI_MANIFEST, "Platform:  linux/amd64",
                "Layers:      2");
        assertThat(CliRun.of("inspect", "--raw", host + "/" + repository + ":v1").out())
                .startsWith("{\"schemaVersion\":2");

        CliRun rm = CliRun.of("rm", "--manifest", host + "/" + repository + ":v1");
        assertThat(rm.exitCode()).as(rm.toString()).isZero();
        assertThat(CliRun.of("inspect", host + "/" + repository + "@" + digest).exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void unknownManifestExitsWith4NamingTheReference() {
        String repository = TestData.repository("cli-missing");
        pushImage(repository);
        CliRun run = CliRun.of("pull", host + "/" + repository + ":nope", tmp.resolve("out").toString());
        assertThat(run.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run.err()).contains("not found: manifest " + host + "/" + repository + ":nope");
    }

    @Test
    void unreachableRegistryExitsWith5() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CliRun run = CliRun.of("tags", "127.0.0.1:" + port + "/some/repo");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.NETWORK);
        assertThat(run.err()).contains("cannot reach 127.0.0.1:" + port, "connection refused");
    }

    @Test
    void authenticationRequiredExitsWith3AndNamesTheLoginCommandThenLoginAndLogoutWork() {
        String repository = TestData.repository("cli-auth");
        pushImage(repository);
        Path authfile = tmp.resolve("docker/config.json");
        try (RegistryProxy proxy = RegistryProxy.start(RegistryServer.shared().base()).requireTokens("alice", "s3cret")) {
            String ref = proxy.hostPort() + "/" + repository;
            CliRun denied = CliRun.of("tags", "--authfile", authfile.toString(), ref);
            assertThat(denied.exitCode()).isEqualTo(ExitCodes.AUTH);
            assertThat(denied.err()).contains("authentication required: run `wharf login " + proxy.hostPort() + "`");

            CliRun wrong = CliRun.of("login", "--authfile", authfile.toString(), "-u", "alice", "-p", "wrong", proxy.hostPort());
            assertThat(wrong.exitCode()).isEqualTo(ExitCodes.AUTH);
            assertThat(Files.exists(authfile)).isFalse();

            CliRun login = CliRun.of("login", "--authfile", authfile.toString(), "-u", "alice", "-p", "s3cret", proxy.hostPort());
            assertThat(login.exitCode()).as(login.toString()).isZero();
            assertThat(login.out()).contains("Login succeeded");

            CliRun tags = CliRun.of("tags", "--authfile", authfile.toString(), ref);
            assertThat(tags.exitCode()).as(tags.toString()).isZero();
            assertThat(tags.out().lines()).containsExactly("v1");

            assertThat(CliRun.of("logout", "--authfile", authfile.toString(), proxy.hostPort()).out()).contains("Removed");
            assertThat(CliRun.of("tags", "--authfile", authfile.toString(), ref).exitCode()).isEqualTo(ExitCodes.AUTH);
        }
    }

    @Test
    void corruptContentExitsWith6() {
        String repository = TestData.repository("cli-corrupt");
        pushImage(repository);
        try (RegistryProxy proxy = RegistryProxy.start(RegistryServer.shared().base()).corruptBlobs()) {
            CliRun run = CliRun.of("pull", proxy.hostPort() + "/" + repository + ":v1", tmp.resolve("out.tar").toString());
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.INTEGRITY);
            assertThat(run.err()).contains("digest", "nothing was kept");
            assertThat(tmp.resolve("out.tar")).doesNotExist();
        }
    }

    @Test
    void referrersCommandListsArtifactsOfTheImage() {
        String repository = TestData.repository("cli-refs");
        String digest = pushImage(repository);
        byte[] subjectBytes = http.get("/v2/" + repository + "/manifests/v1", "Accept", MediaTypes.OCI_MANIFEST).body();
        Digest config = http.pushBlob(repository, "{}".getBytes(StandardCharsets.UTF_8));
        String artifact = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"artifactType\":"
                + "\"application/vnd.example.sbom\",\"config\":" + RegistryHttp.descriptor(MediaTypes.OCI_EMPTY, config, 2)
                + ",\"layers\":[" + RegistryHttp.descriptor(MediaTypes.OCI_EMPTY, config, 2) + "],\"subject\":"
                + RegistryHttp.descriptor(MediaTypes.OCI_MANIFEST, Digest.parse(digest), subjectBytes.length) + "}";
        byte[] bytes = artifact.getBytes(StandardCharsets.UTF_8);
        RegistryHttp.check(http.putManifest(repository, Digest.sha256(bytes).toString(), MediaTypes.OCI_MANIFEST, bytes), 201);

        CliRun run = CliRun.of("referrers", host + "/" + repository + ":v1");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains(Digest.sha256(bytes).toString(), "application/vnd.example.sbom");
    }
}
