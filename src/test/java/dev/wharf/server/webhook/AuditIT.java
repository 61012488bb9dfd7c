package dev.wharf.server.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.server.auth.Auth;
import dev.wharf.testing.RegistryServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The audit log: who did what, when and from where, readable by admins and by a namespace's owners. */
class AuditIT {

    private static RegistryServer server;
    private static Auth auth;

    @BeforeAll
    static void start() {
        server = RegistryServer.startWithAuth(Map.of());
        auth = new Auth(server);
        auth.createUser("olga", "olga-password-1");
        auth.createUser("bob", "bob-password-1");
        auth.createOrganization("aud", Auth.basic("olga", "olga-password-1"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aRefusedPushIsRecordedWithWhoTriedAndFromWhere() {
        HttpResponse<byte[]> refused = auth.send("POST", "/v2/aud/app/blobs/uploads/", Auth.basic("bob", "bob-password-1"),
                new byte[0], "X-Request-Id", "audit-test-4711");
        assertThat(refused.statusCode()).isEqualTo(403);

        JsonNode denied = only(auth.apiOk("GET", "/api/v1/audit?type=access.denied&actor=bob", Auth.adminBasic(), null));
        assertThat(denied.path("outcome").asString()).isEqualTo("denied");
        assertThat(denied.path("actorKind").asString()).isEqualTo("user");
        assertThat(denied.path("repository").asString()).isEqualTo("aud/app");
        assertThat(denied.path("clientAddress").asString()).isEqualTo("127.0.0.1");
        assertThat(denied.path("requestId").asString()).isEqualTo("audit-test-4711");
        assertThat(denied.path("target").asString()).isEqualTo("POST /v2/aud/app/blobs/uploads/");
        assertThat(denied.path("data").path("actions").toString()).isEqualTo("[\"pull\",\"push\"]");
    }

    @Test
    void aRobotsPushIsRecordedUnderTheRobotsName() {
        String secret = auth.createRobot("aud", "ci", "[{\"repositories\":\"aud/*\",\"actions\":[\"pull\",\"push\"]}]", null);
        auth.pushImage("aud/service", "7", Auth.basic("aud+ci", secret));

        JsonNode pushed = only(auth.apiOk("GET", "/api/v1/audit?namespace=aud&type=manifest.pushed",
                Auth.basic("olga", "olga-password-1"), null));
        assertThat(pushed.path("actor").asString()).isEqualTo("aud+ci");
        assertThat(pushed.path("actorKind").asString()).isEqualTo("robot");
        assertThat(pushed.path("repository").asString()).isEqualTo("aud/service");
        assertThat(pushed.path("data").path("tags").get(0).asString()).isEqualTo("7");
        JsonNode created = only(auth.apiOk("GET", "/api/v1/audit?namespace=aud&type=robot.created", Auth.adminBasic(), null));
        assertThat(created.path("actor").asString()).isEqualTo("admin");
        assertThat(created.path("target").asString()).isEqualTo("aud+ci");
    }

    @Test
    void movedTagsDeletedTagsManifestsAndBlobsAreRecorded() {
        String olga = Auth.basic("olga", "olga-password-1");
        byte[] first = auth.pushImage("aud/moves", "1", olga);
        byte[] second = auth.pushImage("aud/moves", "1", olga);
        String firstDigest = dev.wharf.oci.Digest.sha256(first).toString();
        String secondDigest = dev.wharf.oci.Digest.sha256(second).toString();

        JsonNode moved = only(auth.apiOk("GET", "/api/v1/audit?namespace=aud&type=tag.moved", olga, null));
        assertThat(moved.path("repository").asString()).isEqualTo("aud/moves");
        assertThat(moved.path("target").asString()).isEqualTo("1");
        assertThat(moved.path("data").path("digest").asString()).isEqualTo(secondDigest);
        assertThat(moved.path("data").path("previous").asString()).isEqualTo(firstDigest);

        // pushing the same manifest under the same tag again moves nothing
        dev.wharf.testing.RegistryHttp.check(auth.send("PUT", "/v2/aud/moves/manifests/1", olga, second,
                "Content-Type", dev.wharf.oci.MediaTypes.OCI_MANIFEST), 201);
        assertThat(all(auth.apiOk("GET", "/api/v1/audit?namespace=aud&type=tag.moved", olga, null))).hasSize(1);

        assertThat(auth.send("DELETE", "/v2/aud/moves/manifests/1", olga, null).statusCode()).isEqualTo(202);
        assertThat(only(auth.apiOk("GET", "/api/v1/audit?namespace=aud&type=tag.deleted", olga, null))
                .path("data").path("tag").asString()).isEqualTo("1");
        assertThat(auth.send("DELETE", "/v2/aud/moves/manifests/" + firstDigest, olga, null).statusCode()).isEqualTo(202);
        assertThat(only(auth.apiOk("GET", "/api/v1/audit?namespace=aud&type=manifest.deleted", olga, null))
                .path("data").path("digest").asString()).isEqualTo(firstDigest);

        dev.wharf.oci.Digest blob = auth.pushBlob("aud/moves", "loose blob".getBytes(java.nio.charset.StandardCharsets.UTF_8), olga);
        assertThat(auth.send("DELETE", "/v2/aud/moves/blobs/" + blob, olga, null).statusCode()).isEqualTo(202);
        assertThat(auth.send("DELETE", "/v2/aud/moves/blobs/" + blob, olga, null).statusCode()).isEqualTo(404);
        JsonNode deleted = only(auth.apiOk("GET", "/api/v1/audit?namespace=aud&type=blob.deleted", olga, null));
        assertThat(deleted.path("target").asString()).isEqualTo(blob.toString());
        assertThat(deleted.path("actor").asString()).isEqualTo("olga");
    }

    @Test
    void signInsAreRecordedOnceVerifiedAndFailuresAlways() {
        auth.createUser("sig", "sig-password-1");
        assertThat(auth.send("GET", "/v2/", Auth.basic("sig", "wrong-password"), null).statusCode()).isEqualTo(401);
        assertThat(auth.send("GET", "/v2/", Auth.basic("sig", "sig-password-1"), null).statusCode()).isEqualTo(200);
        assertThat(auth.send("GET", "/v2/", Auth.basic("sig", "sig-password-1"), null).statusCode()).isEqualTo(200);

        List<JsonNode> signIns = all(auth.apiOk("GET", "/api/v1/audit?type=sign-in&actor=sig", Auth.adminBasic(), null));
        assertThat(signIns).extracting(e -> e.path("outcome").asString())
                .as("newest first; the second success came from the credential cache").containsExactly("success", "failure");
    }

    @Test
    void ownersSeeTheirNamespaceOnlyAndOthersNothing() {
        String olga = Auth.basic("olga", "olga-password-1");
        assertThat(auth.api("GET", "/api/v1/audit", olga, null).statusCode()).isEqualTo(403);
        assertThat(auth.api("GET", "/api/v1/audit?namespace=bob", olga, null).statusCode()).isEqualTo(403);
        assertThat(auth.api("GET", "/api/v1/audit?namespace=aud", Auth.basic("bob", "bob-password-1"), null).statusCode())
                .isEqualTo(403);
        for (JsonNode e : all(auth.apiOk("GET", "/api/v1/audit?namespace=aud", olga, null))) {
            assertThat(e.path("namespace").asString()).isEqualTo("aud");
        }
    }

    @Test
    void pagesWalkBackwardsWithoutGapsOrRepeats() {
        for (int i = 0; i < 5; i++) {
            auth.apiOk("PATCH", "/api/v1/repositories/aud/page" + i, Auth.adminBasic(), "{\"visibility\":\"public\"}");
        }
        List<Long> ids = new ArrayList<>();
        String next = "/api/v1/audit?namespace=aud&type=repository.visibility&n=2";
        while (next != null) {
            HttpResponse<byte[]> r = auth.api("GET", next, Auth.adminBasic(), null);
            assertThat(r.statusCode()).isEqualTo(200);
            all(dev.wharf.testing.RegistryHttp.json(r)).forEach(e -> ids.add(e.path("id").asLong()));
            next = r.headers().firstValue("Link").map(l -> l.substring(1, l.indexOf('>'))).orElse(null);
        }
        assertThat(ids).hasSize(5).isSortedAccordingTo((a, b) -> Long.compare(b, a)).doesNotHaveDuplicates();
    }

    private static List<JsonNode> all(JsonNode page) {
        List<JsonNode> events = new ArrayList<>();
        page.path("events").forEach(events::add);
        return events;
    }

    private static JsonNode only(JsonNode page) {
        List<JsonNode> events = all(page);
        assertThat(events).hasSize(1);
        return events.get(0);
    }
}
