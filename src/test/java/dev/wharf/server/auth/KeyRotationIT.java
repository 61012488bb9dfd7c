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
 * Signing key rotation: tokens of the previous key verify during {@code wharf.auth.key-grace}
 * (3 s here) and are refused after it; a replica on the same database accepts the new key's
 * tokens at once. Both replicas share one {@link TestClock}: the test moves time past the grace
 * instead of waiting for it.
 */
class KeyRotationIT {

    @Test
    void previousKeyVerifiesDuringTheGracePeriodAndNotAfter() {
        TestDatabases.Database db = TestDatabases.create();
        TestClock clock = new TestClock();
        Map<String, String> settings = RegistryServer.withAuth(Map.of("wharf.auth.key-grace", "3s"));
        try (RegistryServer server = RegistryServer.start(db, settings, clock.initializer());
             RegistryServer replica = RegistryServer.start(db, settings, clock.initializer())) {
            Auth auth = new Auth(server);
            Auth onReplica = new Auth(replica);
            String scope = "repository:admin/app:pull";
            String before = auth.token(Auth.adminBasic(), scope);
            String oldKid = Auth.header(before).get("kid").asString();
            assertThat(Auth.header(onReplica.token(Auth.adminBasic(), scope)).get("kid").asString())
                    .as("replicas share the key").isEqualTo(oldKid);

            JsonNode rotated = auth.apiOk("POST", "/api/v1/keys", Auth.adminBasic(), null);
            String newKid = rotated.get("kid").asString();
            assertThat(newKid).isNotEqualTo(oldKid);
            String after = auth.token(Auth.adminBasic(), scope);
            assertThat(Auth.header(after).get("kid").asString()).isEqualTo(newKid);

            assertThat(status(auth, before)).as("old key, within the grace").isEqualTo(404);
            assertThat(status(auth, after)).isEqualTo(404);
            assertThat(status(onReplica, after)).as("the replica learns the new key").isEqualTo(404);
            assertThat(kids(auth)).contains(oldKid, newKid);

            clock.advance(Duration.ofMillis(2900));
            assertThat(status(auth, before)).as("old key, just before the grace ends").isEqualTo(404);
            clock.advance(Duration.ofMillis(200));
            HttpResponse<byte[]> refused = auth.send("GET", "/v2/admin/app/tags/list", Auth.bearer(before), null);
            assertThat(refused.statusCode()).as("old key, after the grace").isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");
            assertThat(status(onReplica, before)).isEqualTo(401);
            assertThat(status(auth, after)).isEqualTo(404);
            assertThat(kids(auth)).containsExactly(newKid);
            JsonNode keys = auth.apiOk("GET", "/api/v1/keys", Auth.adminBasic(), null);
            assertThat(keys.get(0).get("kid").asString()).isEqualTo(newKid);
            assertThat(keys.get(0).get("signing").asBoolean()).isTrue();
            assertThat(keys.get(1).get("retiredAt").isNull()).isFalse();
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
