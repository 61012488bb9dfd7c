package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Failed logins are throttled per account and per client address: 429 with Retry-After. */
class LoginThrottleIT {

    @Test
    void failedLoginsAreThrottledPerAccountAndPerAddress() throws InterruptedException {
        try (RegistryServer server = RegistryServer.startWithAuth(Map.of("wharf.auth.throttle.window", "4s",
                "wharf.auth.throttle.max-per-account", "3", "wharf.auth.throttle.max-per-address", "6"))) {
            Auth auth = new Auth(server);
            for (String user : new String[] {"frank", "gina", "helen"}) {
                auth.createUser(user, user + "-password");
            }
            for (int i = 0; i < 3; i++) {
                assertThat(get(auth, "frank", "wrong")).isEqualTo(401);
            }
            HttpResponse<byte[]> blocked = auth.send("GET", "/v2/", Auth.basic("frank", "frank-password"), null);
            assertThat(blocked.statusCode()).as("even the right password, while blocked").isEqualTo(429);
            assertThat(RegistryHttp.errorCode(blocked)).isEqualTo("TOOMANYREQUESTS");
            assertThat(Integer.parseInt(blocked.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 5);
            assertThat(auth.tokenResponse(Auth.basic("frank", "frank-password")).statusCode())
                    .as("the token endpoint too").isEqualTo(429);
            assertThat(auth.postToken(Map.of("grant_type", "password", "username", "frank", "password",
                    "frank-password")).statusCode()).isEqualTo(429);

            assertThat(get(auth, "gina", "gina-password")).as("another account").isEqualTo(200);
            for (int i = 0; i < 3; i++) {
                assertThat(get(auth, "gina", "wrong")).isEqualTo(401);
            }
            assertThat(get(auth, "helen", "helen-password")).as("the address is blocked now").isEqualTo(429);

            Thread.sleep(4500);
            assertThat(get(auth, "frank", "frank-password")).as("after the window").isEqualTo(200);
        }
    }

    private static int get(Auth auth, String user, String password) {
        return auth.send("GET", "/v2/", Auth.basic(user, password), null).statusCode();
    }
}
