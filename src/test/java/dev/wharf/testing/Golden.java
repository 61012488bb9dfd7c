package dev.wharf.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * Golden files under {@code src/test/resources/golden/}: manifests whose exact bytes a registry must
 * keep, and the JSON shape of responses.
 *
 * <p>A golden JSON document is compared structurally (object key order does not matter, and an
 * actual object may not carry keys the golden one lacks). Two string values are patterns rather than
 * literals: {@value #ANY_STRING} matches any string, {@value #OPTIONAL} matches any value or the key
 * being absent. Error messages are free text in the spec, so error goldens use them.
 */
public final class Golden {

    public static final String ANY_STRING = "<string>";
    public static final String OPTIONAL = "<optional>";

    /** The error codes of the spec's table (code-1 .. code-14). */
    public static final Set<String> SPEC_ERROR_CODES = Set.of("BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID",
            "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN",
            "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED", "TOOMANYREQUESTS");

    private Golden() {
    }

    /** The exact bytes of {@code golden/<path>}. */
    public static byte[] bytes(String path) {
        String resource = "golden/" + path;
        try (InputStream in = Golden.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no golden file " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts an error response: the status, a JSON body of the spec's form whose codes are all spec
     * codes, matching {@code golden/errors/<name>.json}.
     */
    public static void assertError(HttpResponse<byte[]> response, int status, String name) {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        assertThat(response.statusCode())
                .as("status of %s %s (body %s)", response.request().method(), response.request().uri(), body)
                .isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type"))
                .as("Content-Type of an error body").hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        JsonNode actual = RegistryHttp.JSON.readTree(response.body());
        for (JsonNode error : actual.path("errors")) {
            assertThat(error.path("code").asString()).as("error code in %s", body).isIn(SPEC_ERROR_CODES);
        }
        assertJsonMatches("errors/" + name + ".json", response.body());
    }

    /** Asserts that {@code actual} has the structure of {@code golden/<path>}. */
    public static void assertJsonMatches(String path, byte[] actual) {
        JsonNode golden = RegistryHttp.JSON.readTree(bytes(path));
        JsonNode node = RegistryHttp.JSON.readTree(actual);
        List<String> problems = new ArrayList<>();
        compare("$", golden, node, problems);
        assertThat(problems).as("%s against golden %s", new String(actual, StandardCharsets.UTF_8), path).isEmpty();
    }

    private static void compare(String where, JsonNode golden, JsonNode actual, List<String> problems) {
        if (golden.isString() && OPTIONAL.equals(golden.asString())) {
            return;
        }
        if (actual == null || actual.isMissingNode()) {
            problems.add(where + " is missing");
            return;
        }
        if (golden.isString() && ANY_STRING.equals(golden.asString())) {
            if (!actual.isString()) {
                problems.add(where + " should be a string, is " + actual);
            }
            return;
        }
        if (golden.isObject()) {
            if (!actual.isObject()) {
                problems.add(where + " should be an object, is " + actual);
                return;
            }
            Set<String> keys = new TreeSet<>();
            golden.propertyNames().forEach(keys::add);
            for (String key : keys) {
                compare(where + "." + key, golden.get(key), actual.get(key), problems);
            }
            for (Iterator<String> it = actual.propertyNames().iterator(); it.hasNext(); ) {
                String key = it.next();
                if (!keys.contains(key)) {
                    problems.add(where + "." + key + " is not in the golden file");
                }
            }
            return;
        }
        if (golden.isArray()) {
            if (!actual.isArray() || actual.size() != golden.size()) {
                problems.add(where + " should be an array of " + golden.size() + ", is " + actual);
                return;
            }
            for (int i = 0; i < golden.size(); i++) {
                compare(where + "[" + i + "]", golden.get(i), actual.get(i), problems);
            }
            return;
        }
        if (!golden.equals(actual)) {
            problems.add(where + " should be " + golden + ", is " + actual);
        }
    }
}
