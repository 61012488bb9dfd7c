package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestClock;
import dev.wharf.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Revoking a signing key ({@code POST /api/v1/keys/{kid}/revoke}): its tokens are refused at once
 * on the replica that revoked it and within {@code wharf.auth.key-refresh} (10 s) on another (the
 * test moves the replicas' shared clock), a new key signs, and only admins may do it.
 */
class KeyRevocationIT {

    private static final String SCOPE = "repository:admin/app:pull";

    @Test
    void aRevokedKeyStopsVerifyingAndANewKeySigns() {
        TestDatabases.Database db = TestDatabases.create();
        TestClock clock = new TestClock();
        Map<String, String> settings = RegistryServer.withAuth(Map.of("wharf.auth.key-refresh", "10s"));
        String before;
        String after;
        try (RegistryServer server = RegistryServer.start(db, settings, clock.initializer());
             RegistryServer replica = RegistryServer.start(db, settings, clock.initializer())) {
            Auth auth = new Auth(server);
            Auth onReplica = new Auth(replica);
            before = auth.token(Auth.adminBasic(), SCOPE);
            String oldKid = Auth.header(before).get("kid").asString();
            assertThat(status(auth, before)).as("accepted (and remembered) before").isEqualTo(404);
            assertThat(status(onReplica, before)).isEqualTo(404);

            JsonNode revoked = auth.apiOk("POST", "/api/v1/keys/" + oldKid + "/revoke", Auth.adminBasic(), null);
            assertThat(revoked.get("kid").asString()).isEqualTo(oldKid);
            assertThat(revoked.get("revokedAt").isNull()).isFalse();
            assertThat(revoked.get("verifies").asBoolean()).isFalse();

            HttpResponse<byte[]> refused = auth.send("GET", "/v2/admin/app/tags/list", Auth.bearer(before), null);
            assertThat(refused.statusCode()).as("at once on the revoking replica").isEqualTo(401);
            assertThat(RegistryHttp.errorCode(refused)).isEqualTo("UNAUTHORIZED");
            assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow())
                    .startsWith("Bearer realm=\"" + server.base() + "/token\",service=\"wharf\"")
                    .contains("scope=\"" + SCOPE + "\"").contains("error=\"invalid_token\"");
            clock.advance(Duration.ofSeconds(9));
            assertThat(status(onReplica, before)).as("the other replica has not re-read the keys yet").isEqualTo(404);
            clock.advance(Duration.ofSeconds(1));
            assertThat(status(onReplica, before)).as("on the other replica within wharf.auth.key-refresh")
                    .isEqualTo(401);

            after = auth.token(Auth.adminBasic(), SCOPE);
            String newKid = Auth.header(after).get("kid").asString();
            assertThat(newKid).isNotEqualTo(oldKid);
            assertThat(status(auth, after)).isEqualTo(404);
            assertThat(status(onReplica, after)).isEqualTo(404);
            assertThat(Auth.header(onReplica.token(Auth.adminBasic(), SCOPE)).get("kid").asString())
                    .as("the replica signs with the new key").isEqualTo(newKid);
            assertThat(kids(auth)).containsExactly(newKid);

            JsonNode keys = auth.apiOk("GET", "/api/v1/keys", Auth.adminBasic(), null);
            assertThat(keys).hasSize(2);
            assertThat(keys.get(0).get("kid").asString()).isEqualTo(newKid);
            assertThat(keys.get(0).get("signing").asBoolean()).isTrue();
            assertThat(keys.get(0).get("verifies").asBoolean()).isTrue();
            assertThat(keys.get(0).get("revokedAt").isNull()).isTrue();
            assertThat(keys.get(1).get("kid").asString()).isEqualTo(oldKid);
            assertThat(keys.get(1).get("signing").asBoolean()).isFalse();
            assertThat(keys.get(1).get("verifies").asBoolean()).isFalse();
            assertThat(keys.get(1).get("revokedAt").isNull()).isFalse();
            keys.forEach(k -> assertThat(k.propertyNames()).as("no key material")
                    .containsExactlyInAnyOrder("kid", "algorithm", "createdAt", "retiredAt", "revokedAt", "signing",
                            "verifies"));

            JsonNode again = auth.apiOk("POST", "/api/v1/keys/" + oldKid + "/revoke", Auth.adminBasic(), null);
            assertThat(again.get("revokedAt").asString()).as("revoking twice changes nothing")
                    .isEqualTo(revoked.get("revokedAt").asString());
            assertThat(auth.apiOk("GET", "/api/v1/keys", Auth.adminBasic(), null)).hasSize(2);
        }
        try (RegistryServer restarted = RegistryServer.start(db, settings)) {
            Auth auth = new Auth(restarted);
            assertThat(status(auth, before)).as("the revocation is in PostgreSQL").isEqualTo(401);
            assertThat(status(auth, after)).isEqualTo(404);
        }
    }

    @Test
    void revokingAKeyThatNoLongerSignsGeneratesNothing() {
        try (RegistryServer server = RegistryServer.startWithAuth(Map.of())) {
            Auth auth = new Auth(server);
            String old = auth.token(Auth.adminBasic(), SCOPE);
            String rotated = auth.apiOk("POST", "/api/v1/keys", Auth.adminBasic(), null).get("kid").asString();
            assertThat(status(auth, old)).as("within the grace").isEqualTo(404);

            auth.apiOk("POST", "/api/v1/keys/" + Auth.header(old).get("kid").asString() + "/revoke",
                    Auth.adminBasic(), null);

            assertThat(status(auth, old)).as("the grace ends with the revocation").isEqualTo(401);
            assertThat(Auth.header(auth.token(Auth.adminBasic(), SCOPE)).get("kid").asString()).isEqualTo(rotated);
            assertThat(auth.apiOk("GET", "/api/v1/keys", Auth.adminBasic(), null)).hasSize(2);
        }
    }

    @Test
    void onlyAdminsRevokeAndAnUnknownKidIs404() {
        try (RegistryServer server = RegistryServer.startWithAuth(Map.of())) {
            Auth auth = new Auth(server);
            auth.createUser("mallory", "mallory-password-1");
            String token = auth.token(Auth.adminBasic(), SCOPE);
            String kid = Auth.header(token).get("kid").asString();

            HttpResponse<byte[]> denied = auth.api("POST", "/api/v1/keys/" + kid + "/revoke",
                    Auth.basic("mallory", "mallory-password-1"), null);
            assertThat(denied.statusCode()).isEqualTo(403);
            assertThat(RegistryHttp.errorCode(denied)).isEqualTo("DENIED");
            HttpResponse<byte[]> anonymous = auth.send("POST", "/api/v1/keys/" + kid + "/revoke", null, null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(status(auth, token)).as("still valid").isEqualTo(404);

            HttpResponse<byte[]> unknown = auth.api("POST", "/api/v1/keys/no-such-kid/revoke", Auth.adminBasic(), null);
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(RegistryHttp.errorCode(unknown)).isEqualTo("NAME_UNKNOWN");
            assertThat(status(auth, token)).isEqualTo(404);
        }
    }

    /** 404 (the repository has no tags) means the token was accepted. */
    private static int status(Auth auth, String token) {
        return auth.send("GET", "/v2/admin/app/tags/list", Auth.bearer(token), null).statusCode();
    }

    private static List<String> kids(Auth auth) {
        List<String> kids = new ArrayList<>();
        RegistryHttp.json(auth.http.get("/token/jwks")).get("keys").forEach(k -> kids.add(k.get("kid").asString()));
        return kids;
    }
}
