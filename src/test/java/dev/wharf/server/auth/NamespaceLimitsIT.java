package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What one namespace may hold (issue 7, hole 9): at most {@code wharf.namespace.max-repositories}
 * repositories (3 here) and {@code wharf.namespace.max-open-uploads} open upload sessions (2 here).
 * Beyond them a push is a 403 {@code DENIED} that names the setting; limits hold under concurrent
 * requests, and one namespace's use leaves the others alone.
 */
class NamespaceLimitsIT {

    private static final String PASSWORD = "limits-password-1";
    private static RegistryServer server;
    private static Auth auth;

    @BeforeAll
    static void start() {
        server = RegistryServer.startWithAuth(Map.of("wharf.namespace.max-repositories", "3",
                "wharf.namespace.max-open-uploads", "2"));
        auth = new Auth(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String user(String name) {
        auth.createUser(name, PASSWORD);
        return Auth.basic(name, PASSWORD);
    }

    private static void assertDenied(HttpResponse<byte[]> r, String setting) {
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(r.statusCode()).as(body).isEqualTo(403);
        assertThat(RegistryHttp.errorCode(r)).isEqualTo("DENIED");
        assertThat(body).contains(setting);
    }

    @Test
    void aNamespaceHoldsAtMostItsRepositoryLimit() {
        String anna = user("anna");
        for (String repo : List.of("anna/a", "anna/b", "anna/c/d")) {
            auth.pushImage(repo, "v1", anna);
        }

        byte[] content = TestData.random(50);
        assertDenied(auth.send("POST", "/v2/anna/e/blobs/uploads/", anna, new byte[0]), "wharf.namespace.max-repositories");
        assertDenied(auth.send("POST", "/v2/anna/e/blobs/uploads/?digest=" + dev.wharf.oci.Digest.sha256(content), anna,
                content, "Content-Type", "application/octet-stream"), "wharf.namespace.max-repositories");
        assertDenied(auth.send("PUT", "/v2/anna/e/manifests/v1", anna, auth.pushImage("anna/a", "v2", anna),
                "Content-Type", dev.wharf.oci.MediaTypes.OCI_MANIFEST), "wharf.namespace.max-repositories");

        auth.pushImage("anna/b", "v2", anna);
        auth.pushImage("anna2/x", "v1", user("anna2"));
    }

    @Test
    void concurrentFirstPushesCreateExactlyTheLimit() throws Exception {
        String bert = user("bert");
        List<Integer> statuses = concurrently(16, i -> {
            byte[] content = TestData.random(20);
            return auth.send("POST", "/v2/bert/r" + i + "/blobs/uploads/?digest=" + dev.wharf.oci.Digest.sha256(content),
                    bert, content, "Content-Type", "application/octet-stream").statusCode();
        });

        assertThat(statuses).containsOnly(201, 403);
        assertThat(statuses.stream().filter(s -> s == 201).count()).isEqualTo(3);
        List<String> names = new ArrayList<>();
        RegistryHttp.json(auth.send("GET", "/v2/_catalog", bert, null)).get("repositories")
                .forEach(n -> names.add(n.asString()));
        assertThat(names).hasSize(3).allMatch(n -> n.startsWith("bert/"));
    }

    @Test
    void concurrentUploadStartsOpenExactlyTheLimit() throws Exception {
        String dora = user("dora");
        auth.pushImage("dora/app", "v1", dora);
        List<Integer> statuses = concurrently(16, i -> auth.send("POST", "/v2/dora/app/blobs/uploads/", dora,
                new byte[0]).statusCode());

        assertThat(statuses).containsOnly(202, 403);
        assertThat(statuses.stream().filter(s -> s == 202).count()).isEqualTo(2);
    }

    /** The results of {@code request(0..n-1)}, run on 8 threads at once. */
    private static List<Integer> concurrently(int n, java.util.function.IntFunction<Integer> request) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                answers.add(pool.submit(() -> request.apply(index)));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : answers) {
                statuses.add(f.get());
            }
            return statuses;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aNamespaceHasAtMostItsOpenUploadLimitAndClosedOnesFreeTheirPlace() {
        String cleo = user("cleo");
        String first = auth.startUpload("cleo/app", cleo);
        String second = auth.startUpload("cleo/app", cleo);
        assertDenied(auth.send("POST", "/v2/cleo/app/blobs/uploads/", cleo, new byte[0]),
                "wharf.namespace.max-open-uploads");
        assertDenied(auth.send("POST", "/v2/cleo/tools/blobs/uploads/", cleo, new byte[0]),
                "wharf.namespace.max-open-uploads");
        assertThat(auth.startUpload("admin/app", Auth.adminBasic())).as("another namespace").isNotBlank();

        RegistryHttp.check(auth.send("DELETE", first, cleo, null), 204);
        String third = auth.startUpload("cleo/app", cleo);
        byte[] content = TestData.random(10);
        RegistryHttp.check(auth.send("PUT", second + (second.contains("?") ? "&" : "?") + "digest="
                + dev.wharf.oci.Digest.sha256(content), cleo, content, "Content-Type", "application/octet-stream"), 201);
        assertThat(auth.startUpload("cleo/app", cleo)).as("a finished upload frees its place").isNotBlank();
        assertDenied(auth.send("POST", "/v2/cleo/app/blobs/uploads/", cleo, new byte[0]),
                "wharf.namespace.max-open-uploads");
        assertThat(third).isNotBlank();
        // a monolithic upload opens no session and is not limited by them
        RegistryHttp.check(auth.send("POST", "/v2/cleo/app/blobs/uploads/?digest=" + dev.wharf.oci.Digest.sha256(content),
                cleo, content, "Content-Type", "application/octet-stream"), 201);
    }

    @Test
    void withoutAuthThereAreNoNamespacesAndNoLimits() {
        try (RegistryServer open = RegistryServer.start(Map.of("wharf.namespace.max-repositories", "1",
                "wharf.namespace.max-open-uploads", "1"))) {
            RegistryHttp http = new RegistryHttp(open.base());
            for (String repo : List.of("nobody/a", "nobody/b", "nobody/b")) {
                RegistryHttp.check(http.post("/v2/" + repo + "/blobs/uploads/", new byte[0]), 202);
            }
        }
    }
}
