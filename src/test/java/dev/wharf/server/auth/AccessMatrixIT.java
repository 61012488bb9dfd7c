package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.wharf.oci.Digest;
import dev.wharf.server.route.Route;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import dev.wharf.testing.TestDatabases;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Every {@code /v2} and {@code /api} route against every kind of principal, on a real server with
 * auth enabled: the expected status and error code of each pair. The routes of the matrix are
 * checked against what the server maps, so a new endpoint cannot appear outside it.
 *
 * <p>Namespace {@code acme} is an organization: {@code owner} owns it, {@code maintainer} and
 * {@code reader} have those roles, {@code other} is not a member. Robot {@code acme+ci} may pull
 * and push {@code acme/app*}; robot {@code acme+elsewhere} only {@code acme/other-*}. The owner
 * has two personal access tokens with API access: one may pull {@code acme/app} only, the other
 * may do everything in {@code acme/**} (what a token may manage follows its scopes). The
 * broken tokens carry full access to {@code acme/app} and differ from a good token in one way only.
 */
class AccessMatrixIT {

    private static final String REPO = "acme/app";
    private static final String PASSWORD = "matrix-password-1";

    enum Who {
        ANONYMOUS(Set.of()), READER(EnumSet.of(Action.PULL)), MAINTAINER(Action.all()), OWNER(Action.all()),
        OTHER_USER(Set.of()), ROBOT_IN_PATTERN(EnumSet.of(Action.PULL, Action.PUSH)), ROBOT_OUT_OF_PATTERN(Set.of()),
        OWNER_TOKEN_ONE_REPO_PULL(EnumSet.of(Action.PULL)), OWNER_TOKEN_WHOLE_NAMESPACE(Action.all()),
        EXPIRED_TOKEN(Set.of()), BAD_SIGNATURE(Set.of()), OTHER_SERVICE(Set.of());

        final Set<Action> allowed;

        Who(Set<Action> allowed) {
            this.allowed = allowed;
        }

        boolean badToken() {
            return this == EXPIRED_TOKEN || this == BAD_SIGNATURE || this == OTHER_SERVICE;
        }

        boolean user() {
            return this == READER || this == MAINTAINER || this == OWNER || this == OTHER_USER;
        }

        boolean robot() {
            return this == ROBOT_IN_PATTERN || this == ROBOT_OUT_OF_PATTERN;
        }

        /** The owner's personal access tokens with {@code "api": true}. */
        boolean personalToken() {
            return this == OWNER_TOKEN_ONE_REPO_PULL || this == OWNER_TOKEN_WHOLE_NAMESPACE;
        }
    }

    /** What a registry route needs. */
    enum Need { AUTHENTICATED, CATALOG, PULL, PUSH, DELETE }

    /** One registry route: how to prepare it (as admin) and what a permitted request gets. */
    record V2Route(String name, String method, Need need, int success, Function<String, Request> prepare) {
        @Override
        public String toString() {
            return name;
        }
    }

    record Request(String path, byte[] body, String... headers) {
    }

    private static RegistryServer server;
    private static Auth auth;
    private static TestDatabases.Database db;
    private static byte[] manifest;
    private static Digest blob;
    private static final Map<String, String> robotSecrets = new HashMap<>();
    private static final Map<Who, String> personalTokens = new HashMap<>();
    private static final Map<Who, String> badTokens = new HashMap<>();
    private static final Map<String, String> tokenCache = new HashMap<>();
    private static final AtomicInteger counter = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        db = TestDatabases.create();
        server = RegistryServer.start(db, RegistryServer.withAuth(Map.of()));
        auth = new Auth(server);
        for (String user : List.of("owner", "maintainer", "reader", "other", "extra")) {
            auth.createUser(user, PASSWORD);
        }
        auth.createOrganization("acme", Auth.basic("owner", PASSWORD));
        auth.addMember("acme", "maintainer", "maintainer");
        auth.addMember("acme", "reader", "reader");
        robotSecrets.put("acme+ci", auth.createRobot("acme", "ci",
                "[{\"repositories\":\"acme/app*\",\"actions\":[\"pull\",\"push\"]}]", null));
        robotSecrets.put("acme+elsewhere", auth.createRobot("acme", "elsewhere",
                "[{\"repositories\":\"acme/other-*\",\"actions\":[\"pull\",\"push\",\"delete\"]}]", null));
        personalTokens.put(Who.OWNER_TOKEN_ONE_REPO_PULL, auth.createPat("owner", PASSWORD,
                "[{\"repositories\":\"" + REPO + "\",\"actions\":[\"pull\"]}]", "\"api\":true"));
        personalTokens.put(Who.OWNER_TOKEN_WHOLE_NAMESPACE, auth.createPat("owner", PASSWORD,
                "[{\"repositories\":\"acme/**\",\"actions\":[\"pull\",\"push\",\"delete\"]}]", "\"api\":true"));
        manifest = auth.pushImage(REPO, "v1", Auth.adminBasic());
        blob = auth.pushBlob(REPO, TestData.random(300), Auth.adminBasic());
        craftBadTokens();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Tokens that are right in every way but one, signed with the server's own key from PostgreSQL. */
    private static void craftBadTokens() throws Exception {
        ECKey key;
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT jwk FROM signing_keys WHERE retired_at IS NULL")) {
            rs.next();
            key = ECKey.parse(rs.getString(1));
        }
        Instant now = Instant.now();
        badTokens.put(Who.EXPIRED_TOKEN, sign(key, key.getKeyID(), "wharf", now.minusSeconds(600), now.minusSeconds(300)));
        ECKey stranger = new ECKeyGenerator(Curve.P_256).generate();
        badTokens.put(Who.BAD_SIGNATURE, sign(stranger, key.getKeyID(), "wharf", now, now.plusSeconds(300)));
        badTokens.put(Who.OTHER_SERVICE, sign(key, key.getKeyID(), "another-registry", now, now.plusSeconds(300)));
        // the control: the same recipe with nothing wrong is accepted
        String good = sign(key, key.getKeyID(), "wharf", now, now.plusSeconds(300));
        assertThat(auth.send("GET", "/v2/" + REPO + "/tags/list", Auth.bearer(good), null).statusCode()).isEqualTo(200);
    }

    private static String sign(ECKey key, String kid, String audience, Instant issued, Instant expires) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("wharf").subject("owner").audience(audience)
                .issueTime(Date.from(issued)).notBeforeTime(Date.from(issued)).expirationTime(Date.from(expires))
                .jwtID(UUID.randomUUID().toString())
                .claim("access", List.of(
                        Map.of("type", "repository", "name", REPO, "actions", List.of("pull", "push", "delete")),
                        Map.of("type", "registry", "name", "catalog", "actions", List.of("*"))))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    // ---- the registry API ------------------------------------------------------------------------

    static List<V2Route> v2Routes() {
        String base = "/v2/" + REPO;
        return List.of(
                new V2Route("GET /v2/", "GET", Need.AUTHENTICATED, 200, a -> new Request("/v2/", null)),
                new V2Route("GET /v2/_catalog", "GET", Need.CATALOG, 200, a -> new Request("/v2/_catalog", null)),
                new V2Route("POST /v2/_catalog", "POST", Need.CATALOG, 405, a -> new Request("/v2/_catalog", new byte[0])),
                new V2Route("GET tags/list", "GET", Need.PULL, 200, a -> new Request(base + "/tags/list", null)),
                new V2Route("DELETE tags/list", "DELETE", Need.DELETE, 405, a -> new Request(base + "/tags/list", null)),
                new V2Route("GET manifest", "GET", Need.PULL, 200, a -> new Request(base + "/manifests/v1", null,
                        "Accept", dev.wharf.oci.MediaTypes.OCI_MANIFEST)),
                new V2Route("HEAD manifest", "HEAD", Need.PULL, 200, a -> new Request(base + "/manifests/v1", null,
                        "Accept", dev.wharf.oci.MediaTypes.OCI_MANIFEST)),
                new V2Route("PUT manifest", "PUT", Need.PUSH, 201, a -> new Request(base + "/manifests/t"
                        + counter.incrementAndGet(), manifest, "Content-Type", dev.wharf.oci.MediaTypes.OCI_MANIFEST)),
                new V2Route("DELETE manifest", "DELETE", Need.DELETE, 202, a -> {
                    byte[] fresh = auth.pushImage(REPO, "del" + counter.incrementAndGet(), a);
                    return new Request(base + "/manifests/" + Digest.sha256(fresh), null);
                }),
                new V2Route("GET blob", "GET", Need.PULL, 200, a -> new Request(base + "/blobs/" + blob, null)),
                new V2Route("HEAD blob", "HEAD", Need.PULL, 200, a -> new Request(base + "/blobs/" + blob, null)),
                new V2Route("DELETE blob", "DELETE", Need.DELETE, 202, a -> new Request(base + "/blobs/"
                        + auth.pushBlob(REPO, TestData.random(100), a), null)),
                new V2Route("POST upload", "POST", Need.PUSH, 202, a -> new Request(base + "/blobs/uploads/", new byte[0])),
                new V2Route("POST monolithic upload", "POST", Need.PUSH, 201, a -> {
                    byte[] content = TestData.random(64);
                    return new Request(base + "/blobs/uploads/?digest=" + Digest.sha256(content), content,
                            "Content-Type", "application/octet-stream");
                }),
                new V2Route("PATCH upload", "PATCH", Need.PUSH, 202, a -> new Request(auth.startUpload(REPO, a),
                        TestData.random(10), "Content-Type", "application/octet-stream")),
                new V2Route("PUT upload", "PUT", Need.PUSH, 201, a -> {
                    byte[] content = TestData.random(20);
                    return new Request(auth.startUpload(REPO, a) + "?digest=" + Digest.sha256(content), content,
                            "Content-Type", "application/octet-stream");
                }),
                new V2Route("GET upload", "GET", Need.PULL, 204, a -> new Request(auth.startUpload(REPO, a), null)),
                new V2Route("DELETE upload", "DELETE", Need.PUSH, 204, a -> new Request(auth.startUpload(REPO, a), null)),
                new V2Route("GET referrers", "GET", Need.PULL, 200, a -> new Request(base + "/referrers/"
                        + Digest.sha256(manifest), null)));
    }

    static Stream<Arguments> v2Matrix() {
        List<Arguments> rows = new ArrayList<>();
        for (V2Route route : v2Routes()) {
            for (Who who : Who.values()) {
                rows.add(Arguments.of(route, who));
            }
        }
        return rows.stream();
    }

    /** What {@code need} means in actions, as in RequiredAccess. */
    private static Set<Action> actions(Need need) {
        return switch (need) {
            case PULL -> EnumSet.of(Action.PULL);
            case PUSH -> EnumSet.of(Action.PULL, Action.PUSH);
            case DELETE -> EnumSet.of(Action.DELETE);
            default -> Set.of();
        };
    }

    private static String scope(V2Route route) {
        return switch (route.need()) {
            case AUTHENTICATED -> null;
            case CATALOG -> "registry:catalog:*";
            case PULL -> "repository:" + REPO + ":pull";
            case PUSH -> "repository:" + REPO + ":pull,push";
            case DELETE -> "repository:" + REPO + ":delete";
        };
    }

    private static String credentials(Who who) {
        return switch (who) {
            case READER -> Auth.basic("reader", PASSWORD);
            case MAINTAINER -> Auth.basic("maintainer", PASSWORD);
            case OWNER -> Auth.basic("owner", PASSWORD);
            case OTHER_USER -> Auth.basic("other", PASSWORD);
            case ROBOT_IN_PATTERN -> Auth.basic("acme+ci", robotSecrets.get("acme+ci"));
            case ROBOT_OUT_OF_PATTERN -> Auth.basic("acme+elsewhere", robotSecrets.get("acme+elsewhere"));
            case OWNER_TOKEN_ONE_REPO_PULL, OWNER_TOKEN_WHOLE_NAMESPACE -> Auth.basic("owner", personalTokens.get(who));
            default -> null;
        };
    }

    /** The Authorization docker would send: a token from /token for the route's scope. */
    private static String bearerFor(Who who, String scope) {
        if (who == Who.ANONYMOUS) {
            return null;
        }
        if (who.badToken()) {
            return Auth.bearer(badTokens.get(who));
        }
        String key = who + " " + scope;
        return tokenCache.computeIfAbsent(key, k -> Auth.bearer(scope == null
                ? auth.token(credentials(who)) : auth.token(credentials(who), scope)));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("v2Matrix")
    void registryRouteWithBearerToken(V2Route route, Who who) {
        Request request = route.prepare().apply(Auth.adminBasic());
        HttpResponse<byte[]> r = auth.send(route.method(), request.path(), bearerFor(who, scope(route)),
                request.body(), request.headers());
        boolean permitted = switch (route.need()) {
            case AUTHENTICATED, CATALOG -> who != Who.ANONYMOUS && !who.badToken();
            default -> who.allowed.containsAll(actions(route.need()));
        };
        if (permitted) {
            assertThat(r.statusCode()).as(body(r)).isEqualTo(route.success());
            return;
        }
        assertThat(r.statusCode()).as(body(r)).isEqualTo(401);
        String challenge = r.headers().firstValue("WWW-Authenticate").orElseThrow();
        assertThat(challenge).startsWith("Bearer realm=\"" + server.base() + "/token\",service=\"wharf\"");
        if (scope(route) != null) {
            assertThat(challenge).contains("scope=\"" + scope(route) + "\"");
        }
        if (!route.method().equals("HEAD")) {
            boolean validToken = who != Who.ANONYMOUS && !who.badToken();
            assertThat(RegistryHttp.errorCode(r)).isEqualTo(validToken ? "DENIED" : "UNAUTHORIZED");
        }
        if (who.badToken()) {
            assertThat(challenge).contains("error=\"invalid_token\"");
        } else if (who != Who.ANONYMOUS) {
            assertThat(challenge).contains("error=\"insufficient_scope\"");
        }
    }

    /** The principals that have Basic credentials: users, robots and personal access tokens. */
    static Stream<Arguments> v2BasicMatrix() {
        return v2Matrix().filter(a -> {
            Who who = (Who) a.get()[1];
            return who.user() || who.robot() || who.personalToken();
        });
    }

    /** Basic credentials straight on /v2 (simple clients): allowed as with a token, refused with 403. */
    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("v2BasicMatrix")
    void registryRouteWithBasicCredentials(V2Route route, Who who) {
        Request request = route.prepare().apply(Auth.adminBasic());
        HttpResponse<byte[]> r = auth.send(route.method(), request.path(), credentials(who), request.body(),
                request.headers());
        boolean permitted = switch (route.need()) {
            case AUTHENTICATED, CATALOG -> true;
            default -> who.allowed.containsAll(actions(route.need()));
        };
        assertThat(r.statusCode()).as(body(r)).isEqualTo(permitted ? route.success() : 403);
        if (!permitted && !route.method().equals("HEAD")) {
            assertThat(RegistryHttp.errorCode(r)).isEqualTo("DENIED");
        }
    }

    @Test
    void everyRouteKindIsInTheMatrix() {
        Set<String> covered = new TreeSet<>();
        for (V2Route route : v2Routes()) {
            Request request = route.prepare().apply(Auth.adminBasic());
            Route parsed = dev.wharf.server.route.Routes.parse(request.path().split("\\?")[0]);
            covered.add(parsed.getClass().getSimpleName());
        }
        Set<String> all = new TreeSet<>();
        for (Class<?> kind : Route.class.getPermittedSubclasses()) {
            all.add(kind.getSimpleName());
        }
        assertThat(covered).isEqualTo(all);
    }

    // ---- the management API ----------------------------------------------------------------------

    /** One management route and who may use it. */
    record ApiRoute(String mapping, String method, String path, String body, int success, Set<Who> permitted) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private static final Set<Who> USERS = EnumSet.of(Who.READER, Who.MAINTAINER, Who.OWNER, Who.OTHER_USER);
    private static final Set<Who> MEMBERS = EnumSet.of(Who.READER, Who.MAINTAINER, Who.OWNER);
    /** Users and the owner's tokens: calls on the account itself, or filtered by what the caller may see. */
    private static final Set<Who> USERS_AND_TOKENS = EnumSet.of(Who.READER, Who.MAINTAINER, Who.OWNER, Who.OTHER_USER,
            Who.OWNER_TOKEN_ONE_REPO_PULL, Who.OWNER_TOKEN_WHOLE_NAMESPACE);
    /** Namespace-wide reading: members, and a token whose scopes cover {@code acme/**} with pull. */
    private static final Set<Who> MEMBERS_AND_WIDE_TOKEN = EnumSet.of(Who.READER, Who.MAINTAINER, Who.OWNER,
            Who.OWNER_TOKEN_WHOLE_NAMESPACE);
    /** Owners, and an owner's token covering {@code acme/**} with every action, except where a password is needed. */
    private static final Set<Who> OWNER_AND_WIDE_TOKEN = EnumSet.of(Who.OWNER, Who.OWNER_TOKEN_WHOLE_NAMESPACE);

    static List<ApiRoute> apiRoutes() {
        String user = "{\"name\":\"n%d\",\"password\":\"long-enough-1\"}";
        String scopes = "[{\"repositories\":\"acme/app\",\"actions\":[\"pull\"]}]";
        return List.of(
                new ApiRoute("GET /api/v1/user", "GET", "/api/v1/user", null, 200, USERS_AND_TOKENS),
                new ApiRoute("GET /api/v1/users", "GET", "/api/v1/users", null, 200, Set.of()),
                new ApiRoute("POST /api/v1/users", "POST", "/api/v1/users", user, 201, Set.of()),
                new ApiRoute("GET /api/v1/users/{name}", "GET", "/api/v1/users/maintainer", null, 200,
                        EnumSet.of(Who.MAINTAINER)),
                new ApiRoute("PATCH /api/v1/users/{name}", "PATCH", "/api/v1/users/extra", "{\"enabled\":true}", 200,
                        Set.of()),
                new ApiRoute("DELETE /api/v1/users/{name}", "DELETE", "/api/v1/users/nobody", null, 404, Set.of()),
                new ApiRoute("GET /api/v1/users/{name}/tokens", "GET", "/api/v1/users/maintainer/tokens", null, 200,
                        EnumSet.of(Who.MAINTAINER)),
                new ApiRoute("POST /api/v1/users/{name}/tokens", "POST", "/api/v1/users/maintainer/tokens",
                        "{\"name\":\"t\",\"scopes\":" + scopes + "}", 201, EnumSet.of(Who.MAINTAINER)),
                new ApiRoute("DELETE /api/v1/users/{name}/tokens/{id}", "DELETE", "/api/v1/users/maintainer/tokens/none",
                        null, 404, EnumSet.of(Who.MAINTAINER)),
                new ApiRoute("GET /api/v1/orgs", "GET", "/api/v1/orgs", null, 200, USERS_AND_TOKENS),
                new ApiRoute("POST /api/v1/orgs", "POST", "/api/v1/orgs", "{\"name\":\"org%d\"}", 201, USERS),
                new ApiRoute("GET /api/v1/orgs/{org}", "GET", "/api/v1/orgs/acme", null, 200, MEMBERS_AND_WIDE_TOKEN),
                new ApiRoute("DELETE /api/v1/orgs/{org}", "DELETE", "/api/v1/orgs/nothing", null, 404, Set.of()),
                new ApiRoute("GET /api/v1/orgs/{org}/members", "GET", "/api/v1/orgs/acme/members", null, 200,
                        MEMBERS_AND_WIDE_TOKEN),
                new ApiRoute("PUT /api/v1/orgs/{org}/members/{user}", "PUT", "/api/v1/orgs/acme/members/extra",
                        "{\"role\":\"reader\"}", 200, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("DELETE /api/v1/orgs/{org}/members/{user}", "DELETE", "/api/v1/orgs/acme/members/nobody",
                        null, 404, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("GET /api/v1/namespaces/{namespace}/robots", "GET", "/api/v1/namespaces/acme/robots", null,
                        200, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("POST /api/v1/namespaces/{namespace}/robots", "POST", "/api/v1/namespaces/acme/robots",
                        "{\"name\":\"r%d\",\"scopes\":" + scopes + "}", 201, EnumSet.of(Who.OWNER)),
                new ApiRoute("GET /api/v1/namespaces/{namespace}/robots/{name}", "GET",
                        "/api/v1/namespaces/acme/robots/ci", null, 200, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("PATCH /api/v1/namespaces/{namespace}/robots/{name}", "PATCH",
                        "/api/v1/namespaces/acme/robots/elsewhere", "{\"description\":\"d\"}", 200, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("DELETE /api/v1/namespaces/{namespace}/robots/{name}", "DELETE",
                        "/api/v1/namespaces/acme/robots/none", null, 404, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("POST /api/v1/namespaces/{namespace}/robots/{name}/secret", "POST",
                        "/api/v1/namespaces/acme/robots/none/secret", null, 404, EnumSet.of(Who.OWNER)),
                new ApiRoute("GET /api/v1/repositories/{*name}", "GET", "/api/v1/repositories/" + REPO, null, 200,
                        EnumSet.of(Who.READER, Who.MAINTAINER, Who.OWNER, Who.OWNER_TOKEN_ONE_REPO_PULL,
                                Who.OWNER_TOKEN_WHOLE_NAMESPACE)),
                new ApiRoute("PATCH /api/v1/repositories/{*name}", "PATCH", "/api/v1/repositories/" + REPO,
                        "{\"visibility\":\"private\"}", 200, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("GET /api/v1/namespaces/{namespace}/webhooks", "GET", "/api/v1/namespaces/acme/webhooks",
                        null, 200, OWNER_AND_WIDE_TOKEN),
                // a documentation address (TEST-NET-1): allowed by the default denied networks, never answers
                new ApiRoute("POST /api/v1/namespaces/{namespace}/webhooks", "POST", "/api/v1/namespaces/acme/webhooks",
                        "{\"url\":\"http://192.0.2.1/hook\",\"events\":[\"tag.deleted\"]}", 201, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("GET /api/v1/namespaces/{namespace}/webhooks/{id}", "GET",
                        "/api/v1/namespaces/acme/webhooks/wh_none", null, 404, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("PATCH /api/v1/namespaces/{namespace}/webhooks/{id}", "PATCH",
                        "/api/v1/namespaces/acme/webhooks/wh_none", "{\"enabled\":false}", 404, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("DELETE /api/v1/namespaces/{namespace}/webhooks/{id}", "DELETE",
                        "/api/v1/namespaces/acme/webhooks/wh_none", null, 404, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("POST /api/v1/namespaces/{namespace}/webhooks/{id}/ping", "POST",
                        "/api/v1/namespaces/acme/webhooks/wh_none/ping", null, 404, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("GET /api/v1/namespaces/{namespace}/webhooks/{id}/deliveries", "GET",
                        "/api/v1/namespaces/acme/webhooks/wh_none/deliveries", null, 404, OWNER_AND_WIDE_TOKEN),
                // a namespace's policy: owners set immutable tags and retention, only admins the quota
                new ApiRoute("GET /api/v1/namespaces/{namespace}/policy", "GET", "/api/v1/namespaces/acme/policy", null,
                        200, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("PUT /api/v1/namespaces/{namespace}/policy", "PUT", "/api/v1/namespaces/acme/policy",
                        "{\"immutableTags\":[\"matrix-frozen-*\"]}", 200, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("PUT /api/v1/namespaces/{namespace}/policy", "PUT", "/api/v1/namespaces/acme/policy",
                        "{\"quotaBytes\":1099511627%d}", 200, Set.of()),
                new ApiRoute("POST /api/v1/namespaces/{namespace}/retention", "POST",
                        "/api/v1/namespaces/acme/retention?dryRun=true", null, 200, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("GET /api/v1/audit", "GET", "/api/v1/audit", null, 200, Set.of()),
                new ApiRoute("GET /api/v1/audit", "GET", "/api/v1/audit?namespace=acme", null, 200, OWNER_AND_WIDE_TOKEN),
                new ApiRoute("GET /api/v1/keys", "GET", "/api/v1/keys", null, 200, Set.of()),
                new ApiRoute("POST /api/v1/keys", "POST", "/api/v1/keys", null, 201, Set.of()),
                new ApiRoute("POST /api/v1/keys/{kid}/revoke", "POST", "/api/v1/keys/no-such-kid/revoke", null, 404,
                        Set.of()),
                new ApiRoute("POST /api/v1/gc", "POST", "/api/v1/gc?dryRun=true&inventory=true", null, 200, Set.of()),
                // pull-through caches and replication: admins only (upstream credentials, every repository)
                new ApiRoute("GET /api/v1/proxy-caches", "GET", "/api/v1/proxy-caches", null, 200, Set.of()),
                new ApiRoute("POST /api/v1/proxy-caches", "POST", "/api/v1/proxy-caches",
                        "{\"name\":\"cache%d\",\"url\":\"https://registry.example\"}", 201, Set.of()),
                new ApiRoute("GET /api/v1/proxy-caches/{name}", "GET", "/api/v1/proxy-caches/none", null, 404, Set.of()),
                new ApiRoute("PATCH /api/v1/proxy-caches/{name}", "PATCH", "/api/v1/proxy-caches/none",
                        "{\"public\":true}", 404, Set.of()),
                new ApiRoute("DELETE /api/v1/proxy-caches/{name}", "DELETE", "/api/v1/proxy-caches/none", null, 404,
                        Set.of()),
                new ApiRoute("GET /api/v1/replications", "GET", "/api/v1/replications", null, 200, Set.of()),
                new ApiRoute("POST /api/v1/replications", "POST", "/api/v1/replications",
                        "{\"name\":\"r%d\",\"repositories\":\"acme/**\",\"target\":{\"url\":\"https://registry.example\"},"
                                + "\"trigger\":\"manual\"}", 201, Set.of()),
                new ApiRoute("GET /api/v1/replications/{name}", "GET", "/api/v1/replications/none", null, 404, Set.of()),
                new ApiRoute("PATCH /api/v1/replications/{name}", "PATCH", "/api/v1/replications/none",
                        "{\"enabled\":false}", 404, Set.of()),
                new ApiRoute("DELETE /api/v1/replications/{name}", "DELETE", "/api/v1/replications/none", null, 404,
                        Set.of()),
                new ApiRoute("POST /api/v1/replications/{name}/run", "POST", "/api/v1/replications/none/run", null, 404,
                        Set.of()));
    }

    static Stream<Arguments> apiMatrix() {
        List<Arguments> rows = new ArrayList<>();
        for (ApiRoute route : apiRoutes()) {
            for (Who who : Who.values()) {
                rows.add(Arguments.of(route, who));
            }
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("apiMatrix")
    void managementRoute(ApiRoute route, Who who) {
        String authorization = who.user() || who.robot() || who.personalToken() ? credentials(who)
                : who.badToken() ? Auth.bearer(badTokens.get(who)) : null;
        String body = route.body() == null ? null : route.body().replace("%d", Integer.toString(counter.incrementAndGet()));
        HttpResponse<byte[]> r = authorization == null
                ? auth.send(route.method(), route.path(), null, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                        "Content-Type", "application/json")
                : auth.api(route.method(), route.path(), authorization, body);
        if (route.permitted().contains(who)) {
            assertThat(r.statusCode()).as(body(r)).isEqualTo(route.success());
        } else if (who == Who.ANONYMOUS || who.badToken()) {
            assertThat(r.statusCode()).as(body(r)).isEqualTo(401);
            assertThat(RegistryHttp.errorCode(r)).isEqualTo("UNAUTHORIZED");
        } else {
            assertThat(r.statusCode()).as(body(r)).isEqualTo(403);
            assertThat(RegistryHttp.errorCode(r)).isEqualTo("DENIED");
        }
    }

    @Test
    void anAdministratorRunsAGarbageCollection() {
        HttpResponse<byte[]> r = auth.api("POST", "/api/v1/gc?dryRun=true", Auth.adminBasic(), null);

        assertThat(r.statusCode()).as(body(r)).isEqualTo(200);
        assertThat(RegistryHttp.json(r).get("dryRun").asBoolean()).isTrue();
    }

    @Test
    void aValidTokenIsNoKeyToTheManagementApi() {
        HttpResponse<byte[]> r = auth.api("GET", "/api/v1/user", bearerFor(Who.OWNER, "repository:" + REPO + ":pull"), null);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(RegistryHttp.errorCode(r)).isEqualTo("DENIED");
    }

    // ---- the web UI ------------------------------------------------------------------------------

    /** Who uses the UI: a session signed in through the form, or none. */
    enum Visitor { ANONYMOUS, READER, MAINTAINER, OWNER, OTHER_USER, ADMIN }

    /** What a UI request gets. */
    enum Outcome { PAGE, REDIRECT, LOGIN, FORBIDDEN, NOT_FOUND }

    /**
     * One UI route: the form it posts ({@code name, value...}; null for GET), {@code %d} replaced by
     * a fresh number, and the outcome for anonymous, reader, maintainer, owner, other user, admin.
     */
    record UiRoute(String mapping, String method, String path, String[] form, Outcome... outcomes) {
        Outcome outcome(Visitor visitor) {
            return outcomes[visitor.ordinal()];
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private static final Map<Visitor, dev.wharf.testing.BrowserClient> browsers = new HashMap<>();

    private static dev.wharf.testing.BrowserClient browser(Visitor visitor) {
        return browsers.computeIfAbsent(visitor, v -> {
            dev.wharf.testing.BrowserClient b = new dev.wharf.testing.BrowserClient(server.base());
            return switch (v) {
                case ANONYMOUS -> b;
                case READER -> b.signIn("reader", PASSWORD);
                case MAINTAINER -> b.signIn("maintainer", PASSWORD);
                case OWNER -> b.signIn("owner", PASSWORD);
                case OTHER_USER -> b.signIn("other", PASSWORD);
                case ADMIN -> b.signIn(RegistryServer.ADMIN, RegistryServer.ADMIN_PASSWORD);
            };
        });
    }

    static List<UiRoute> uiRoutes() {
        Outcome P = Outcome.PAGE;
        Outcome R = Outcome.REDIRECT;
        Outcome L = Outcome.LOGIN;
        Outcome F = Outcome.FORBIDDEN;
        Outcome N = Outcome.NOT_FOUND;
        String repo = "/r/" + REPO;
        //                                                                          anon reader maint owner other admin
        return List.of(
                new UiRoute("GET /", "GET", "/", null, P, P, P, P, P, P),
                new UiRoute("GET /login", "GET", "/login", null, P, R, R, R, R, R),
                new UiRoute("* /denied", "GET", "/denied", null, F, F, F, F, F, F),
                new UiRoute("GET /r/**", "GET", repo, null, N, P, P, P, N, P),
                new UiRoute("GET /r/**", "GET", repo + "/-/v1", null, N, P, P, P, N, P),
                new UiRoute("GET /r/**", "GET", repo + "/-/compare?from=v1&to=v1", null, N, P, P, P, N, P),
                new UiRoute("GET /r/**", "GET", repo + "/-/v1/delete", null, N, F, P, P, N, P),
                new UiRoute("POST /r/**", "POST", repo + "/-/description", new String[] {"description", "d%d"},
                        N, F, R, R, N, R),
                new UiRoute("POST /r/**", "POST", repo + "/-/visibility", new String[] {"visibility", "private"},
                        N, F, F, R, N, R),
                new UiRoute("POST /r/**", "POST", repo + "/-/del%d/delete", new String[0], N, F, R, R, N, R),
                new UiRoute("GET /n", "GET", "/n", null, L, P, P, P, P, P),
                new UiRoute("POST /n", "POST", "/n", new String[] {"name", "uiorg%d"}, L, R, R, R, R, R),
                new UiRoute("GET /n/{namespace}", "GET", "/n/acme", null, N, P, P, P, N, P),
                new UiRoute("POST /n/{namespace}/members", "POST", "/n/acme/members",
                        new String[] {"user", "extra", "role", "reader"}, F, F, F, R, F, R),
                new UiRoute("POST /n/{namespace}/members/{user}/remove", "POST", "/n/acme/members/nobody/remove",
                        new String[0], F, F, F, R, F, R),
                new UiRoute("POST /n/{namespace}/robots", "POST", "/n/acme/robots",
                        new String[] {"name", "uir%d", "repositories", "acme/app", "actions", "pull"}, F, F, F, P, F, P),
                new UiRoute("POST /n/{namespace}/robots/{name}/rotate", "POST", "/n/acme/robots/none/rotate",
                        new String[0], F, F, F, R, F, R),
                new UiRoute("POST /n/{namespace}/robots/{name}/delete", "POST", "/n/acme/robots/none/delete",
                        new String[0], F, F, F, R, F, R),
                new UiRoute("GET /settings", "GET", "/settings", null, L, R, R, R, R, R),
                new UiRoute("GET /settings/tokens", "GET", "/settings/tokens", null, L, P, P, P, P, P),
                new UiRoute("POST /settings/tokens", "POST", "/settings/tokens",
                        new String[] {"name", "t%d", "repositories", "acme/app", "actions", "pull"}, L, P, P, P, P, P),
                new UiRoute("POST /settings/tokens/{id}/delete", "POST", "/settings/tokens/none/delete", new String[0],
                        L, R, R, R, R, R),
                new UiRoute("POST /settings/password", "POST", "/settings/password",
                        new String[] {"current", "x", "password", "long-enough-1", "confirm", "differs"}, L, R, R, R, R, R),
                new UiRoute("GET /admin", "GET", "/admin", null, L, F, F, F, F, R),
                new UiRoute("GET /admin/users", "GET", "/admin/users", null, L, F, F, F, F, P),
                new UiRoute("POST /admin/users", "POST", "/admin/users",
                        new String[] {"name", "uiu%d", "password", "long-enough-1"}, L, F, F, F, F, R),
                new UiRoute("POST /admin/users/{name}/enabled", "POST", "/admin/users/extra/enabled",
                        new String[] {"enabled", "true"}, L, F, F, F, F, R),
                new UiRoute("POST /admin/users/{name}/password", "POST", "/admin/users/nobody/password",
                        new String[] {"password", "long-enough-1"}, L, F, F, F, F, R),
                new UiRoute("GET /admin/storage", "GET", "/admin/storage", null, L, F, F, F, F, P),
                new UiRoute("GET /admin/keys", "GET", "/admin/keys", null, L, F, F, F, F, P),
                new UiRoute("POST /admin/keys/rotate", "POST", "/admin/keys/rotate", new String[0], L, F, F, F, F, R));
    }

    static Stream<Arguments> uiMatrix() {
        List<Arguments> rows = new ArrayList<>();
        for (UiRoute route : uiRoutes()) {
            for (Visitor visitor : Visitor.values()) {
                rows.add(Arguments.of(route, visitor));
            }
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("uiMatrix")
    void uiRoute(UiRoute route, Visitor visitor) {
        int n = counter.incrementAndGet();
        String path = route.path().replace("%d", Integer.toString(n));
        if (path.contains("/-/del")) {
            auth.pushImage(REPO, "del" + n, Auth.adminBasic());
        }
        dev.wharf.testing.BrowserClient browser = browser(visitor);
        HttpResponse<String> r;
        if (route.form() == null) {
            r = browser.get(path);
        } else {
            String[] form = route.form().clone();
            for (int i = 0; i < form.length; i++) {
                form[i] = form[i].replace("%d", Integer.toString(n));
            }
            r = browser.post(path, form);
        }
        String location = r.headers().firstValue("Location").orElse("");
        String what = route + " as " + visitor + " -> " + r.statusCode() + " " + location;
        switch (route.outcome(visitor)) {
            case PAGE -> assertThat(r.statusCode()).as(what).isEqualTo(200);
            case REDIRECT -> {
                assertThat(r.statusCode()).as(what).isEqualTo(302);
                assertThat(location).as(what).doesNotEndWith("/login");
            }
            case LOGIN -> {
                assertThat(r.statusCode()).as(what).isEqualTo(302);
                assertThat(location).as(what).endsWith("/login");
            }
            case FORBIDDEN -> assertThat(r.statusCode()).as(what).isEqualTo(403);
            case NOT_FOUND -> assertThat(r.statusCode()).as(what).isEqualTo(404);
        }
        if (r.statusCode() != 302) {
            assertThat(r.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("text/html");
        }
    }

    /** Every UI form refuses a POST without the session's CSRF token, whoever sends it. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("uiRoutes")
    void uiFormWithoutCsrfTokenIsRefused(UiRoute route) {
        if (route.form() == null) {
            return;
        }
        for (Visitor visitor : List.of(Visitor.ANONYMOUS, Visitor.OWNER, Visitor.ADMIN)) {
            HttpResponse<String> r = browser(visitor).postRaw(route.path().replace("%d", "0"), route.form());
            assertThat(r.statusCode()).as(route + " as " + visitor).isEqualTo(403);
            assertThat(r.body()).as(route + " as " + visitor).contains("This form has expired");
        }
    }

    @Test
    void registryCredentialsDoNotSignInToTheUi() {
        String robot = Auth.basic("acme+ci", robotSecrets.get("acme+ci"));
        String bearer = bearerFor(Who.OWNER, "repository:" + REPO + ":pull");
        for (String authorization : List.of(robot, Auth.basic("owner", PASSWORD), bearer)) {
            HttpResponse<byte[]> r = auth.send("GET", "/r/" + REPO, authorization, null);
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(auth.send("GET", "/settings/tokens", authorization, null).statusCode()).isEqualTo(302);
        }
    }

    @Test
    void signingInTakesAPasswordNeverAnAccessTokenOrRobotSecret() {
        for (String[] credentials : List.of(new String[] {"acme+ci", robotSecrets.get("acme+ci")},
                new String[] {"owner", personalTokens.get(Who.OWNER_TOKEN_WHOLE_NAMESPACE)},
                new String[] {"owner", "wrong-password"})) {
            HttpResponse<String> r = new dev.wharf.testing.BrowserClient(server.base())
                    .post("/login", "username", credentials[0], "password", credentials[1]);
            assertThat(r.statusCode()).isEqualTo(302);
            assertThat(r.headers().firstValue("Location").orElse("")).endsWith("/login?error");
        }
    }

    @Test
    void everyMappedEndpointIsInTheMatrix() {
        Set<String> mapped = new TreeSet<>();
        RequestMappingHandlerMapping mappings = server.bean("requestMappingHandlerMapping",
                RequestMappingHandlerMapping.class);
        mappings.getHandlerMethods().forEach((info, method) -> {
            Set<String> methods = new TreeSet<>();
            info.getMethodsCondition().getMethods().forEach(m -> methods.add(m.name()));
            for (String pattern : info.getPatternValues()) {
                if (methods.isEmpty()) {
                    mapped.add("* " + pattern);
                }
                methods.forEach(m -> mapped.add(m + " " + pattern));
            }
        });
        Set<String> known = new TreeSet<>();
        apiRoutes().forEach(r -> known.add(r.mapping()));
        uiRoutes().forEach(r -> known.add(r.mapping()));
        // the registry API (one handler, every route kind is in the matrix above), the token
        // service (TokenEndpointIT) and Spring Boot's error page
        known.addAll(List.of("* /v2", "* /v2/", "* /v2/**", "GET /token", "POST /token", "GET /token/jwks",
                "GET /.well-known/jwks.json", "* /error"));
        assertThat(mapped).isEqualTo(known);
    }

    @Test
    void unknownPathsAreNotFoundOrRefusedNeverServed() {
        assertThat(auth.send("GET", "/api/v1/nothing-here", null, null).statusCode()).isEqualTo(401);
        assertThat(auth.api("GET", "/api/v1/nothing-here", Auth.basic("owner", PASSWORD), null).statusCode())
                .isEqualTo(404);
        assertThat(auth.send("GET", "/v2/" + REPO + "/nothing/here", null, null).statusCode()).isEqualTo(404);
        // percent-encoded letters are the same path once decoded, and guarded like it
        HttpResponse<byte[]> encodedV2 = auth.send("GET", "/%76%32/" + REPO + "/tags/list", null, null);
        assertThat(encodedV2.statusCode()).isEqualTo(401);
        assertThat(RegistryHttp.errorCode(encodedV2)).isEqualTo("UNAUTHORIZED");
        HttpResponse<byte[]> encodedApi = auth.send("GET", "/%61pi/v1/users", null, null);
        assertThat(encodedApi.statusCode()).isEqualTo(401);
        assertThat(RegistryHttp.errorCode(encodedApi)).isEqualTo("UNAUTHORIZED");
        assertThat(auth.send("GET", "/%61pi/v1/users", Auth.basic("owner", PASSWORD), null).statusCode())
                .as("and refused to whoever may not use it").isEqualTo(403);
    }

    private static String body(HttpResponse<byte[]> r) {
        return r.request().method() + " " + r.request().uri() + " -> " + r.statusCode() + " "
                + r.headers().firstValue("WWW-Authenticate").orElse("") + " "
                + new String(r.body(), StandardCharsets.UTF_8);
    }
}
