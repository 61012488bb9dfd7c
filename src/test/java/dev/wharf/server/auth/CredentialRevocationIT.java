package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestClock;
import dev.wharf.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bearer token (and remembered Basic credentials) stops working when the account or credential
 * behind it goes: a user deleted or disabled, a personal access token deleted, a robot deleted or
 * its secret rotated. At once on the replica that made the change; on another replica within
 * {@code wharf.auth.credential-cache-ttl} (10 s, the default), which the test passes by moving the
 * replicas' shared clock. Tokens live 5 minutes, so none of them simply expires here.
 */
class CredentialRevocationIT {

    private static final String PASSWORD = "revocation-password-1";
    private static final Duration CACHE_TTL = Duration.ofSeconds(10);
    private static final TestClock clock = new TestClock();
    private static RegistryServer server;
    private static RegistryServer replica;
    private static Auth auth;
    private static Auth onReplica;

    @BeforeAll
    static void start() {
        TestDatabases.Database db = TestDatabases.create();
        Map<String, String> settings = RegistryServer.withAuth(Map.of());
        server = RegistryServer.start(db, settings, clock.initializer());
        replica = RegistryServer.start(db, settings, clock.initializer());
        auth = new Auth(server);
        onReplica = new Auth(replica);
    }

    @AfterAll
    static void stop() {
        replica.close();
        server.close();
    }

    /** {@code GET /v2/}: 200 when the credentials are accepted, 401 when not. */
    private static int status(Auth on, String authorization) {
        HttpResponse<byte[]> r = on.send("GET", "/v2/", authorization, null);
        return r.statusCode();
    }

    private static String token(String basic) {
        return Auth.bearer(auth.token(basic, "repository:acme/app:pull"));
    }

    /**
     * Uses {@code credentials} on both replicas (so each remembers them), runs {@code revoke} on the
     * first, and checks they are refused there at once and on the replica once its cache time passed.
     */
    private static void endsEverywhere(Runnable revoke, String... credentials) {
        for (String c : credentials) {
            assertThat(status(auth, c)).as("before: " + c).isEqualTo(200);
            assertThat(status(onReplica, c)).as("before, on the replica: " + c).isEqualTo(200);
        }
        revoke.run();
        for (String c : credentials) {
            assertThat(status(auth, c)).as("at once where it was revoked: " + c).isEqualTo(401);
        }
        clock.advance(CACHE_TTL);
        for (String c : credentials) {
            assertThat(status(onReplica, c)).as("on the replica within the cache time: " + c).isEqualTo(401);
        }
    }

    @Test
    void aDeletedUsersTokensAndPasswordStopWorking() {
        auth.createUser("ulla", PASSWORD);
        String basic = Auth.basic("ulla", PASSWORD);
        String pat = Auth.basic("ulla", auth.createPat("ulla", PASSWORD,
                "[{\"repositories\":\"ulla/**\",\"actions\":[\"pull\"]}]", null));

        endsEverywhere(() -> auth.apiOk("DELETE", "/api/v1/users/ulla", Auth.adminBasic(), null),
                token(basic), token(pat), basic);
    }

    @Test
    void aDisabledUsersTokensStopWorkingAndComeBackWhenEnabled() {
        auth.createUser("vera", PASSWORD);
        String basic = Auth.basic("vera", PASSWORD);
        String token = token(basic);

        endsEverywhere(() -> auth.apiOk("PATCH", "/api/v1/users/vera", Auth.adminBasic(), "{\"enabled\":false}"),
                token, basic);

        auth.apiOk("PATCH", "/api/v1/users/vera", Auth.adminBasic(), "{\"enabled\":true}");
        assertThat(status(auth, token)).isEqualTo(200);
    }

    @Test
    void aTokenOfADeletedUserIsNoKeyToANewAccountOfTheSameName() {
        auth.createUser("wim", PASSWORD);
        String token = token(Auth.basic("wim", PASSWORD));
        assertThat(status(auth, token)).isEqualTo(200);

        auth.apiOk("DELETE", "/api/v1/users/wim", Auth.adminBasic(), null);
        auth.createUser("wim", PASSWORD);
        clock.advance(CACHE_TTL);

        assertThat(status(auth, token)).isEqualTo(401);
        assertThat(status(onReplica, token)).isEqualTo(401);
    }

    @Test
    void tokensObtainedWithADeletedPersonalAccessTokenStopWorking() {
        auth.createUser("xena", PASSWORD);
        String basic = Auth.basic("xena", PASSWORD);
        String patSecret = auth.createPat("xena", PASSWORD, "[{\"repositories\":\"xena/**\",\"actions\":[\"pull\"]}]",
                null);
        String patId = patSecret.split("_")[2];
        String fromPat = token(Auth.basic("xena", patSecret));
        String fromPassword = token(basic);

        endsEverywhere(() -> auth.apiOk("DELETE", "/api/v1/users/xena/tokens/" + patId, basic, null), fromPat);

        assertThat(status(auth, fromPassword)).as("the user's other tokens stand").isEqualTo(200);
        assertThat(status(onReplica, fromPassword)).isEqualTo(200);
    }

    @Test
    void tokensOfADeletedRobotOrOfARotatedSecretStopWorking() {
        auth.createUser("yuri", PASSWORD);
        String yuri = Auth.basic("yuri", PASSWORD);
        String scopes = "[{\"repositories\":\"yuri/**\",\"actions\":[\"pull\"]}]";
        String rotatedSecret = auth.createRobot("yuri", "rotated", scopes, null);
        String deletedSecret = auth.createRobot("yuri", "deleted", scopes, null);
        String rotated = token(Auth.basic("yuri+rotated", rotatedSecret));
        String deleted = token(Auth.basic("yuri+deleted", deletedSecret));

        endsEverywhere(() -> auth.apiOk("POST", "/api/v1/namespaces/yuri/robots/rotated/secret", yuri, "{}"), rotated);
        endsEverywhere(() -> auth.apiOk("DELETE", "/api/v1/namespaces/yuri/robots/deleted", yuri, null), deleted,
                Auth.basic("yuri+deleted", deletedSecret));
    }

    @Test
    void tokensOfAccountsThatStandKeepWorkingAcrossCacheTimes() {
        auth.createUser("zoe", PASSWORD);
        String token = token(Auth.basic("zoe", PASSWORD));
        String robot = Auth.basic("zoe+ci", auth.createRobot("zoe", "ci",
                "[{\"repositories\":\"zoe/**\",\"actions\":[\"pull\"]}]", null));
        String robotToken = token(robot);
        for (int i = 0; i < 3; i++) {
            assertThat(status(auth, token)).isEqualTo(200);
            assertThat(status(onReplica, token)).isEqualTo(200);
            assertThat(status(onReplica, robotToken)).isEqualTo(200);
            assertThat(status(onReplica, robot)).isEqualTo(200);
            clock.advance(CACHE_TTL);
        }
    }
}
