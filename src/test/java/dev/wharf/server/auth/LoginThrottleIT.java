package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestClock;
import dev.wharf.testing.TestDatabases;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Failed logins are throttled per (account, client address) and per address: 429 with Retry-After. */
class LoginThrottleIT {

    @Test
    void guessingAtAnAccountNeverLocksOutItsOwnerOnAnotherAddress() throws IOException {
        try (RegistryServer server = RegistryServer.startWithAuth(Map.of("wharf.auth.throttle.window", "5m",
                "wharf.auth.throttle.max-per-account", "3", "wharf.auth.throttle.max-per-address", "50"))) {
            Auth auth = new Auth(server);
            for (int i = 0; i < 3; i++) {
                assertThat(get(auth, RegistryServer.ADMIN, "wrong")).isEqualTo(401);
            }
            assertThat(get(auth, RegistryServer.ADMIN, RegistryServer.ADMIN_PASSWORD))
                    .as("the attacker's address is blocked, even with the right password").isEqualTo(429);
            assertThat(statusFrom("127.0.0.2", server, RegistryServer.ADMIN, RegistryServer.ADMIN_PASSWORD))
                    .as("the owner on another address still logs in").isEqualTo(200);
            assertThat(statusFrom("127.0.0.2", server, RegistryServer.ADMIN, "wrong"))
                    .as("and the other address gets its own count").isEqualTo(401);
        }
    }

    /** {@code GET /v2/} with Basic credentials over a socket bound to the local address {@code from}. */
    private static int statusFrom(String from, RegistryServer server, String user, String password) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
            socket.connect(new InetSocketAddress(server.base().getHost(), server.base().getPort()), 10_000);
            socket.setSoTimeout(30_000);
            String credentials = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            out.write(("GET /v2/ HTTP/1.1\r\nHost: " + server.hostPort() + "\r\nAuthorization: Basic " + credentials
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String statusLine = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(statusLine.substring(9, 12));
        }
    }

    @Test
    void failedLoginsAreThrottledPerAccountAndPerAddress() {
        TestClock clock = new TestClock();
        try (RegistryServer server = RegistryServer.start(TestDatabases.create(), RegistryServer.withAuth(Map.of(
                "wharf.auth.throttle.window", "4s", "wharf.auth.throttle.max-per-account", "3",
                "wharf.auth.throttle.max-per-address", "6")), clock.initializer())) {
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
            assertThat(blocked.headers().firstValue("Retry-After")).hasValue("4");
            assertThat(auth.tokenResponse(Auth.basic("frank", "frank-password")).statusCode())
                    .as("the token endpoint too").isEqualTo(429);
            assertThat(auth.postToken(Map.of("grant_type", "password", "username", "frank", "password",
                    "frank-password")).statusCode()).isEqualTo(429);

            assertThat(get(auth, "gina", "gina-password")).as("another account").isEqualTo(200);
            for (int i = 0; i < 3; i++) {
                assertThat(get(auth, "gina", "wrong")).isEqualTo(401);
            }
            assertThat(get(auth, "helen", "helen-password")).as("the address is blocked now").isEqualTo(429);

            clock.advance(Duration.ofMillis(3900));
            assertThat(get(auth, "frank", "frank-password")).as("still within the window").isEqualTo(429);
            clock.advance(Duration.ofMillis(200));
            assertThat(get(auth, "frank", "frank-password")).as("after the window").isEqualTo(200);
            assertThat(get(auth, "helen", "wrong")).as("a new window counts from zero").isEqualTo(401);
            assertThat(get(auth, "helen", "helen-password")).isEqualTo(200);
        }
    }

    private static int get(Auth auth, String user, String password) {
        return auth.send("GET", "/v2/", Auth.basic(user, password), null).statusCode();
    }
}
