package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A freed namespace name grants nothing over what the namespace held (issue 7, hole 1): deleting a
 * user or an organization deletes its repositories, their visibility and open uploads, so whoever
 * claims the name next finds nothing of the old content.
 */
class NamespaceDeletionIT {

    private static final String PASSWORD = "namespace-password-1";
    private static RegistryServer server;
    private static Auth auth;

    @BeforeAll
    static void start() {
        server = RegistryServer.startWithAuth(Map.of("wharf.auth.credential-cache-ttl", "0s"));
        auth = new Auth(server);
        auth.createUser("mallory", PASSWORD);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** What a namespace held before it was deleted. */
    private record Held(Digest layer, Digest manifest, String upload) {
    }

    /** Pushes a private image and a blob to {@code <namespace>/payroll}, opens an upload, publishes a name. */
    private static Held fill(String namespace, String authorization) {
        String repo = namespace + "/payroll";
        byte[] manifest = auth.pushImage(repo, "v1", authorization);
        Digest layer = auth.pushBlob(repo, TestData.random(700), authorization);
        String upload = auth.startUpload(repo, authorization);
        RegistryHttp.check(auth.send("PATCH", upload, authorization, TestData.random(100),
                "Content-Type", "application/octet-stream"), 202);
        auth.apiOk("PATCH", "/api/v1/repositories/" + namespace + "/later", authorization, "{\"visibility\":\"public\"}");
        assertThat(Files.exists(uploadData(upload))).isTrue();
        return new Held(layer, Digest.sha256(manifest), upload);
    }

    private static Path uploadData(String location) {
        String id = location.replaceAll("\\?.*", "");
        id = id.substring(id.lastIndexOf('/') + 1);
        return server.dataDir().resolve("storage").resolve("uploads").resolve(id);
    }

    /** The new holder of the name, who may do everything in it, finds none of the old content. */
    private static void assertNothingLeft(String namespace, Held old, String newOwner) {
        String repo = "/v2/" + namespace + "/payroll";
        HttpResponse<byte[]> blob = auth.send("GET", repo + "/blobs/" + old.layer(), newOwner, null);
        assertThat(blob.statusCode()).as(text(blob)).isEqualTo(404);
        assertThat(RegistryHttp.errorCode(blob)).isEqualTo("BLOB_UNKNOWN");
        HttpResponse<byte[]> byTag = auth.send("GET", repo + "/manifests/v1", newOwner, null,
                "Accept", dev.wharf.oci.MediaTypes.OCI_MANIFEST);
        assertThat(byTag.statusCode()).as(text(byTag)).isEqualTo(404);
        assertThat(RegistryHttp.errorCode(byTag)).isEqualTo("NAME_UNKNOWN");
        HttpResponse<byte[]> byDigest = auth.send("GET", repo + "/manifests/" + old.manifest(), newOwner, null,
                "Accept", dev.wharf.oci.MediaTypes.OCI_MANIFEST);
        assertThat(byDigest.statusCode()).as(text(byDigest)).isEqualTo(404);
        HttpResponse<byte[]> tags = auth.send("GET", repo + "/tags/list", newOwner, null);
        assertThat(tags.statusCode()).as(text(tags)).isEqualTo(404);
        assertThat(RegistryHttp.errorCode(tags)).isEqualTo("NAME_UNKNOWN");
        HttpResponse<byte[]> upload = auth.send("GET", old.upload(), newOwner, null);
        assertThat(upload.statusCode()).as(text(upload)).isEqualTo(404);
        assertThat(RegistryHttp.errorCode(upload)).isEqualTo("BLOB_UPLOAD_UNKNOWN");

        JsonNode catalog = RegistryHttp.json(auth.send("GET", "/v2/_catalog?n=1000", Auth.adminBasic(), null));
        assertThat(catalog.get("repositories").toString()).doesNotContain("\"" + namespace + "/");
        JsonNode visibility = auth.apiOk("GET", "/api/v1/repositories/" + namespace + "/later", newOwner, null);
        assertThat(visibility.get("visibility").asString()).isEqualTo("private");
        assertThat(auth.send("GET", "/v2/" + namespace + "/later/tags/list", null, null).statusCode())
                .as("no longer public").isEqualTo(401);

        // the upload's stored data went after the commit, before the DELETE was answered
        assertThat(Files.exists(uploadData(old.upload()))).as("upload data deleted").isFalse();
    }

    @Test
    void aDeletedUsersRepositoriesDoNotPassToTheNextHolderOfTheName() {
        auth.createUser("erin", PASSWORD);
        String erin = Auth.basic("erin", PASSWORD);
        Held held = fill("erin", erin);

        auth.apiOk("DELETE", "/api/v1/users/erin", Auth.adminBasic(), null);
        String mallory = Auth.basic("mallory", PASSWORD);
        auth.createOrganization("erin", mallory);

        assertNothingLeft("erin", held, mallory);
        // the new owner starts from an empty namespace: a push of the same name works and is theirs
        auth.pushImage("erin/payroll", "fresh", mallory);
        JsonNode tags = RegistryHttp.json(auth.send("GET", "/v2/erin/payroll/tags/list", mallory, null));
        assertThat(tags.get("tags").toString()).isEqualTo("[\"fresh\"]");
    }

    @Test
    void aDeletedOrganizationsRepositoriesDoNotPassToTheNextHolderOfTheName() {
        auth.createUser("olga", PASSWORD);
        String olga = Auth.basic("olga", PASSWORD);
        auth.createOrganization("globex", olga);
        Held held = fill("globex", olga);
        // a namespace whose name starts with the deleted one keeps its content
        auth.createOrganization("globex-eu", olga);
        auth.pushImage("globex-eu/keep", "v1", olga);

        auth.apiOk("DELETE", "/api/v1/orgs/globex", olga, null);
        auth.createUser("globex", PASSWORD);

        assertNothingLeft("globex", held, Auth.basic("globex", PASSWORD));
        assertThat(auth.send("GET", "/v2/globex-eu/keep/tags/list", olga, null).statusCode()).isEqualTo(200);
    }

    private static String text(HttpResponse<byte[]> r) {
        return r.request().method() + " " + r.request().uri() + " -> " + r.statusCode() + " "
                + new String(r.body(), StandardCharsets.UTF_8);
    }
}
