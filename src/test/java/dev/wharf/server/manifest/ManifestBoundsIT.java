package dev.wharf.server.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.Golden;
import dev.wharf.testing.RawHttp;
import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Manifest validation is bounded: numbers must fit, nesting, descriptors and annotations are
 * capped, unknown fields are skipped without building a tree, every refusal is a 400
 * {@code MANIFEST_INVALID} in our own words (no parser internals), and a pathological 4 MiB manifest
 * costs about its own size in heap.
 */
class ManifestBoundsIT {

    private static final int FOUR_MIB = 4 * 1024 * 1024;

    private final RegistryHttp http = new RegistryHttp(RegistryServer.shared().base());

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String manifests(String repository, Object reference) {
        return "/v2/" + repository + "/manifests/" + reference;
    }

    private static final String CONFIG = RegistryHttp.descriptor(MediaTypes.OCI_CONFIG, Digest.sha256(utf8("{}")), 2);

    /** A valid image manifest (its config is {@code {}}) with {@code extra} members appended. */
    private static String manifest(String extra) {
        return "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":" + CONFIG
                + ",\"layers\":[]" + extra + "}";
    }

    private String repoWithConfig() {
        String repo = TestData.repository("manifest-bounds");
        http.pushBlob(repo, utf8("{}"));
        return repo;
    }

    /** Asserts a 400 MANIFEST_INVALID whose message is ours, and that nothing was stored. */
    private void assertInvalid(String repo, HttpResponse<byte[]> put, String messagePart) {
        Golden.assertError(put, 400, "manifest-invalid");
        String message = RegistryHttp.json(put).path("errors").get(0).path("message").asString();
        assertThat(message).as("the message is ours").contains(messagePart);
        assertNoParserInternals(put);
        assertThat(http.get(manifests(repo, "v1")).statusCode()).isEqualTo(404);
    }

    private static void assertNoParserInternals(HttpResponse<byte[]> response) {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        assertThat(body).doesNotContain("Source:", "StreamReadConstraints", "getMax", "jackson", "line:",
                "column:", "Exception");
    }

    // ---- numbers ----------------------------------------------------------------------------

    @Test
    void schemaVersionBeyondAnIntIs400NotServerError() {
        String repo = repoWithConfig();
        byte[] body = utf8(manifest("").replace("\"schemaVersion\":2", "\"schemaVersion\":4294967298"));

        assertInvalid(repo, http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, body), "schemaVersion must be 2");
    }

    @Test
    void thirtyDigitDescriptorSizeIs400NotServerError() {
        String repo = repoWithConfig();
        byte[] body = utf8(manifest("").replace("\"size\":2", "\"size\":123456789012345678901234567890"));

        assertInvalid(repo, http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, body), "size");
    }

    static Stream<Arguments> badNumbersAndShapes() {
        String ok = manifest("");
        return Stream.of(
                Arguments.of("size 1e30", ok.replace("\"size\":2", "\"size\":1e30")),
                Arguments.of("size 1.5", ok.replace("\"size\":2", "\"size\":1.5")),
                Arguments.of("size 2.0", ok.replace("\"size\":2", "\"size\":2.0")),
                Arguments.of("size -1", ok.replace("\"size\":2", "\"size\":-1")),
                Arguments.of("size 2^63", ok.replace("\"size\":2", "\"size\":9223372036854775808")),
                Arguments.of("size null", ok.replace("\"size\":2", "\"size\":null")),
                Arguments.of("digest as number", ok.replace("\"digest\":\"" + Digest.sha256(utf8("{}")) + "\"", "\"digest\":12")),
                Arguments.of("schemaVersion 2.0", ok.replace("\"schemaVersion\":2", "\"schemaVersion\":2.0")),
                Arguments.of("schemaVersion 2^32+2", ok.replace("\"schemaVersion\":2", "\"schemaVersion\":4294967298")),
                Arguments.of("schemaVersion 30 digits", ok.replace("\"schemaVersion\":2", "\"schemaVersion\":200000000000000000000000000002")),
                Arguments.of("schemaVersion null", ok.replace("\"schemaVersion\":2", "\"schemaVersion\":null")),
                Arguments.of("no schemaVersion", ok.replace("\"schemaVersion\":2,", "")),
                Arguments.of("null layer", ok.replace("\"layers\":[]", "\"layers\":[null]")),
                Arguments.of("layers null", ok.replace("\"layers\":[]", "\"layers\":null")),
                Arguments.of("config null", ok.replace("\"config\":" + CONFIG, "\"config\":null")),
                Arguments.of("subject null", manifest(",\"subject\":null")),
                Arguments.of("urls not strings", ok.replace("\"size\":2", "\"size\":2,\"urls\":[1]")),
                Arguments.of("platform not an object", ok.replace("\"size\":2", "\"size\":2,\"platform\":[]")),
                Arguments.of("annotation value an object", manifest(",\"annotations\":{\"a\":{\"b\":\"c\"}}")),
                Arguments.of("2000-digit number in an unknown field", manifest(",\"x\":" + "9".repeat(2000))),
                Arguments.of("invalid UTF-8 in an unknown field", manifest(",\"x\":\"\u0000BAD\"").replace("\u0000BAD", "\uFFFF")),
                Arguments.of("duplicate key in an unknown object", manifest(",\"x\":{\"a\":1,\"a\":2}")),
                Arguments.of("raw control character in a string", manifest(",\"x\":\"a\tb\"")),
                Arguments.of("unquoted key", manifest(",x:1")),
                Arguments.of("trailing comma", manifest(",\"x\":[1,]")),
                Arguments.of("truncated", manifest("").substring(0, 40)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badNumbersAndShapes")
    void malformedManifestIs400InOurOwnWords(String what, String body) {
        String repo = repoWithConfig();
        byte[] bytes = utf8(body);
        if (what.startsWith("invalid UTF-8")) {
            bytes = utf8(body.replace("\uFFFF", "@@"));
            int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("@@");
            bytes[at] = (byte) 0xff;
            bytes[at + 1] = (byte) 0xfe;
        }

        HttpResponse<byte[]> put = http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, bytes);

        Golden.assertError(put, 400, "manifest-invalid");
        assertNoParserInternals(put);
        assertThat(http.get(manifests(repo, "v1")).statusCode()).isEqualTo(404);
    }

    // ---- depth ------------------------------------------------------------------------------

    @Test
    void nesting2000DeepIs400WithoutParserInternals() {
        String repo = repoWithConfig();
        byte[] body = utf8(manifest(",\"x\":" + "[".repeat(2000) + "]".repeat(2000)));

        assertInvalid(repo, http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, body), "nesting deeper than 64");
    }

    @Test
    void nesting65DeepIsRefusedAnd64IsStoredByteExact() {
        String repo = repoWithConfig();
        // the manifest object is level 1, "x" adds 63 more: 64 in all
        byte[] ok = utf8(manifest(",\"x\":" + "[".repeat(63) + "]".repeat(63)));
        byte[] deep = utf8(manifest(",\"x\":" + "[".repeat(64) + "]".repeat(64)));

        assertInvalid(repo, http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, deep), "nesting deeper than 64");
        RegistryHttp.check(http.putManifest(repo, "v2", MediaTypes.OCI_MANIFEST, ok), 201);
        assertThat(http.get(manifests(repo, "v2")).body()).isEqualTo(ok);
    }

    // ---- counts -----------------------------------------------------------------------------

    private static String layers(String layer, int count) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < count; i++) {
            out.append(i == 0 ? "" : ",").append(layer);
        }
        return out.toString();
    }

    @Test
    void tenThousandLayersAreAcceptedAndOneMoreIsRefused() {
        String repo = repoWithConfig();
        byte[] blob = utf8("layer");
        String layer = RegistryHttp.descriptor(MediaTypes.OCI_LAYER_TAR, http.pushBlob(repo, blob), blob.length);
        byte[] ok = utf8(manifest("").replace("\"layers\":[]", "\"layers\":[" + layers(layer, 10_000) + "]"));
        byte[] tooMany = utf8(manifest("").replace("\"layers\":[]", "\"layers\":[" + layers(layer, 10_001) + "]"));

        assertInvalid(repo, http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, tooMany), "more than 10000 descriptors");
        RegistryHttp.check(http.putManifest(repo, "v2", MediaTypes.OCI_MANIFEST, ok), 201);
        assertThat(http.get(manifests(repo, "v2")).body()).isEqualTo(ok);
    }

    @Test
    void tooManyAnnotationsAreRefused() {
        String repo = repoWithConfig();
        StringBuilder annotations = new StringBuilder();
        for (int i = 0; i <= 50_000; i++) {
            annotations.append(i == 0 ? "" : ",").append("\"a").append(i).append("\":\"\"");
        }
        byte[] body = utf8(manifest(",\"annotations\":{" + annotations + "}"));

        assertInvalid(repo, http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, body), "more than 50000 annotations");
    }

    @Test
    void tooManyTokensAreRefused() {
        String repo = repoWithConfig();
        // 1.1 million numbers in an unknown field, well under the 4 MiB size limit
        byte[] body = utf8(manifest(",\"x\":[" + "0,".repeat(1_100_000) + "0]"));
        assertThat(body.length).isLessThan(FOUR_MIB);

        assertInvalid(repo, http.putManifest(repo, "v1", MediaTypes.OCI_MANIFEST, body), "more than 1000000 JSON tokens");
    }

    // ---- annotations are stored from the manifest's own bytes ----------------------------------

    static Stream<Arguments> annotationObjects() {
        return Stream.of(
                Arguments.of("plain", "", "{\"org.example.note\":\"hello\"}", "hello"),
                Arguments.of("escapes and NUL", "", "{ \"org.example.note\" : \"a\\\"b\\\\c\\u0000d\\n\" , \"x\":\"\\u00e9\"}",
                        "a\"b\\c\u0000d\n"),
                Arguments.of("non-ASCII", "", "{\"org.example.note\":\"\u65e5\u672c \ud83d\udc33\"}", "\u65e5\u672c \ud83d\udc33"),
                Arguments.of("after a byte order mark", "\ufeff", "{\"org.example.note\":\"bom\"}", "bom"),
                Arguments.of("multi-line", "", "{\n  \"org.example.note\": \"lines\"\n}", "lines"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("annotationObjects")
    void manifestAnnotationsReachTheReferrersListAsSent(String what, String prefix, String annotations, String note) {
        String repo = repoWithConfig();
        byte[] subject = utf8(manifest(""));
        RegistryHttp.check(http.putManifest(repo, "subject", MediaTypes.OCI_MANIFEST, subject), 201);
        byte[] referrer = utf8(prefix + manifest(",\"subject\":"
                + RegistryHttp.descriptor(MediaTypes.OCI_MANIFEST, Digest.sha256(subject), subject.length)
                + ",\"annotations\":" + annotations));

        HttpResponse<byte[]> put = http.putManifest(repo, "referrer", MediaTypes.OCI_MANIFEST, referrer);
        RegistryHttp.check(put, 201); // a BOM too: Wharf accepts it, as part of the exact bytes

        HttpResponse<byte[]> referrers = http.get("/v2/" + repo + "/referrers/" + Digest.sha256(subject));
        RegistryHttp.check(referrers, 200);
        tools.jackson.databind.JsonNode entry = RegistryHttp.json(referrers).path("manifests").get(0);
        assertThat(entry.path("digest").asString()).isEqualTo(Digest.sha256(referrer).toString());
        assertThat(entry.path("annotations").path("org.example.note").asString()).isEqualTo(note);
        assertThat(http.get(manifests(repo, "referrer")).body()).isEqualTo(referrer);
    }

    // ---- the body ---------------------------------------------------------------------------

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(RawHttp.Ending.class)
    void manifestBodyShorterThanItsContentLengthIsRefusedAndNotStored(RawHttp.Ending ending) {
        String repo = repoWithConfig();
        byte[] body = utf8(manifest(""));

        OptionalInt status = RawHttp.truncated(RegistryServer.shared().base(), "PUT", manifests(repo, "v1"),
                body.length + 100L, body, ending, "Content-Type", MediaTypes.OCI_MANIFEST);

        status.ifPresent(s -> assertThat(s).as("status answered to a truncated manifest").isBetween(400, 499));
        assertThat(http.get(manifests(repo, "v1")).statusCode()).isEqualTo(404);
        assertThat(http.get(manifests(repo, Digest.sha256(body))).statusCode()).isEqualTo(404);
    }

    @Test
    void manifestWithoutContentLengthIsStoredByteExact() {
        String repo = repoWithConfig();
        // over the first 16 KiB buffer, so the body grows and is trimmed once
        byte[] body = utf8(manifest(",\"annotations\":{\"pad\":\"" + "p".repeat(100_000) + "\"}"));

        HttpResponse<byte[]> put = http.send(http.request(manifests(repo, "chunked"))
                .header("Content-Type", MediaTypes.OCI_MANIFEST)
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
                .build());

        RegistryHttp.check(put, 201);
        assertThat(http.get(manifests(repo, "chunked")).body()).isEqualTo(body);
    }

    // ---- memory -----------------------------------------------------------------------------

    /**
     * A manifest of exactly 4 MiB whose unknown field {@code x} holds {@code pairs} empty arrays
     * {@code [[],[],...]}, padded with spaces; {@code pairs <= 0} fills the 4 MiB with them.
     */
    private static byte[] pathological(int nonce, int pairs) {
        String prefix = manifest(",\"n\":" + nonce + ",\"x\":[");
        prefix = prefix.substring(0, prefix.length() - 1);
        String suffix = "]}";
        int middle = FOUR_MIB - prefix.length() - suffix.length();
        int n = pairs > 0 ? pairs : (middle + 1) / 3;
        StringBuilder out = new StringBuilder(FOUR_MIB).append(prefix).append("[]").append(",[]".repeat(n - 1));
        out.append(" ".repeat(FOUR_MIB - out.length() - suffix.length())).append(suffix);
        byte[] bytes = utf8(out.toString());
        assertThat(bytes).hasSize(FOUR_MIB);
        return bytes;
    }

    /** Bytes allocated so far by the server's request threads (Tomcat's {@code -exec-} workers). */
    private static long requestThreadAllocations() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().contains("-exec-")) {
                long bytes = threads.getThreadAllocatedBytes(t.getId());
                total += Math.max(bytes, 0);
            }
        }
        return total;
    }

    /** A valid manifest of about 4 MiB with the most annotations allowed, of 80-byte values. */
    private static byte[] annotated(int nonce) {
        StringBuilder annotations = new StringBuilder();
        for (int i = 0; i < 50_000; i++) {
            annotations.append(i == 0 ? "" : ",").append("\"a").append(i).append("\":\"").append(nonce)
                    .append("x".repeat(70)).append('"');
        }
        return utf8(manifest(",\"annotations\":{" + annotations + "}"));
    }

    @Test
    void eightParallelManifestsWithTheMostAnnotationsAllowed() throws Exception {
        String repo = repoWithConfig();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            bodies.add(annotated(i));
        }
        RegistryHttp.check(http.putManifest(repo, "warm", MediaTypes.OCI_MANIFEST, utf8(manifest(""))), 201);

        long cost = pushInParallel(repo, bodies, 201);

        System.out.printf("8 parallel %.1f MiB manifests of 50000 annotations: request threads allocated %.1f MiB%n",
                mib(bodies.get(0).length), mib(cost));
        // the annotations must be held as strings; the map and the request add a few times the body
        assertThat(cost).as("bytes allocated by the request threads").isLessThan(8L * 7 * bodies.get(0).length);
    }

    /** Pushes {@code bodies} in parallel and returns the bytes the server's request threads allocated meanwhile. */
    private long pushInParallel(String repo, List<byte[]> bodies, int status) throws Exception {
        long before = requestThreadAllocations();
        ExecutorService pool = Executors.newFixedThreadPool(bodies.size());
        try {
            List<Future<HttpResponse<byte[]>>> puts = new ArrayList<>();
            for (int i = 0; i < bodies.size(); i++) {
                byte[] body = bodies.get(i);
                String tag = "p" + i;
                puts.add(pool.submit(() -> http.putManifest(repo, tag, MediaTypes.OCI_MANIFEST, body)));
            }
            for (Future<HttpResponse<byte[]>> put : puts) {
                HttpResponse<byte[]> response = put.get();
                RegistryHttp.check(response, status);
                if (status == 400) {
                    assertNoParserInternals(response);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return requestThreadAllocations() - before;
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024);
    }

    @Test
    void eightParallelPathological4MibManifestsCostLessThan64MibOfHeap() throws Exception {
        String repo = repoWithConfig();
        List<byte[]> refused = new ArrayList<>();
        List<byte[]> accepted = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            refused.add(pathological(i, 0)); // about 2.8 million tokens: over the cap
            accepted.add(pathological(100 + i, 499_900)); // just under a million tokens
        }
        // warm up the request threads and code paths with a small push
        RegistryHttp.check(http.putManifest(repo, "warm", MediaTypes.OCI_MANIFEST, utf8(manifest(""))), 201);

        long refusedCost = pushInParallel(repo, refused, 400);
        long acceptedCost = pushInParallel(repo, accepted, 201);

        System.out.printf("8 parallel pathological 4 MiB manifests: request threads allocated %.1f MiB (refused for"
                + " their token count), %.1f MiB (accepted and stored)%n", mib(refusedCost), mib(acceptedCost));
        // the bodies themselves are 8 x 4 MiB = 32 MiB; parsing adds next to nothing
        assertThat(refusedCost).as("bytes allocated by the request threads").isLessThan(64L * 1024 * 1024);
        assertThat(acceptedCost).as("bytes allocated by the request threads").isLessThan(64L * 1024 * 1024);
        assertThat(http.get("/v2/").statusCode()).isEqualTo(200);
        assertThat(http.get(manifests(repo, "p3")).body()).isEqualTo(accepted.get(3));
    }
}
