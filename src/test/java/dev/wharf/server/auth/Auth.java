package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Test helper for an auth-enabled {@link RegistryServer}: credentials, tokens from {@code /token},
 * and the management API as admin, all over real HTTP.
 */
public final class Auth {

    public final RegistryHttp http;

    public Auth(RegistryServer server) {
        this(server.base());
    }

    /** For a server at {@code base} (e.g. a packaged one, {@code ServerProcess}). */
    public Auth(java.net.URI base) {
        this.http = new RegistryHttp(base);
    }

    public static String basic(String user, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }

    public static String adminBasic() {
        return basic(RegistryServer.ADMIN, RegistryServer.ADMIN_PASSWORD);
    }

    /** {@code GET /token} with Basic credentials (null for anonymous) and scopes; the raw response. */
    public HttpResponse<byte[]> tokenResponse(String authorization, String... scopes) {
        StringBuilder query = new StringBuilder("?service=wharf");
        for (String s : scopes) {
            query.append("&scope=").append(URLEncoder.encode(s, StandardCharsets.UTF_8));
        }
        HttpRequest.Builder b = http.request("/token" + query).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build());
    }

    /** A token for {@code scopes}, fetched with {@code authorization}; fails unless 200. */
    public String token(String authorization, String... scopes) {
        HttpResponse<byte[]> r = tokenResponse(authorization, scopes);
        RegistryHttp.check(r, 200);
        return RegistryHttp.json(r).get("token").asString();
    }

    /** {@code POST /token} with a form. */
    public HttpResponse<byte[]> postToken(Map<String, String> form) {
        List<String> pairs = new ArrayList<>();
        form.forEach((k, v) -> pairs.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return http.send(http.request("/token").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(String.join("&", pairs))).build());
    }

    // ---- registry API with credentials ---------------------------------------------------------

    public HttpResponse<byte[]> send(String method, String path, String authorization, byte[] body, String... headers) {
        HttpRequest.Builder b = http.request(path);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return http.send(b.build());
    }

    /** Starts an upload session and returns its path. */
    public String startUpload(String repository, String authorization) {
        HttpResponse<byte[]> r = send("POST", "/v2/" + repository + "/blobs/uploads/", authorization, new byte[0]);
        RegistryHttp.check(r, 202);
        return r.headers().firstValue("Location").orElseThrow();
    }

    /** Pushes a blob (POST + PUT) and returns its digest. */
    public dev.wharf.oci.Digest pushBlob(String repository, byte[] content, String authorization) {
        dev.wharf.oci.Digest digest = dev.wharf.oci.Digest.sha256(content);
        String location = startUpload(repository, authorization);
        RegistryHttp.check(send("PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + digest,
                authorization, content, "Content-Type", "application/octet-stream"), 201);
        return digest;
    }

    /** Pushes a one-layer image under {@code tag} and returns the manifest bytes. */
    public byte[] pushImage(String repository, String tag, String authorization) {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"n\":\"" + System.nanoTime() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        dev.wharf.oci.Digest configDigest = pushBlob(repository, config, authorization);
        byte[] layer = dev.wharf.testing.TestData.random(512);
        dev.wharf.oci.Digest layerDigest = pushBlob(repository, layer, authorization);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + dev.wharf.oci.MediaTypes.OCI_MANIFEST
                + "\",\"config\":" + RegistryHttp.descriptor(dev.wharf.oci.MediaTypes.OCI_CONFIG, configDigest, config.length)
                + ",\"layers\":[" + RegistryHttp.descriptor(dev.wharf.oci.MediaTypes.OCI_LAYER_GZIP, layerDigest, layer.length)
                + "]}").getBytes(StandardCharsets.UTF_8);
        RegistryHttp.check(send("PUT", "/v2/" + repository + "/manifests/" + tag, authorization, manifest,
                "Content-Type", dev.wharf.oci.MediaTypes.OCI_MANIFEST), 201);
        return manifest;
    }

    // ---- management API ------------------------------------------------------------------------

    public HttpResponse<byte[]> api(String method, String path, String authorization, String json) {
        HttpRequest.Builder b = http.request(path).header("Authorization", authorization);
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return http.send(b.build());
    }

    public JsonNode apiOk(String method, String path, String authorization, String json) {
        HttpResponse<byte[]> r = api(method, path, authorization, json);
        assertThat(r.statusCode()).as(method + " " + path + ": " + new String(r.body(), StandardCharsets.UTF_8))
                .isBetween(200, 299);
        return r.body().length == 0 ? null : RegistryHttp.json(r);
    }

    public void createUser(String name, String password) {
        apiOk("POST", "/api/v1/users", adminBasic(), "{\"name\":\"" + name + "\",\"password\":\"" + password + "\"}");
    }

    public void createOrganization(String name, String ownerBasic) {
        apiOk("POST", "/api/v1/orgs", ownerBasic, "{\"name\":\"" + name + "\"}");
    }

    public void addMember(String org, String user, String role) {
        apiOk("PUT", "/api/v1/orgs/" + org + "/members/" + user, adminBasic(), "{\"role\":\"" + role + "\"}");
    }

    /** Creates a robot and returns its secret. */
    public String createRobot(String namespace, String name, String scopesJson, String extraJson) {
        JsonNode robot = apiOk("POST", "/api/v1/namespaces/" + namespace + "/robots", adminBasic(),
                "{\"name\":\"" + name + "\",\"scopes\":" + scopesJson + (extraJson == null ? "" : "," + extraJson) + "}");
        return robot.get("secret").asString();
    }

    /** Creates a personal access token for {@code user} (authenticated as that user) and returns its text. */
    public String createPat(String user, String password, String scopesJson, String extraJson) {
        JsonNode token = apiOk("POST", "/api/v1/users/" + user + "/tokens", basic(user, password),
                "{\"name\":\"test\",\"scopes\":" + scopesJson + (extraJson == null ? "" : "," + extraJson) + "}");
        return token.get("token").asString();
    }

    public void makePublic(String repository) {
        apiOk("PATCH", "/api/v1/repositories/" + repository, adminBasic(), "{\"visibility\":\"public\"}");
    }

    /** The JSON payload of a JWT, without verifying anything. */
    public static JsonNode claims(String jwt) {
        return RegistryHttp.JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }

    public static JsonNode header(String jwt) {
        return RegistryHttp.JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[0]));
    }
}
