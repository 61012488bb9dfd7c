package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A freed namespace name grants nothing over what the namespace held (issue 7, hole 1): deleting a
 * user or an organization deletes its repositories, their visibility and open uploads, so whoever
 * claims the name next finds nothing of the old content; and no push, not even an admin's and not
 * one racing the deletion, puts a repository into a namespace that does not exist.
 */
class NamespaceDeletionIT {

    private static final String PASSWORD = "namespace-password-1";
    private static TestDatabases.Database db;
    private static RegistryServer server;
    private static Auth auth;

    @BeforeAll
    static void start() {
        db = TestDatabases.create();
        server = RegistryServer.start(db, RegistryServer.withAuth(Map.of("wharf.auth.credential-cache-ttl", "0s")));
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
        auth.apiOk("PUT", "/api/v1/namespaces/globex/policy", Auth.adminBasic(),
                "{\"quotaBytes\":100000000,\"immutableTags\":[\"v*\"]}");
        long keptUsage = auth.apiOk("GET", "/api/v1/namespaces/globex-eu/policy", olga, null).get("usedBytes").asLong();

        auth.apiOk("DELETE", "/api/v1/orgs/globex", olga, null);
        auth.createUser("globex", PASSWORD);

        assertNothingLeft("globex", held, Auth.basic("globex", PASSWORD));
        assertThat(auth.send("GET", "/v2/globex-eu/keep/tags/list", olga, null).statusCode()).isEqualTo(200);
        // nor its policy: no quota, no immutable tags, nothing used
        JsonNode policy = auth.apiOk("GET", "/api/v1/namespaces/globex/policy", Auth.basic("globex", PASSWORD), null);
        assertThat(policy.get("quotaBytes").isNull()).isTrue();
        assertThat(policy.get("immutableTags")).isEmpty();
        assertThat(policy.get("usedBytes").asLong()).isZero();
        assertThat(auth.apiOk("GET", "/api/v1/namespaces/globex-eu/policy", olga, null).get("usedBytes").asLong())
                .isEqualTo(keptUsage).isPositive();
    }

    @Test
    void aPushIntoANamespaceThatDoesNotExistIsRefusedEvenForAnAdmin() throws SQLException {
        String admin = Auth.adminBasic();
        byte[] content = TestData.random(64);
        Digest digest = auth.pushBlob("admin/source", content, admin);
        byte[] manifest = auth.pushImage("admin/source", "v1", admin);

        List<HttpResponse<byte[]>> refused = List.of(
                auth.send("POST", "/v2/ghost/app/blobs/uploads/", admin, new byte[0]),
                auth.send("POST", "/v2/ghost/app/blobs/uploads/?digest=" + digest, admin, content,
                        "Content-Type", "application/octet-stream"),
                auth.send("POST", "/v2/ghost/app/blobs/uploads/?mount=" + digest + "&from=admin/source", admin,
                        new byte[0]),
                auth.send("PUT", "/v2/ghost/app/manifests/v1", admin, manifest,
                        "Content-Type", dev.wharf.oci.MediaTypes.OCI_MANIFEST),
                auth.send("POST", "/v2/ghost/blobs/uploads/", admin, new byte[0]));
        for (HttpResponse<byte[]> r : refused) {
            assertThat(r.statusCode()).as(text(r)).isEqualTo(403);
            assertThat(RegistryHttp.errorCode(r)).isEqualTo("DENIED");
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("namespace ghost does not exist");
        }
        assertThat(orphans()).isEmpty();
        assertThat(repositories("ghost")).isEmpty();
    }

    /**
     * Rounds of: an organization, four clients pushing into it (sessions, monolithic uploads, mounts,
     * manifests) while its owner deletes it. Whatever interleaving, no request fails with a 5xx, no
     * repository outlives its namespace, and the pushes after the deletion are refused.
     */
    @Test
    void pushesRacingTheDeletionOfTheirNamespaceLeaveNoRepositoryBehind() throws Exception {
        String owner = Auth.basic("mallory", PASSWORD);
        byte[] shared = TestData.random(128);
        Digest sharedDigest = auth.pushBlob("admin/shared", shared, Auth.adminBasic());
        Set<Integer> statuses = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 10; round++) {
                String org = "race" + round;
                auth.createOrganization(org, owner);
                AtomicBoolean deleted = new AtomicBoolean();
                List<Future<?>> pushers = new ArrayList<>();
                // a token, so the pushes cost no bcrypt each (this server remembers no password)
                String admin = Auth.bearer(auth.token(Auth.adminBasic(), "repository:" + org + "/app0:pull,push",
                        "repository:" + org + "/app1:pull,push", "repository:" + org + "/app2:pull,push",
                        "repository:" + org + "/app3:pull,push", "repository:admin/shared:pull"));
                for (int p = 0; p < 4; p++) {
                    String repo = org + "/app" + p;
                    int kind = p;
                    pushers.add(pool.submit(() -> {
                        // keep pushing until a few pushes after the deletion were answered
                        for (int after = 0; after < 3; ) {
                            boolean gone = deleted.get();
                            for (HttpResponse<byte[]> r : push(kind, repo, admin, sharedDigest)) {
                                statuses.add(r.statusCode());
                                assertThat(r.statusCode()).as(text(r)).isLessThan(500);
                                if (gone) {
                                    assertThat(r.statusCode()).as(text(r)).isEqualTo(403);
                                }
                            }
                            after += gone ? 1 : 0;
                        }
                        return null;
                    }));
                }
                auth.apiOk("DELETE", "/api/v1/orgs/" + org, owner, null);
                deleted.set(true);
                for (Future<?> f : pushers) {
                    f.get();
                }
                assertThat(orphans()).as("round " + round).isEmpty();
                assertThat(repositories(org)).as("round " + round).isEmpty();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(statuses).as("pushes landed before deletions and were refused after").contains(201, 403);
    }

    /** One push of kind 0..3 into {@code repo}: every response it got. */
    private static List<HttpResponse<byte[]>> push(int kind, String repo, String authorization, Digest shared) {
        byte[] content = TestData.random(100);
        Digest digest = Digest.sha256(content);
        String octets = "application/octet-stream";
        return switch (kind) {
            case 0 -> {
                HttpResponse<byte[]> start = auth.send("POST", "/v2/" + repo + "/blobs/uploads/", authorization,
                        new byte[0]);
                if (start.statusCode() != 202) {
                    yield List.of(start);
                }
                String location = start.headers().firstValue("Location").orElseThrow();
                yield List.of(start, auth.send("PUT", location + (location.contains("?") ? "&" : "?") + "digest="
                        + digest, authorization, content, "Content-Type", octets));
            }
            case 1 -> List.of(auth.send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, authorization,
                    content, "Content-Type", octets));
            case 2 -> List.of(auth.send("POST", "/v2/" + repo + "/blobs/uploads/?mount=" + shared + "&from=admin/shared",
                    authorization, new byte[0]));
            default -> {
                HttpResponse<byte[]> blob = auth.send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest,
                        authorization, content, "Content-Type", octets);
                byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + dev.wharf.oci.MediaTypes.OCI_MANIFEST
                        + "\",\"config\":" + RegistryHttp.descriptor(dev.wharf.oci.MediaTypes.OCI_CONFIG, digest,
                        content.length) + ",\"layers\":[]}").getBytes(StandardCharsets.UTF_8);
                yield List.of(blob, auth.send("PUT", "/v2/" + repo + "/manifests/latest", authorization, manifest,
                        "Content-Type", dev.wharf.oci.MediaTypes.OCI_MANIFEST));
            }
        };
    }

    /** Repositories whose namespace (first path component) is no user or organization. */
    private static List<String> orphans() throws SQLException {
        return query("""
                SELECT r.name FROM repositories r
                WHERE NOT EXISTS (SELECT 1 FROM namespaces n WHERE n.name = split_part(r.name, '/', 1))""");
    }

    private static List<String> repositories(String namespace) throws SQLException {
        return query("SELECT name FROM repositories WHERE split_part(name, '/', 1) = '" + namespace + "'");
    }

    private static List<String> query(String sql) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static String text(HttpResponse<byte[]> r) {
        return r.request().method() + " " + r.request().uri() + " -> " + r.statusCode() + " "
                + new String(r.body(), StandardCharsets.UTF_8);
    }
}
