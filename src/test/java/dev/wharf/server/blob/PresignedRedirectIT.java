package dev.wharf.server.blob;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.S3Server;
import dev.wharf.testing.TestData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** With {@code wharf.storage.s3.redirect=true}, blob GETs send the client to a presigned S3 URL. */
class PresignedRedirectIT {

    private static S3Server s3;
    private static RegistryServer server;
    private static RegistryHttp http;

    @BeforeAll
    static void start() {
        s3 = S3Server.start();
        Map<String, String> props = new HashMap<>(s3.serverProperties("redirects"));
        props.put("wharf.storage.s3.redirect", "true");
        props.put("wharf.storage.s3.redirect-ttl", "2m");
        server = RegistryServer.start(props);
        http = new RegistryHttp(server.base());
    }

    @AfterAll
    static void stop() {
        server.close();
        s3.close();
    }

    @Test
    void blobGetRedirectsToAPresignedUrlThatServesTheBlob() throws Exception {
        String repo = TestData.repository("redirect");
        byte[] content = TestData.random(70_000);
        Digest digest = http.pushBlob(repo, content);

        HttpResponse<byte[]> get = http.get("/v2/" + repo + "/blobs/" + digest);
        assertThat(get.statusCode()).isEqualTo(307);
        URI location = URI.create(get.headers().firstValue("Location").orElseThrow());
        assertThat(location.getHost()).isEqualTo("127.0.0.1");
        assertThat(location.getQuery()).contains("X-Amz-Signature=");

        HttpResponse<byte[]> fetched = HttpClient.newHttpClient().send(HttpRequest.newBuilder(location).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(Digest.sha256(fetched.body())).isEqualTo(digest);
    }

    @Test
    void headIsAnsweredByTheRegistryItself() {
        String repo = TestData.repository("redirect-head");
        byte[] content = TestData.random(1000);
        Digest digest = http.pushBlob(repo, content);
        HttpResponse<byte[]> head = http.head("/v2/" + repo + "/blobs/" + digest);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(content.length);
    }

    @Test
    void blobsOfOtherRepositoriesAreStillNotVisible() {
        String repo = TestData.repository("redirect-a");
        Digest digest = http.pushBlob(repo, TestData.random(1000));
        assertThat(http.get("/v2/" + TestData.repository("redirect-b") + "/blobs/" + digest).statusCode()).isEqualTo(404);
    }
}
