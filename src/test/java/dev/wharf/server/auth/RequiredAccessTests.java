package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.server.route.Routes;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What each registry request needs, and the scope its challenge names: the whole table. */
class RequiredAccessTests {

    private static final String D = "sha256:" + "a".repeat(64);
    private static final String U = "3f1b6c1e-7d7a-4a8e-9f0e-1a2b3c4d5e6f";

    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of("GET", "/v2/", null),
                Arguments.of("HEAD", "/v2", null),
                Arguments.of("GET", "/v2/_catalog", "registry:catalog:*"),
                Arguments.of("GET", "/v2/a/b/tags/list", "repository:a/b:pull"),
                Arguments.of("GET", "/v2/a/b/manifests/latest", "repository:a/b:pull"),
                Arguments.of("HEAD", "/v2/a/b/manifests/" + D, "repository:a/b:pull"),
                Arguments.of("PUT", "/v2/a/b/manifests/latest", "repository:a/b:pull,push"),
                Arguments.of("DELETE", "/v2/a/b/manifests/" + D, "repository:a/b:delete"),
                Arguments.of("GET", "/v2/a/b/blobs/" + D, "repository:a/b:pull"),
                Arguments.of("HEAD", "/v2/a/b/blobs/" + D, "repository:a/b:pull"),
                Arguments.of("DELETE", "/v2/a/b/blobs/" + D, "repository:a/b:delete"),
                Arguments.of("POST", "/v2/a/b/blobs/uploads/", "repository:a/b:pull,push"),
                Arguments.of("PATCH", "/v2/a/b/blobs/uploads/" + U, "repository:a/b:pull,push"),
                Arguments.of("PUT", "/v2/a/b/blobs/uploads/" + U, "repository:a/b:pull,push"),
                Arguments.of("GET", "/v2/a/b/blobs/uploads/" + U, "repository:a/b:pull"),
                Arguments.of("DELETE", "/v2/a/b/blobs/uploads/" + U, "repository:a/b:pull,push"),
                Arguments.of("GET", "/v2/a/b/referrers/" + D, "repository:a/b:pull"),
                // methods an endpoint does not support need what a write needs, then get their 405
                Arguments.of("POST", "/v2/a/b/tags/list", "repository:a/b:pull,push"),
                Arguments.of("OPTIONS", "/v2/a/b/manifests/latest", "repository:a/b:pull,push"));
    }

    @ParameterizedTest(name = "{0} {1} needs {2}")
    @MethodSource("table")
    void requestNeedsTheseActions(String method, String path, String scope) {
        RequiredAccess required = RequiredAccess.of(Routes.parse(path), method);
        assertThat(RequiredAccess.scope(required)).isEqualTo(scope);
        if (scope == null) {
            assertThat(required).isInstanceOf(RequiredAccess.Authenticated.class);
        }
    }
}
