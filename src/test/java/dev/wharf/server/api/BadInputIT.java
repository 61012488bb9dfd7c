package dev.wharf.server.api;

import static dev.wharf.testing.Responses.location;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.Golden;
import dev.wharf.testing.RawHttp;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.Responses;
import dev.wharf.testing.TestData;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input on every endpoint: repository names against the spec grammar and the 255 limit (checked
 * before anything else, 400 NAME_INVALID), digests against their algorithm's form (400
 * DIGEST_INVALID), unsupported methods (405 UNSUPPORTED), and a table of malformed requests none of
 * which may ever produce a 5xx.
 */
class BadInputIT {

    private static final URI BASE = RegistryServer.shared().base();
    private static final RegistryHttp http = new RegistryHttp(BASE);
    private static final String HEX64 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static final Digest SOME_DIGEST = Digest.sha256("some blob".getBytes(StandardCharsets.UTF_8));

    /** A repository holding an image tagged {@code latest} and a blob. */
    private static String repo;
    private static Digest blob;

    @BeforeAll
    static void createRepository() {
        repo = TestData.repository("bad-input");
        http.pushImage(repo, "latest", 1);
        blob = http.pushBlob(repo, "some blob".getBytes(StandardCharsets.UTF_8));
    }

    /** An absolute URL, so that the path reaches the server exactly as written. */
    private static String url(String path) {
        return BASE + path;
    }

    private static String newSession() {
        HttpResponse<byte[]> response = http.post("/v2/" + repo + "/blobs/uploads/", new byte[0]);
        RegistryHttp.check(response, 202);
        return location(response);
    }

    private static HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder b = http.request(url(path));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body);
        return http.send(b.method(method, publisher).build());
    }

    private static byte[] manifestBody() {
        return http.get("/v2/" + repo + "/manifests/latest").body();
    }

    // ---- repository names -------------------------------------------------------------------

    static final List<String> INVALID_NAMES = List.of(
            "Upper", "library/Ubuntu", "ALLCAPS/x",
            "a..b", "a/..b", "a/b..c",
            "a//b", "x//", "//x",
            "-a", "a-", "a/-b", "a/b-",
            "_a", "a_", "a___b",
            ".a", "a.", "a/.b",
            "a/", "a:b", "a@b", "a+b", "a!b",
            "a".repeat(256),
            "abc/" + "d".repeat(252));

    /** A request on one endpoint for a repository name. */
    record Endpoint(String method, String pathTemplate, boolean withBody) {
        String path(String name) {
            return pathTemplate.replace("{name}", name).replace("{digest}", SOME_DIGEST.toString())
                    .replace("{uuid}", UUID.randomUUID().toString());
        }
    }

    static final List<Endpoint> NAMED_ENDPOINTS = List.of(
            new Endpoint("GET", "/v2/{name}/tags/list", false),
            new Endpoint("GET", "/v2/{name}/manifests/latest", false),
            new Endpoint("GET", "/v2/{name}/manifests/{digest}", false),
            new Endpoint("PUT", "/v2/{name}/manifests/latest", true),
            new Endpoint("DELETE", "/v2/{name}/manifests/latest", false),
            new Endpoint("GET", "/v2/{name}/blobs/{digest}", false),
            new Endpoint("DELETE", "/v2/{name}/blobs/{digest}", false),
            new Endpoint("POST", "/v2/{name}/blobs/uploads/", true),
            new Endpoint("POST", "/v2/{name}/blobs/uploads/?digest={digest}", true),
            new Endpoint("POST", "/v2/{name}/blobs/uploads/?mount={digest}&from=library/busybox", true),
            new Endpoint("GET", "/v2/{name}/blobs/uploads/{uuid}", false),
            new Endpoint("PATCH", "/v2/{name}/blobs/uploads/{uuid}", true),
            new Endpoint("PUT", "/v2/{name}/blobs/uploads/{uuid}?digest={digest}", true),
            new Endpoint("DELETE", "/v2/{name}/blobs/uploads/{uuid}", false),
            new Endpoint("GET", "/v2/{name}/referrers/{digest}", false));

    static Stream<Arguments> invalidNameRequests() {
        List<Arguments> out = new ArrayList<>();
        for (String name : INVALID_NAMES) {
            String label = name.length() > 40 ? name.substring(0, 12) + "...(" + name.length() + " chars)" : name;
            for (Endpoint e : NAMED_ENDPOINTS) {
                out.add(Arguments.of(Named.of(label, name), Named.of(e.method() + " " + e.pathTemplate(), e)));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("invalidNameRequests")
    void invalidRepositoryNameIs400NameInvalid(String name, Endpoint endpoint) {
        HttpResponse<byte[]> response = send(endpoint.method(), endpoint.path(name),
                endpoint.withBody() ? manifestBody() : null, "Content-Type", MediaTypes.OCI_MANIFEST);

        Golden.assertError(response, 400, "name-invalid");
    }

    @Test
    void headWithInvalidNameIs400() {
        HttpResponse<byte[]> blobHead = http.head(url("/v2/Upper/blobs/" + SOME_DIGEST));
        HttpResponse<byte[]> manifestHead = http.head(url("/v2/a..b/manifests/latest"));

        assertThat(blobHead.statusCode()).isEqualTo(400);
        assertThat(manifestHead.statusCode()).isEqualTo(400);
    }

    @Test
    void nameOf255CharactersIsValidAnd256IsNot() {
        String longest = "a/" + "b".repeat(253);
        assertThat(longest).hasSize(255);

        HttpResponse<byte[]> valid = http.get(url("/v2/" + longest + "/tags/list"));
        HttpResponse<byte[]> tooLong = http.get(url("/v2/" + longest + "c/tags/list"));

        Golden.assertError(valid, 404, "name-unknown");
        Golden.assertError(tooLong, 400, "name-invalid");
    }

    @Test
    void repositoryOf255CharactersCanBePushedAndPulled() {
        String longest = TestData.repository("long") + "/" ;
        longest = longest + "x".repeat(255 - longest.length());
        byte[] content = TestData.random(10);

        Digest digest = http.pushBlob(longest, content);

        assertThat(http.get(url("/v2/" + longest + "/blobs/" + digest)).body()).isEqualTo(content);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a__b", "a--b", "a---b", "a.b/c_d", "0/1",
            "a/b/c/d/e/f", "x-1.y__z/w"})
    void unusualButValidNamesAreAccepted(String suffix) {
        String name = TestData.repository("valid") + "/" + suffix;
        byte[] content = TestData.random(10);

        Digest digest = http.pushBlob(name, content);

        assertThat(http.get(url("/v2/" + name + "/blobs/" + digest)).body()).isEqualTo(content);
    }

    /** Revoking a signing key that does not exist (auth is off here: the caller counts as admin). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"no-such-kid", "Ij20ziMXvS8rtu3OxKwY2DlCYoayk9iyGpJC1y6e_Wg", "caf%C3%A9", "a%20b", "%27",
            "a.b"})
    void revokingAnUnknownSigningKeyIs404NameUnknown(String kid) {
        HttpResponse<byte[]> response = send("POST", "/api/v1/keys/" + kid + "/revoke", null);

        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(404);
        assertThat(RegistryHttp.errorCode(response)).isEqualTo("NAME_UNKNOWN");
    }

    @Test
    void revokingASigningKeyWithAHugeKidIs404NameUnknown() {
        HttpResponse<byte[]> response = send("POST", "/api/v1/keys/" + "k".repeat(4000) + "/revoke", null);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(RegistryHttp.errorCode(response)).isEqualTo("NAME_UNKNOWN");
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).hasSizeLessThan(400);
    }

    /** Audit queries that cannot be answered: 400 with the spec's error body, never a 5xx. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"since=yesterday", "until=2020", "n=0", "n=abc", "n=-1", "before=x", "before=-5",
            "type=nope", "type=manifest.pushed,,x", "namespace=a&repository=b/c"})
    void badAuditQueriesAre400(String query) {
        HttpResponse<byte[]> response = send("GET", "/api/v1/audit?" + query, null);

        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(400);
        assertThat(RegistryHttp.errorCode(response)).isEqualTo("UNSUPPORTED");
    }

    /** Webhook bodies that make no sound webhook: 400, checked before the namespace is looked up. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{", "[]", "{}", "{\"url\":\"\"}", "{\"url\":\"not a url\"}", "{\"url\":\"file:///etc/passwd\"}",
            "{\"url\":\"http://192.0.2.1/\",\"events\":\"manifest.pushed\"}",
            "{\"url\":\"http://192.0.2.1/\",\"events\":[]}", "{\"url\":\"http://192.0.2.1/\",\"events\":[null]}",
            "{\"url\":\"http://192.0.2.1/\",\"secret\":\"has spaces in the secret\"}",
            "{\"url\":\"http://192.0.2.1/\",\"description\":\"a\\u0000b\"}",
            "{\"url\":\"http://192.0.2.1/#frag\"}", "{\"url\":\"http://192.0.2.1/\",\"repositories\":\"UPPER\"}"})
    void badWebhooksAre400(String body) {
        HttpResponse<byte[]> response = send("POST", "/api/v1/namespaces/nobody/webhooks",
                body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");

        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(400);
        assertThat(RegistryHttp.errorCode(response)).isEqualTo("UNSUPPORTED");
    }

    /** {@code POST /api/v1/gc} takes true or false (auth is off here: the caller counts as admin). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dryRun=yes", "dryRun=", "dryRun=TRUE", "dryRun=1", "inventory=no", "dryRun=true&dryRun=false",
            "dryRun=%00", "inventory=" + "t"})
    void garbageCollectionFlagsOtherThanTrueOrFalseAre400(String query) {
        HttpResponse<byte[]> response = send("POST", "/api/v1/gc?" + query, null);

        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(400);
        assertThat(RegistryHttp.errorCode(response)).isEqualTo("UNSUPPORTED");
    }

    /** Policy bodies that make no sound policy: 400 {@code UNSUPPORTED} saying what is wrong, never a 5xx. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"", "{", "[]", "1", "null", "{\"other\":1}", "{\"quotaBytes\":-1}", "{\"quotaBytes\":\"lots\"}",
            "{\"quotaBytes\":1.5}", "{\"quotaBytes\":1e30}", "{\"quotaBytes\":99999999999999999999}",
            "{\"immutableTags\":\"v*\"}", "{\"immutableTags\":[1]}", "{\"immutableTags\":[null]}", "{\"immutableTags\":[\"\"]}",
            "{\"immutableTags\":[\"v/1\"]}", "{\"immutableTags\":[\"a b\"]}", "{\"immutableTags\":[\"*a*b*c*d*e*f*g*h*\"]}",
            "{\"immutableTags\":[\"\\u0000\"]}", "{\"retention\":{}}", "{\"retention\":[1]}", "{\"retention\":[{}]}",
            "{\"retention\":[{\"keepLast\":1,\"pushedWithinDays\":2}]}", "{\"retention\":[{\"keepLast\":-1}]}",
            "{\"retention\":[{\"keepLast\":\"ten\"}]}", "{\"retention\":[{\"pushedWithinDays\":0}]}",
            "{\"retention\":[{\"pulledWithinDays\":100001}]}", "{\"retention\":[{\"keepLast\":1,\"tags\":\"a b\"}]}",
            "{\"retention\":[{\"keepLast\":1,\"tags\":7}]}", "{\"retention\":[{\"keepLast\":1,\"repositories\":\"UPPER\"}]}",
            "{\"retention\":[{\"keepLast\":1,\"x\":1}]}"})
    void badPoliciesAre400(String body) {
        HttpResponse<byte[]> response = send("PUT", "/api/v1/namespaces/badinput/policy",
                body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");

        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(400);
        assertThat(RegistryHttp.errorCode(response)).isEqualTo("UNSUPPORTED");
    }

    @Test
    void tooManyImmutableTagPatternsOrRetentionRulesAre400() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 51; i++) {
            many.append(i == 0 ? "" : ",").append("\"v").append(i).append("-*\"");
        }
        String rules = "{\"retention\":[" + String.join(",", java.util.Collections.nCopies(21, "{\"keepLast\":1}")) + "]}";
        for (String body : List.of("{\"immutableTags\":[" + many + "]}", rules)) {
            HttpResponse<byte[]> response = send("PUT", "/api/v1/namespaces/badinput/policy",
                    body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
            assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(400);
        }
    }

    /** A namespace name no repository could have is unknown; retention's dryRun takes true or false. */
    @Test
    void policyOfAnImpossibleNamespaceIs404AndRetentionFlagsAreTrueOrFalse() {
        for (String path : List.of("/api/v1/namespaces/UPPER/policy", "/api/v1/namespaces/" + "x".repeat(300) + "/policy",
                "/api/v1/namespaces/a..b/policy")) {
            HttpResponse<byte[]> response = send("GET", path, null);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(RegistryHttp.errorCode(response)).isEqualTo("NAME_UNKNOWN");
        }
        for (String flag : List.of("yes", "", "TRUE", "1")) {
            HttpResponse<byte[]> response = send("POST", "/api/v1/namespaces/badinput/retention?dryRun=" + flag, null);
            assertThat(response.statusCode()).as(flag).isEqualTo(400);
            assertThat(RegistryHttp.errorCode(response)).isEqualTo("UNSUPPORTED");
        }
        assertThat(send("GET", "/api/v1/namespaces/badinput/retention", null).statusCode()).isEqualTo(405);
    }

    /** Cache bodies that make no sound cache: 400, never a 5xx. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{", "[]", "{}", "{\"name\":\"Upper\",\"url\":\"https://r.example\"}",
            "{\"name\":\"c\"}", "{\"name\":\"c\",\"url\":\"ftp://r.example\"}",
            "{\"name\":\"c\",\"url\":\"https://r.example/v2/\"}", "{\"name\":\"c\",\"url\":\"https://u:p@r.example\"}",
            "{\"name\":\"c\",\"url\":\"https://r.example#x\"}", "{\"name\":\"c\",\"url\":\"not a url\"}",
            "{\"name\":\"c\",\"url\":\"https://r.example\",\"tagTtl\":\"soon\"}",
            "{\"name\":\"c\",\"url\":\"https://r.example\",\"tagTtl\":\"-5s\"}",
            "{\"name\":\"c\",\"url\":\"https://r.example\",\"maxBytes\":\"lots\"}",
            "{\"name\":\"c\",\"url\":\"https://r.example\",\"maxBytes\":-1}",
            "{\"name\":\"c\",\"url\":\"https://r.example\",\"maxBytes\":1.5}",
            "{\"name\":\"c\",\"url\":\"https://r.example\",\"username\":\"u\"}",
            "{\"name\":\"c\",\"url\":\"https://r.example\",\"username\":\"a:b\",\"password\":\"p\"}",
            "{\"name\":\"c\",\"url\":\"https://r.example\",\"password\":\"p\\u0000\",\"username\":\"u\"}",
            "{\"name\":\"c\",\"url\":\"https://r.example\",\"public\":\"yes\"}"})
    void badProxyCachesAre400(String body) {
        HttpResponse<byte[]> response = send("POST", "/api/v1/proxy-caches", body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");

        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(400);
        assertThat(RegistryHttp.errorCode(response)).isEqualTo("UNSUPPORTED");
    }

    /** Replication rules that make no sound rule: 400, never a 5xx. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{", "[]", "{}", "{\"name\":\"r\"}",
            "{\"name\":\"r\",\"repositories\":\"UPPER\",\"target\":{\"url\":\"https://r.example\"}}",
            "{\"name\":\"r\",\"repositories\":\"a/**\"}",
            "{\"name\":\"r\",\"repositories\":\"a/**\",\"target\":{\"url\":\"gopher://r.example\"}}",
            "{\"name\":\"r\",\"repositories\":\"a/**\",\"target\":\"https://r.example\"}",
            "{\"name\":\"r\",\"repositories\":\"a/**\",\"target\":{\"url\":\"https://r.example\"},\"trigger\":\"hourly\"}",
            "{\"name\":\"r\",\"repositories\":\"a/**\",\"target\":{\"url\":\"https://r.example\"},\"trigger\":\"schedule\"}",
            "{\"name\":\"r\",\"repositories\":\"a/**\",\"target\":{\"url\":\"https://r.example\"},\"trigger\":\"schedule\",\"schedule\":\"1s\"}",
            "{\"name\":\"r\",\"repositories\":\"a/**\",\"target\":{\"url\":\"https://r.example\"},\"schedule\":\"1h\"}",
            "{\"name\":\"r\",\"repositories\":\"a/**\",\"target\":{\"url\":\"https://r.example\"},\"direction\":\"sideways\"}",
            "{\"name\":\"r\",\"repositories\":\"a/**\",\"target\":{\"url\":\"https://r.example\"},\"direction\":\"pull\",\"trigger\":\"on-push\"}",
            "{\"name\":\"r\",\"repositories\":\"a/**\",\"target\":{\"url\":\"https://r.example\"},\"direction\":\"pull\",\"deletes\":true}",
            "{\"name\":\"r\",\"repositories\":\"a/**\",\"target\":{\"url\":\"https://r.example\"},\"targetPrefix\":\"no-slash\"}",
            "{\"name\":\"r\",\"repositories\":\"a/**\",\"target\":{\"url\":\"https://r.example\"},\"targetPrefix\":\"Bad/\"}",
            "{\"name\":\"r\",\"repositories\":\"a/**\",\"target\":{\"url\":\"https://r.example\",\"password\":\"p\"}}",
            "{\"name\":\"r\",\"repositories\":\"a/**\",\"target\":{\"url\":\"https://r.example\"},\"deletes\":\"maybe\"}"})
    void badReplicationsAre400(String body) {
        HttpResponse<byte[]> response = send("POST", "/api/v1/replications", body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");

        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(400);
        assertThat(RegistryHttp.errorCode(response)).isEqualTo("UNSUPPORTED");
    }

    @Test
    void unknownCachesAndReplicationsAre404AndBadChangesAre400() {
        for (String path : List.of("/api/v1/proxy-caches/nope", "/api/v1/replications/nope")) {
            HttpResponse<byte[]> get = send("GET", path, null);
            assertThat(get.statusCode()).isEqualTo(404);
            assertThat(RegistryHttp.errorCode(get)).isEqualTo("NAME_UNKNOWN");
            assertThat(send("DELETE", path, null).statusCode()).isEqualTo(404);
            assertThat(send("PATCH", path, "{}".getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json")
                    .statusCode()).isEqualTo(404);
        }
        assertThat(send("POST", "/api/v1/replications/nope/run", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/api/v1/proxy-caches/" + "x".repeat(5000), null).statusCode()).isEqualTo(404);
        String name = "bad-input-" + System.nanoTime() % 100000;
        assertThat(send("POST", "/api/v1/proxy-caches", ("{\"name\":\"" + name + "\",\"url\":\"https://r.example\"}")
                .getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json").statusCode()).isEqualTo(201);
        assertThat(send("PATCH", "/api/v1/proxy-caches/" + name, "{\"tagTtl\":\"later\"}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json").statusCode()).isEqualTo(400);
        assertThat(send("PATCH", "/api/v1/proxy-caches/" + name, "{\"name\":\"other\"}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json").statusCode()).isEqualTo(400);
        assertThat(send("DELETE", "/api/v1/proxy-caches/" + name, null).statusCode()).isEqualTo(204);
    }

    @Test
    void webhookOfAnUnknownNamespaceIs404AndAHugeUrlIs400() {
        HttpResponse<byte[]> unknown = send("POST", "/api/v1/namespaces/nobody/webhooks",
                "{\"url\":\"http://192.0.2.1/\"}".getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(RegistryHttp.errorCode(unknown)).isEqualTo("NAME_UNKNOWN");
        HttpResponse<byte[]> huge = send("POST", "/api/v1/namespaces/nobody/webhooks",
                ("{\"url\":\"http://192.0.2.1/" + "x".repeat(5000) + "\"}").getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        assertThat(huge.statusCode()).isEqualTo(400);
        assertThat(send("GET", "/api/v1/namespaces/nobody/webhooks/wh_x/deliveries?n=-1", null).statusCode())
                .isEqualTo(400);
    }

    @Test
    void garbageCollectionIgnoresABodyAndAnswersOnlyPost() {
        HttpResponse<byte[]> withBody = send("POST", "/api/v1/gc?dryRun=true", "{\"x\":1}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        HttpResponse<byte[]> get = send("GET", "/api/v1/gc", null);
        HttpResponse<byte[]> delete = send("DELETE", "/api/v1/gc", null);

        assertThat(withBody.statusCode()).isEqualTo(200);
        assertThat(RegistryHttp.json(withBody).get("dryRun").asBoolean()).isTrue();
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(delete.statusCode()).isEqualTo(405);
    }

    @Test
    void nameIsCheckedBeforeTheDigest() {
        Golden.assertError(http.get(url("/v2/UPPER/blobs/md5:abc")), 400, "name-invalid");
        Golden.assertError(http.get(url("/v2/a..b/referrers/sha256:xyz")), 400, "name-invalid");
        Golden.assertError(http.put(url("/v2/a//b/manifests/sha256:ABC"), new byte[] {'{', '}'}), 400, "name-invalid");
        Golden.assertError(http.patch(url("/v2/-a/blobs/uploads/not-a-uuid"), new byte[1]), 400, "name-invalid");
    }

    @Test
    void invalidFromNameOnMountIsNeverMounted() {
        HttpResponse<byte[]> response = http.post("/v2/" + repo + "/blobs/uploads/?mount=" + blob + "&from=Bad//Name",
                new byte[0]);

        Golden.assertError(response, 400, "name-invalid");
    }

    // ---- digests ----------------------------------------------------------------------------

    static final List<String> INVALID_DIGESTS = List.of(
            "md5:d41d8cd98f00b204e9800998ecf8427e",
            "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "sha256:" + HEX64.substring(1),
            "sha256:" + HEX64 + "0",
            "sha256:" + HEX64.toUpperCase(),
            "sha256:" + "g".repeat(64),
            "sha256:",
            ":" + HEX64,
            "SHA256:" + HEX64,
            "sha512:" + HEX64,
            "sha512:" + HEX64 + HEX64.substring(1),
            "sha256:" + HEX64 + ":" + HEX64,
            "sha256:" + "a".repeat(1000));

    /** A request carrying a digest somewhere. */
    record DigestUse(String label, Function<String, HttpResponse<byte[]>> request, int status) {
        @Override
        public String toString() {
            return label;
        }
    }

    static List<DigestUse> digestUses() {
        byte[] content = "content".getBytes(StandardCharsets.UTF_8);
        return List.of(
                new DigestUse("GET blob", d -> http.get(url("/v2/" + repo + "/blobs/" + d)), 400),
                new DigestUse("DELETE blob", d -> http.delete(url("/v2/" + repo + "/blobs/" + d)), 400),
                new DigestUse("GET manifest", d -> http.get(url("/v2/" + repo + "/manifests/" + d)), 400),
                new DigestUse("PUT manifest", d -> http.put(url("/v2/" + repo + "/manifests/" + d), manifestBody(),
                        "Content-Type", MediaTypes.OCI_MANIFEST), 400),
                new DigestUse("DELETE manifest", d -> http.delete(url("/v2/" + repo + "/manifests/" + d)), 400),
                new DigestUse("POST ?digest=", d -> http.post(url("/v2/" + repo + "/blobs/uploads/?digest=" + d),
                        content, "Content-Type", "application/octet-stream"), 400),
                new DigestUse("POST ?mount=", d -> http.post(url("/v2/" + repo + "/blobs/uploads/?mount=" + d
                        + "&from=" + repo), new byte[0]), 400),
                new DigestUse("PUT session ?digest=", d -> http.put(Responses.withQuery(newSession(), "digest=" + d),
                        content, "Content-Type", "application/octet-stream"), 400),
                new DigestUse("GET referrers", d -> http.get(url("/v2/" + repo + "/referrers/" + d)), 400));
    }

    static Stream<Arguments> invalidDigestRequests() {
        List<Arguments> out = new ArrayList<>();
        for (String digest : INVALID_DIGESTS) {
            String label = digest.length() > 80 ? digest.substring(0, 20) + "...(" + digest.length() + " chars)" : digest;
            for (DigestUse use : digestUses()) {
                if (digest.startsWith(":") && use.label().contains("manifest")) {
                    continue; // without an algorithm it is no digest at all, and no tag: see ManifestEndpointsIT
                }
                out.add(Arguments.of(Named.of(label, digest), use));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("invalidDigestRequests")
    void invalidDigestIs400DigestInvalid(String digest, DigestUse use) {
        Golden.assertError(use.request().apply(digest), use.status(), "digest-invalid");
    }

    @Test
    void headOfBlobWithInvalidDigestIs400() {
        for (String digest : INVALID_DIGESTS) {
            assertThat(http.head(url("/v2/" + repo + "/blobs/" + digest)).statusCode()).as(digest).isEqualTo(400);
        }
    }

    @Test
    void blobDigestWithoutAlgorithmIs400DigestInvalid() {
        Golden.assertError(http.get(url("/v2/" + repo + "/blobs/" + HEX64)), 400, "digest-invalid");
        Golden.assertError(http.get(url("/v2/" + repo + "/blobs/sha256")), 400, "digest-invalid");
    }

    // ---- methods ----------------------------------------------------------------------------

    static Stream<Arguments> unsupportedMethods() {
        return Stream.of(
                Arguments.of("PUT", "/v2/"),
                Arguments.of("DELETE", "/v2/"),
                Arguments.of("POST", "/v2/{repo}/manifests/latest"),
                Arguments.of("PATCH", "/v2/{repo}/manifests/latest"),
                Arguments.of("POST", "/v2/{repo}/blobs/{blob}"),
                Arguments.of("PUT", "/v2/{repo}/blobs/{blob}"),
                Arguments.of("PATCH", "/v2/{repo}/blobs/{blob}"),
                Arguments.of("GET", "/v2/{repo}/blobs/uploads/"),
                Arguments.of("PUT", "/v2/{repo}/blobs/uploads/"),
                Arguments.of("DELETE", "/v2/{repo}/blobs/uploads/"),
                Arguments.of("POST", "/v2/{repo}/blobs/uploads/{uuid}"),
                Arguments.of("PUT", "/v2/{repo}/tags/list"),
                Arguments.of("DELETE", "/v2/{repo}/tags/list"),
                Arguments.of("POST", "/v2/{repo}/tags/list"),
                Arguments.of("POST", "/v2/_catalog"),
                Arguments.of("DELETE", "/v2/_catalog"),
                Arguments.of("DELETE", "/v2/{repo}/referrers/{blob}"),
                Arguments.of("PUT", "/v2/{repo}/referrers/{blob}"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("unsupportedMethods")
    void unsupportedMethodIs405UnsupportedWithAllow(String method, String template) {
        String path = template.replace("{repo}", repo).replace("{blob}", blob.toString())
                .replace("{uuid}", UUID.randomUUID().toString());

        HttpResponse<byte[]> response = send(method, path, new byte[0]);

        Golden.assertError(response, 405, "unsupported");
        assertThat(Responses.listHeader(response, "Allow")).as("RFC 9110: a 405 lists the allowed methods")
                .isNotEmpty().doesNotContain(method);
    }

    // ---- nothing bad is a server error ------------------------------------------------------

    /**
     * A malformed request, the status Wharf answers it with and the spec error code of the answer
     * (null for a success). Where the spec leaves a choice, the table pins the one Wharf makes.
     */
    record Bad(String label, Function<String, HttpResponse<byte[]>> request, int status, String code) {
        @Override
        public String toString() {
            return label;
        }
    }

    private static Bad bad(String label, Function<String, HttpResponse<byte[]>> request, int status, String code) {
        return new Bad(label, request, status, code);
    }

    static Stream<Bad> malformedRequests() {
        byte[] data = TestData.random(10);
        String octets = "application/octet-stream";
        return Stream.of(
                bad("percent-encoded slash in name", r -> http.get(url("/v2/a%2Fb/tags/list")), 400, "UNSUPPORTED"),
                bad("percent-encoded dots as name", r -> http.get(url("/v2/%2e%2e/tags/list")), 404, "UNSUPPORTED"),
                bad("NUL in tag", r -> http.get(url("/v2/" + r + "/manifests/%00")), 400, "UNSUPPORTED"),
                bad("NUL in digest", r -> http.get(url("/v2/" + r + "/manifests/sha256:%00")), 400, "UNSUPPORTED"),
                bad("non-ASCII name", r -> http.get(url("/v2/caf%C3%A9/tags/list")), 404, "UNSUPPORTED"),
                bad("1000-character name", r -> http.get(url("/v2/" + "a".repeat(1000) + "/tags/list")),
                        400, "NAME_INVALID"),
                bad("very long path", r -> http.get(url("/v2/" + "a/".repeat(2000) + "tags/list")),
                        400, "NAME_INVALID"),
                bad("upload id that is no UUID", r -> http.get(url("/v2/" + r + "/blobs/uploads/not-a-uuid")),
                        404, "BLOB_UPLOAD_UNKNOWN"),
                bad("upload id with a bad hex digit",
                        r -> http.get(url("/v2/" + r + "/blobs/uploads/00000000-0000-0000-0000-00000000000g")),
                        404, "BLOB_UPLOAD_UNKNOWN"),
                bad("upload id in upper case",
                        r -> http.get(url("/v2/" + r + "/blobs/uploads/" + UUID.randomUUID().toString().toUpperCase())),
                        404, "BLOB_UPLOAD_UNKNOWN"),
                bad("path with no endpoint", r -> http.get(url("/v2/" + r + "/nothing/here")), 404, "UNSUPPORTED"),
                bad("huge n on catalog", r -> http.get(url("/v2/_catalog?n=99999999999999999999")), 400, "UNSUPPORTED"),
                bad("invalid UTF-8 in last", r -> http.get(url("/v2/_catalog?last=%FF%FE")), 200, null),
                bad("NUL in catalog last", r -> http.get(url("/v2/_catalog?last=%00")), 400, "UNSUPPORTED"),
                bad("NUL in tags last", r -> http.get(url("/v2/" + r + "/tags/list?last=%00")), 400, "UNSUPPORTED"),
                bad("non-ASCII tags last", r -> http.get(url("/v2/" + r + "/tags/list?last=%C3%A9")), 200, null),
                bad("NUL in referrers artifactType",
                        r -> http.get(url("/v2/" + r + "/referrers/" + SOME_DIGEST + "?artifactType=%00")),
                        400, "UNSUPPORTED"),
                bad("NUL in referrers last",
                        r -> http.get(url("/v2/" + r + "/referrers/" + SOME_DIGEST + "?last=%00")), 400, "UNSUPPORTED"),
                bad("referrers last that is no digest",
                        r -> http.get(url("/v2/" + r + "/referrers/" + SOME_DIGEST + "?last=zzz")),
                        400, "DIGEST_INVALID"),
                bad("empty n", r -> http.get(url("/v2/" + r + "/tags/list?n=")), 200, null),
                bad("Content-Range that is no range",
                        r -> http.patch(newSession(), data, "Content-Range", "abc", "Content-Type", octets),
                        400, "BLOB_UPLOAD_INVALID"),
                bad("Content-Range that ends before it starts",
                        r -> http.patch(newSession(), data, "Content-Range", "9-0", "Content-Type", octets),
                        400, "BLOB_UPLOAD_INVALID"),
                bad("Content-Range beyond long",
                        r -> http.patch(newSession(), data, "Content-Range", "0-99999999999999999999999",
                                "Content-Type", octets), 400, "BLOB_UPLOAD_INVALID"),
                bad("Content-Range with a negative start",
                        r -> http.patch(newSession(), data, "Content-Range", "-1-8", "Content-Type", octets),
                        400, "BLOB_UPLOAD_INVALID"),
                bad("Content-Range on the closing PUT that is no range",
                        r -> http.put(Responses.withQuery(newSession(), "digest=" + Digest.sha256(data)), data,
                                "Content-Range", "x-y", "Content-Type", octets), 400, "BLOB_UPLOAD_INVALID"),
                bad("empty ?digest= on the closing PUT",
                        r -> http.put(Responses.withQuery(newSession(), "digest="), data, "Content-Type", octets),
                        400, "DIGEST_INVALID"),
                bad("empty digest-algorithm",
                        r -> http.post(url("/v2/" + r + "/blobs/uploads/?digest-algorithm="), new byte[0]),
                        400, "DIGEST_INVALID"),
                bad("empty mount and from",
                        r -> http.post(url("/v2/" + r + "/blobs/uploads/?mount=&from="), new byte[0]),
                        400, "DIGEST_INVALID"),
                bad("mount with invalid from",
                        r -> http.post(url("/v2/" + r + "/blobs/uploads/?mount=" + SOME_DIGEST + "&from=UP"),
                                new byte[0]), 400, "NAME_INVALID"),
                bad("?tag= on a push by tag",
                        r -> http.put(url("/v2/" + r + "/manifests/other?tag=x"), manifestBody(),
                                "Content-Type", MediaTypes.OCI_MANIFEST), 400, "UNSUPPORTED"),
                bad("invalid ?tag= on a push by digest",
                        r -> http.put(url("/v2/" + r + "/manifests/" + Digest.sha256(manifestBody()) + "?tag=-bad"),
                                manifestBody(), "Content-Type", MediaTypes.OCI_MANIFEST), 400, "MANIFEST_INVALID"),
                bad("push to an invalid tag",
                        r -> http.put(url("/v2/" + r + "/manifests/-bad"), manifestBody(),
                                "Content-Type", MediaTypes.OCI_MANIFEST), 404, "MANIFEST_UNKNOWN"),
                bad("push to a 129-character tag",
                        r -> http.put(url("/v2/" + r + "/manifests/" + "t".repeat(129)), manifestBody(),
                                "Content-Type", MediaTypes.OCI_MANIFEST), 404, "MANIFEST_UNKNOWN"),
                bad("manifest with an unknown Content-Type and no mediaType",
                        r -> http.put(url("/v2/" + r + "/manifests/x"), "{\"schemaVersion\":2}".getBytes(),
                                "Content-Type", "text/plain"), 400, "MANIFEST_INVALID"),
                bad("manifest with schemaVersion beyond an int",
                        r -> http.put(url("/v2/" + r + "/manifests/x"), new String(manifestBody(), StandardCharsets.UTF_8)
                                .replace("\"schemaVersion\":2", "\"schemaVersion\":4294967298").getBytes(StandardCharsets.UTF_8),
                                "Content-Type", MediaTypes.OCI_MANIFEST), 400, "MANIFEST_INVALID"),
                bad("manifest with a 30-digit size",
                        r -> http.put(url("/v2/" + r + "/manifests/x"), new String(manifestBody(), StandardCharsets.UTF_8)
                                .replaceFirst("\"size\":\\d+", "\"size\":123456789012345678901234567890")
                                .getBytes(StandardCharsets.UTF_8), "Content-Type", MediaTypes.OCI_MANIFEST),
                        400, "MANIFEST_INVALID"),
                bad("manifest nested 2000 deep",
                        r -> http.put(url("/v2/" + r + "/manifests/x"), ("{\"schemaVersion\":2,\"x\":" + "[".repeat(2000)
                                + "]".repeat(2000) + "}").getBytes(StandardCharsets.UTF_8),
                                "Content-Type", MediaTypes.OCI_MANIFEST), 400, "MANIFEST_INVALID"),
                bad("manifest with a garbage Content-Type",
                        r -> http.put(url("/v2/" + r + "/manifests/x"), manifestBody(), "Content-Type", ";;;/"),
                        201, null),
                bad("garbage Accept", r -> http.get(url("/v2/" + r + "/manifests/latest"), "Accept", ";;,,;q=x"),
                        200, null),
                bad("Range beyond long",
                        r -> http.get(url("/v2/" + r + "/blobs/" + blob), "Range", "bytes=99999999999999999999-"),
                        416, "SIZE_INVALID"),
                bad("Range with two dashes", r -> http.get(url("/v2/" + r + "/blobs/" + blob), "Range", "bytes=--5"),
                        200, null),
                bad("Range of another unit", r -> http.get(url("/v2/" + r + "/blobs/" + blob), "Range", "lines=1-2"),
                        200, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRequests")
    void malformedRequestGetsItsOneAnswerNeverAServerError(Bad bad) {
        HttpResponse<byte[]> response = bad.request().apply(repo);

        String what = response.request().method() + " " + response.request().uri() + ": "
                + new String(response.body(), StandardCharsets.UTF_8);
        assertThat(response.statusCode()).as(what).isEqualTo(bad.status());
        if (bad.code() != null) {
            assertThat(response.headers().firstValue("Content-Type").orElse("")).as(what)
                    .startsWith("application/json");
            assertThat(RegistryHttp.errorCode(response)).as(what).isEqualTo(bad.code()).isIn(Golden.SPEC_ERROR_CODES);
        }
    }

    // ---- the web UI ---------------------------------------------------------------------------

    /** A UI request with bad input: GET when {@code form} is null, else a POST of it with the CSRF token. */
    record UiBad(String label, String path, String[] form, Set<Integer> allowed) {
        @Override
        public String toString() {
            return label;
        }
    }

    private static UiBad ui(String label, String path, String[] form, Integer... allowed) {
        return new UiBad(label, path, form, Set.of(allowed));
    }

    static Stream<UiBad> badUiInput() {
        String r = "/r/{repo}";
        return Stream.of(
                ui("search with characters no name has", "/?q=%3Cscript%3E", null, 200),
                ui("search of 300 characters", "/?q=" + "a".repeat(300), null, 400),
                ui("search with NUL", "/?q=%00", null, 200, 400),
                ui("namespace that is no name", "/?namespace=Bad..Name", null, 400),
                ui("namespace with a slash", "/?namespace=a/b", null, 400),
                ui("unknown sort", "/?sort=sideways", null, 200),
                ui("after that is no name", "/?after=%FF%FE", null, 400),
                ui("after with a time that is no number", "/?sort=pushed&after=a&at=yesterday", null, 400),
                ui("after with a time beyond long", "/?sort=pushed&after=a&at=99999999999999999999999", null, 400),
                ui("after with a huge time", "/?sort=pushed&after=a&at=9223372036854775807", null, 200, 400),
                ui("repository name that is invalid", "/r/Upper/Case", null, 404),
                ui("repository name of 300 characters", "/r/" + "a".repeat(300), null, 404),
                ui("repository path with nothing", "/r/", null, 404),
                ui("reference that is neither tag nor digest", r + "/-/-bad-", null, 404),
                ui("digest of an unknown algorithm", r + "/-/md5:d41d8cd98f00b204e9800998ecf8427e", null, 400, 404),
                ui("digest with upper case", r + "/-/sha256:" + HEX64.toUpperCase(), null, 400, 404),
                ui("tag page after an invalid tag", r + "?after=-x", null, 400),
                ui("compare without to", r + "/-/compare?from=latest", null, 400),
                ui("compare with a bad reference", r + "/-/compare?from=latest&to=%2e%2e", null, 400, 404),
                ui("compare with an unknown platform", r + "/-/compare?from=latest&to=latest&platform=zz", null, 200),
                ui("delete page of an invalid tag", r + "/-/-x/delete", null, 404),
                ui("namespace page of an invalid name", "/n/Bad..Name", null, 404),
                ui("namespace page after junk", "/n/bad-input?after=%00", null, 400, 404),
                ui("description beyond the limit", r + "/-/description", new String[] {"description", "x".repeat(20_001)}, 302),
                ui("description with NUL", r + "/-/description", new String[] {"description", "a\u0000b"}, 302),
                ui("visibility that is neither", r + "/-/visibility", new String[] {"visibility", "sideways"}, 302),
                ui("visibility missing", r + "/-/visibility", new String[0], 302),
                ui("POST to an action that does not exist", r + "/-/launch", new String[0], 404),
                ui("organization with an invalid name", "/n", new String[] {"name", "Not A Name"}, 302),
                ui("member with an unknown role", "/n/bad-input/members", new String[] {"user", "admin", "role", "king"}, 302, 404),
                ui("robot with an invalid name", "/n/bad-input/robots",
                        new String[] {"name", "-x", "repositories", "bad-input/*", "actions", "pull"}, 302, 404),
                ui("robot with an unknown action", "/n/bad-input/robots",
                        new String[] {"name", "x", "repositories", "bad-input/*", "actions", "fly"}, 302, 404),
                ui("robot with days that are no number", "/n/bad-input/robots",
                        new String[] {"name", "x", "repositories", "bad-input/*", "actions", "pull", "days", "soon"}, 302, 404),
                ui("robot with a pattern outside its namespace", "/n/bad-input/robots",
                        new String[] {"name", "x", "repositories", "other/*", "actions", "pull"}, 302, 404),
                ui("robot description with a control character", "/n/bad-input/robots",
                        new String[] {"name", "x", "description", "a\u0007b", "repositories", "bad-input/*", "actions", "pull"},
                        302, 404),
                ui("user with an invalid name", "/admin/users", new String[] {"name", "UP", "password", "long-enough-1"}, 302),
                ui("user with a short password", "/admin/users", new String[] {"name", "shorty", "password", "x"}, 302),
                ui("password reset of an unknown user", "/admin/users/nobody/password",
                        new String[] {"password", "long-enough-1"}, 302),
                ui("token form with authentication off", "/settings/tokens",
                        new String[] {"name", "t", "repositories", "x/*", "actions", "pull"}, 400));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badUiInput")
    void badUiInputIsAPageNeverAServerError(UiBad bad) {
        dev.wharf.testing.BrowserClient browser = new dev.wharf.testing.BrowserClient(BASE);
        String path = bad.path().replace("{repo}", repo);
        HttpResponse<String> response;
        if (bad.form() == null) {
            response = browser.get(path);
        } else {
            response = browser.post(path, bad.form());
        }
        assertThat(response.statusCode()).as("%s: %s", path, response.body()).isIn(bad.allowed());
        if (response.statusCode() != 302) {
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        }
    }

    /** A query a URL decoder chokes on, and Wharf's answer (a lone {@code %} in a value is taken literally). */
    static Stream<Arguments> malformedQueries() {
        return Stream.of(
                Arguments.of(Named.of("lone % in catalog last", "/v2/_catalog?last=%"), 200),
                Arguments.of(Named.of("bad escape in catalog n", "/v2/_catalog?n=%zz"), 400),
                Arguments.of(Named.of("lone % in tags last", "/v2/{repo}/tags/list?last=%"), 200),
                Arguments.of(Named.of("lone % in referrers artifactType",
                        "/v2/{repo}/referrers/{digest}?artifactType=%"), 200),
                Arguments.of(Named.of("lone % in manifest reference", "/v2/{repo}/manifests/%"), 400),
                Arguments.of(Named.of("raw NUL escape in name", "/v2/a%00b/tags/list"), 400));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedQueries")
    void malformedQueryGetsItsOneAnswerNeverAServerError(String target, int expected) {
        OptionalInt status = RawHttp.exchange(BASE, "GET " + target.replace("{repo}", repo)
                .replace("{digest}", SOME_DIGEST.toString()) + " HTTP/1.1", new byte[0]);

        assertThat(status).hasValue(expected);
    }

    static Stream<Named<String>> malformedRawRequests() {
        return Stream.of(
                Named.of("negative Content-Length", "PATCH {session} HTTP/1.1\r\nContent-Length: -1"),
                Named.of("non-numeric Content-Length", "PATCH {session} HTTP/1.1\r\nContent-Length: ten"),
                Named.of("two different Content-Lengths", "PATCH {session} HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4"),
                Named.of("broken chunked coding", "PATCH {session} HTTP/1.1\r\nTransfer-Encoding: chunked"),
                Named.of("space in the path", "GET /v2/a b/tags/list HTTP/1.1"),
                Named.of("raw non-ASCII in the path", "GET /v2/caf\u00e9/tags/list HTTP/1.1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedRawRequests")
    void malformedHttpIsA400NeverAServerError(String head) {
        String session = newSession();
        String target = session.startsWith("http") ? URI.create(session).getRawPath() : session;

        OptionalInt status = RawHttp.exchange(BASE, head.replace("{session}", target),
                "zz\r\nabc".getBytes(StandardCharsets.US_ASCII));

        assertThat(status).as("refused with an answer, not a dropped connection").hasValue(400);
        // whatever was sent, the session holds nothing
        assertThat(Responses.header(http.get(session), "Range")).isEqualTo("0-0");
    }
}
