package dev.wharf.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.Action;
import dev.wharf.server.auth.Scope;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.Responses;
import dev.wharf.testing.TestDatabases;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The catalog of a caller who sees a few repositories among many costs the rows of that caller's
 * own ranges, not of the registry (issue 7, hole 2): 20,000 repositories in 50 other namespaces
 * (and in {@code sam-x}, whose names sort between {@code sam} and {@code sam/}), and callers whose
 * patterns carry the most wildcards allowed. For each caller the catalog is exactly what the
 * access rules give, pages follow {@code Link} without gaps or repeats, a page reads at most a few
 * hundred rows ({@code wharf_catalog_rows_examined}), and PostgreSQL answers the range statement
 * from the name index without a sequential scan.
 */
class CatalogScaleIT {

    private static final String PASSWORD = "catalog-scale-password-1";
    private static final int BULK = 20_000;
    /** Rows one page may read: the callers' ranges hold a few dozen names, plus the public ones. */
    private static final long ROWS_PER_PAGE = 300;
    /** The most wildcards a pattern may have. */
    private static final String EIGHT_WILDCARDS = "small/*a*b*c*d*e*f*g*h";

    private static TestDatabases.Database db;
    private static RegistryServer server;
    private static RegistryHttp http;
    private static List<String> all;
    private static List<String> publicNames;

    @BeforeAll
    static void start() throws SQLException {
        db = TestDatabases.create();
        server = RegistryServer.start(db, RegistryServer.withAuth(Map.of()));
        http = new RegistryHttp(server.base());
        api("POST", "/api/v1/users", admin(), "{\"name\":\"sam\",\"password\":\"" + PASSWORD + "\"}");
        api("POST", "/api/v1/orgs", basic("sam", PASSWORD), "{\"name\":\"small\"}");
        try (Connection c = connection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO repositories (name) SELECT 'bulk' || (i % 50) || '/repo-' || i"
                    + " FROM generate_series(1, " + BULK + ") i");
            s.execute("INSERT INTO repositories (name) SELECT 'sam-x/r' || i FROM generate_series(1, 500) i");
            s.execute("INSERT INTO repositories (name) VALUES ('sam'), ('sam/a'), ('sam/b/c'), ('small/tool'),"
                    + " ('small/abcdefgh'), ('small/xaxbxcxdxexfxgxh'), ('small/abcdefg')");
            s.execute("INSERT INTO repositories (name) SELECT 'small/app-' || i FROM generate_series(1, 20) i");
            s.execute("INSERT INTO repository_visibility (name, public) VALUES ('bulk7/repo-7', true),"
                    + " ('bulk8/repo-8', false), ('bulk9/repo-9', true), ('nowhere/yet', true)");
            s.execute("ANALYZE repositories");
        }
        all = query("SELECT name FROM repositories ORDER BY name COLLATE \"C\"");
        publicNames = List.of("bulk7/repo-7", "bulk9/repo-9");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aUserSeesTheirNamespacesAndPublicRepositoriesReadingOnlyThose() {
        String sam = basic("sam", PASSWORD);

        assertCatalog(sam, name -> namespace(name).equals("sam") || namespace(name).equals("small"));
    }

    @Test
    void aRobotWithTheMostWildcardsSeesWhatItsPatternsMatch() {
        String secret = api("POST", "/api/v1/namespaces/small/robots", basic("sam", PASSWORD),
                "{\"name\":\"ci\",\"scopes\":[{\"repositories\":\"" + EIGHT_WILDCARDS + "\",\"actions\":[\"pull\"]},"
                        + "{\"repositories\":\"small/app-1*\",\"actions\":[\"pull\",\"push\"]},"
                        + "{\"repositories\":\"small/tool\",\"actions\":[\"push\"]}]}").get("secret").asString();

        assertCatalog(basic("small+ci", secret), matchesAny(EIGHT_WILDCARDS, "small/app-1*"));
    }

    @Test
    void aPersonalAccessTokenWithWildcardNamespacesSeesItsUsersNamespacesItMatches() {
        String token = api("POST", "/api/v1/users/sam/tokens", basic("sam", PASSWORD),
                "{\"name\":\"t\",\"scopes\":[{\"repositories\":\"s*/*\",\"actions\":[\"pull\"]},"
                        + "{\"repositories\":\"**a*b*c*d*e*f*g*h\",\"actions\":[\"pull\"]}]}").get("token").asString();
        Predicate<String> patterns = matchesAny("s*/*", "**a*b*c*d*e*f*g*h");

        assertCatalog(basic("sam", token), name -> patterns.test(name)
                && (namespace(name).equals("sam") || namespace(name).equals("small")));
    }

    @Test
    void theRangeStatementIsAnIndexRangeScanPerRange() throws SQLException {
        String sql = Repositories.rangeQuery(2)
                .replace(":from0", "'small/'").replace(":to0", "'small0'").replace(":after0", "''")
                .replace(":limit0", "100")
                .replace(":from1", "'sam/'").replace(":to1", "'sam0'").replace(":after1", "''")
                .replace(":limit1", "100");
        String plan = String.join("\n", query("EXPLAIN (ANALYZE, FORMAT JSON) " + sql));
        JsonNode root = RegistryHttp.JSON.readTree(plan).get(0).get("Plan");

        List<JsonNode> scans = new ArrayList<>();
        collect(root, scans);
        assertThat(plan).doesNotContain("Seq Scan");
        assertThat(scans).hasSize(2).allSatisfy(scan -> {
            assertThat(scan.get("Node Type").asString()).startsWith("Index");
            assertThat(scan.get("Relation Name").asString()).isEqualTo("repositories");
        });
        long rows = scans.stream().mapToLong(s -> s.get("Actual Rows").asLong()).sum();
        assertThat(rows).as("rows read by the index scans: those of the two ranges").isEqualTo(24 + 2);
    }

    private static void collect(JsonNode node, List<JsonNode> scans) {
        if (node.get("Node Type").asString().contains("Scan")) {
            scans.add(node);
        }
        if (node.has("Plans")) {
            node.get("Plans").forEach(p -> collect(p, scans));
        }
    }

    /** The catalog as {@code authorization} sees it, whole and page by page, against {@code visible}. */
    private static void assertCatalog(String authorization, Predicate<String> visible) {
        List<String> expected = all.stream().filter(n -> visible.test(n) || publicNames.contains(n)).toList();
        assertThat(expected).hasSizeGreaterThan(publicNames.size());

        double before = rowsRead();
        long started = System.nanoTime();
        HttpResponse<byte[]> whole = get("/v2/_catalog", authorization);
        long millis = (System.nanoTime() - started) / 1_000_000;
        double read = rowsRead() - before;
        assertThat(names(whole)).isEqualTo(expected);
        assertThat(read).as("rows read for the whole catalog").isLessThanOrEqualTo(ROWS_PER_PAGE);
        System.out.printf("catalog of %d visible names among %d: %d ms, %.0f rows read%n", expected.size(),
                all.size(), millis, read);

        List<String> paged = new ArrayList<>();
        String next = "/v2/_catalog?n=3";
        while (next != null) {
            before = rowsRead();
            HttpResponse<byte[]> page = get(next, authorization);
            assertThat(rowsRead() - before).as(next).isLessThanOrEqualTo(ROWS_PER_PAGE);
            List<String> names = names(page);
            next = Responses.nextLink(page);
            if (next != null) {
                assertThat(names).as("a page with a Link after it is full").hasSize(3);
            }
            paged.addAll(names);
        }
        assertThat(paged).isEqualTo(expected);

        String middle = expected.get(expected.size() / 2);
        assertThat(names(get("/v2/_catalog?n=2&last=" + middle, authorization)))
                .isEqualTo(expected.subList(expected.size() / 2 + 1, Math.min(expected.size(), expected.size() / 2 + 3)));
    }

    /** Rows the catalog read so far, over all pages (the tests of this class run one at a time). */
    private static double rowsRead() {
        DistributionSummary rows = server.bean(MeterRegistry.class).get("wharf.catalog.rows.examined").summary();
        return rows.totalAmount();
    }

    private static Predicate<String> matchesAny(String... patterns) {
        List<Scope> scopes = new ArrayList<>();
        for (String p : patterns) {
            scopes.add(new Scope(p, EnumSet.of(Action.PULL)));
        }
        return name -> scopes.stream().anyMatch(s -> s.matches(RepositoryName.of(name)));
    }

    private static String namespace(String name) {
        return RepositoryName.of(name).namespace();
    }

    private static HttpResponse<byte[]> get(String path, String authorization) {
        HttpResponse<byte[]> r = http.send(http.request(path).header("Authorization", authorization).GET().build());
        RegistryHttp.check(r, 200);
        return r;
    }

    private static List<String> names(HttpResponse<byte[]> r) {
        List<String> names = new ArrayList<>();
        RegistryHttp.json(r).get("repositories").forEach(n -> names.add(n.asString()));
        return names;
    }

    private static JsonNode api(String method, String path, String authorization, String json) {
        HttpResponse<byte[]> r = http.send(http.request(path).header("Authorization", authorization)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json)).build());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isBetween(200, 299);
        return RegistryHttp.json(r);
    }

    private static String basic(String user, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static String admin() {
        return basic(RegistryServer.ADMIN, RegistryServer.ADMIN_PASSWORD);
    }

    private static Connection connection() throws SQLException {
        return DriverManager.getConnection(db.url(), db.user(), db.password());
    }

    private static List<String> query(String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = connection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }
}
