package dev.wharf.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.BrowserClient;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestDatabases;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Browser sessions: kept in PostgreSQL so any replica serves them, a cookie a script cannot read,
 * ended at once when the account is disabled or its password changes, and sign-in throttled like
 * every login.
 */
class BrowserSessionIT {

    private static final String PASSWORD = "session-password-1";
    private static RegistryServer a;
    private static RegistryServer b;
    private static UiContent content;

    @BeforeAll
    static void start() {
        TestDatabases.Database db = TestDatabases.create();
        a = RegistryServer.start(db, RegistryServer.withAuth(Map.of()));
        b = RegistryServer.start(db, RegistryServer.withAuth(Map.of()));
        content = new UiContent(a);
        for (String user : new String[] {"sam", "kim", "lee"}) {
            content.createUser(user, PASSWORD);
        }
    }

    @AfterAll
    static void stop() {
        b.close();
        a.close();
    }

    @Test
    void aSessionMadeOnOneReplicaIsServedByAnother() {
        CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
        new BrowserClient(a.base(), cookies).signIn("sam", PASSWORD);

        HttpResponse<String> onB = new BrowserClient(b.base(), cookies).get("/settings/tokens");

        assertThat(onB.statusCode()).isEqualTo(200);
        assertThat(onB.body()).contains("<span class=\"user\">sam</span>");
    }

    @Test
    void theSessionCookieIsHttpOnlyAndSameSite() {
        HttpResponse<String> login = new BrowserClient(a.base()).get("/login");

        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith("WHARF_SESSION=").contains("HttpOnly").contains("SameSite=Lax")
                .doesNotContain("Secure");
        assertThat(login.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'");
    }

    @Test
    void disablingAUserEndsTheirSessionsOnEveryReplica() {
        CookieManager cookies = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
        new BrowserClient(a.base(), cookies).signIn("kim", PASSWORD);
        BrowserClient onB = new BrowserClient(b.base(), cookies);
        assertThat(onB.get("/settings/tokens").statusCode()).isEqualTo(200);

        content.api("PATCH", "/api/v1/users/kim", "{\"enabled\":false}");

        HttpResponse<String> after = onB.get("/settings/tokens");
        assertThat(after.statusCode()).isEqualTo(302);
        assertThat(after.headers().firstValue("Location").orElse("")).endsWith("/login");
    }

    @Test
    void aPasswordChangeEndsTheOtherSessionsToo() {
        BrowserClient laptop = new BrowserClient(a.base()).signIn("lee", PASSWORD);
        BrowserClient phone = new BrowserClient(b.base()).signIn("lee", PASSWORD);

        HttpResponse<String> change = laptop.post("/settings/password", "current", PASSWORD,
                "password", "a-new-password-2", "confirm", "a-new-password-2");

        assertThat(change.headers().firstValue("Location").orElse("")).endsWith("/login?changed");
        assertThat(phone.get("/settings/tokens").statusCode()).isEqualTo(302);
        assertThat(laptop.get("/settings/tokens").statusCode()).isEqualTo(302);
        new BrowserClient(a.base()).signIn("lee", "a-new-password-2");
    }

    @Test
    void repeatedFailedSignInsAreThrottled() {
        BrowserClient guesser = new BrowserClient(a.base());
        String location = "";
        for (int i = 0; i < 12; i++) {
            location = guesser.post("/login", "username", "sam", "password", "wrong-" + i)
                    .headers().firstValue("Location").orElse("");
        }
        assertThat(location).contains("/login?throttled=");
    }
}
