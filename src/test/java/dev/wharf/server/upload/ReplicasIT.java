package dev.wharf.server.upload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.S3Server;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two Wharf instances over one PostgreSQL and one S3 store, as replicas behind a load balancer: an
 * upload's chunks may land on either, and either serves what the other stored.
 */
class ReplicasIT {

    private static S3Server s3;
    private static RegistryServer a;
    private static RegistryServer b;
    private static RegistryHttp httpA;
    private static RegistryHttp httpB;

    @BeforeAll
    static void start() {
        s3 = S3Server.start();
        TestDatabases.Database db = TestDatabases.create();
        Map<String, String> props = new HashMap<>(s3.serverProperties("replicas"));
        a = RegistryServer.start(db, props);
        b = RegistryServer.start(db, props);
        httpA = new RegistryHttp(a.base());
        httpB = new RegistryHttp(b.base());
    }

    @AfterAll
    static void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        s3.close();
    }

    @Test
    void chunkedUploadAlternatingBetweenReplicasEndsWithTheRightDigest() {
        String repo = TestData.repository("replicas");
        // chunks that straddle the 5 MB part size, so parts and tails move between replicas too
        byte[] content = TestData.random(12 * 1024 * 1024 + 321);
        int[] cuts = {0, 3 * 1024 * 1024, 7 * 1024 * 1024 + 5, 11 * 1024 * 1024, content.length};

        HttpResponse<byte[]> start = httpA.post("/v2/" + repo + "/blobs/uploads/", new byte[0]);
        RegistryHttp.check(start, 202);
        assertThat(start.headers().firstValue("OCI-Chunk-Min-Length")).hasValue(Long.toString(5 * 1024 * 1024));
        String location = start.headers().firstValue("Location").orElseThrow();
        for (int i = 0; i + 1 < cuts.length; i++) {
            RegistryHttp replica = i % 2 == 0 ? httpB : httpA;
            byte[] chunk = Arrays.copyOfRange(content, cuts[i], cuts[i + 1]);
            HttpResponse<byte[]> patch = replica.patch(location, chunk,
                    "Content-Range", cuts[i] + "-" + (cuts[i + 1] - 1), "Content-Type", "application/octet-stream");
            RegistryHttp.check(patch, 202);
            assertThat(patch.headers().firstValue("Range")).hasValue("0-" + (cuts[i + 1] - 1));
            location = patch.headers().firstValue("Location").orElseThrow();
        }
        // the session's state is visible from either replica
        assertThat(httpA.get(location).headers().firstValue("Range")).hasValue("0-" + (content.length - 1));

        Digest digest = Digest.sha256(content);
        RegistryHttp.check(httpB.put(location + "?digest=" + digest, new byte[0]), 201);

        for (RegistryHttp replica : new RegistryHttp[] {httpA, httpB}) {
            HttpResponse<byte[]> get = replica.get("/v2/" + repo + "/blobs/" + digest);
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.body()).isEqualTo(content);
        }
    }

    @Test
    void finalChunkOnTheOtherReplicaIsHashedFromStoredBytes() {
        String repo = TestData.repository("replicas-final");
        byte[] first = TestData.random(300_000);
        byte[] last = TestData.random(200_000);
        HttpResponse<byte[]> start = httpA.post("/v2/" + repo + "/blobs/uploads/", new byte[0]);
        String location = start.headers().firstValue("Location").orElseThrow();
        HttpResponse<byte[]> patch = httpA.patch(location, first, "Content-Type", "application/octet-stream");
        RegistryHttp.check(patch, 202);
        byte[] all = new byte[first.length + last.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(last, 0, all, first.length, last.length);
        Digest digest = Digest.sha256(all);
        RegistryHttp.check(httpB.put(patch.headers().firstValue("Location").orElseThrow() + "?digest=" + digest, last,
                "Content-Type", "application/octet-stream", "Content-Range", first.length + "-" + (all.length - 1)), 201);
        assertThat(httpA.get("/v2/" + repo + "/blobs/" + digest).body()).isEqualTo(all);
    }

    @Test
    void manifestPushedToOneReplicaIsServedByTheOther() {
        String repo = TestData.repository("replicas-manifest");
        byte[] manifest = httpA.pushImage(repo, "v1", 2);
        HttpResponse<byte[]> get = httpB.get("/v2/" + repo + "/manifests/v1", "Accept", "application/vnd.oci.image.manifest.v1+json");
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(manifest);
        assertThat(RegistryHttp.json(httpB.get("/v2/" + repo + "/tags/list")).get("tags").get(0).asString()).isEqualTo("v1");
    }
}
