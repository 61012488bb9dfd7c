package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestClock;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A push authorized when it starts is not broken by its token expiring before the final PUT: the
 * expired token of the subject that started the upload still finishes that upload (tokens live
 * 2 s here, grace 1 h), and does nothing else. The test moves the server's clock.
 */
class UploadGraceIT {

    @Test
    void expiredTokenOfTheUploaderFinishesItsUploadOnly() {
        TestClock clock = new TestClock();
        try (RegistryServer server = RegistryServer.start(TestDatabases.create(), RegistryServer.withAuth(Map.of(
                "wharf.auth.token-ttl", "2s", "wharf.auth.clock-skew", "0s")), clock.initializer())) {
            Auth auth = new Auth(server);
            auth.createUser("gil", "gil-password-1");
            String token = Auth.bearer(auth.token(Auth.basic("gil", "gil-password-1"), "repository:gil/app:pull,push"));
            String upload = auth.startUpload("gil/app", token);
            String othersUpload = auth.startUpload("gil/app", Auth.adminBasic());
            byte[] first = TestData.random(1000);
            byte[] second = TestData.random(1000);
            assertThat(patch(auth, upload, token, first, 0).statusCode()).isEqualTo(202);

            clock.advance(Duration.ofMillis(2500));
            HttpResponse<byte[]> elsewhere = auth.send("GET", "/v2/gil/app/tags/list", token, null);
            assertThat(elsewhere.statusCode()).as("expired everywhere else").isEqualTo(401);
            assertThat(auth.send("POST", "/v2/gil/app/blobs/uploads/", token, new byte[0]).statusCode())
                    .as("no new upload").isEqualTo(401);
            assertThat(patch(auth, othersUpload, token, first, 0).statusCode())
                    .as("not an upload someone else started").isEqualTo(401);

            assertThat(patch(auth, upload, token, second, 1000).statusCode()).isEqualTo(202);
            assertThat(auth.send("GET", upload, token, null).statusCode()).isEqualTo(204);
            byte[] all = new byte[2000];
            System.arraycopy(first, 0, all, 0, 1000);
            System.arraycopy(second, 0, all, 1000, 1000);
            HttpResponse<byte[]> put = auth.send("PUT", upload + "?digest=" + Digest.sha256(all), token, new byte[0]);
            assertThat(put.statusCode()).isEqualTo(201);
            assertThat(auth.send("HEAD", "/v2/gil/app/blobs/" + Digest.sha256(all), Auth.basic("gil", "gil-password-1"),
                    null).statusCode()).isEqualTo(200);

            String late = auth.startUpload("gil/app", Auth.bearer(auth.token(Auth.basic("gil", "gil-password-1"),
                    "repository:gil/app:pull,push")));
            assertThat(auth.send("GET", late, token, null).statusCode()).as("within the grace").isEqualTo(204);
            clock.advance(Duration.ofHours(1));
            assertThat(auth.send("GET", late, token, null).statusCode()).as("past the grace").isEqualTo(401);
        }
    }

    private static HttpResponse<byte[]> patch(Auth auth, String upload, String token, byte[] chunk, long start) {
        return auth.send("PATCH", upload, token, chunk, "Content-Type", "application/octet-stream",
                "Content-Range", start + "-" + (start + chunk.length - 1));
    }
}
