package dev.wharf.server.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.oci.Digest;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The route table, in the manner of distribution's routes_test.go. */
class RoutesTests {

    private static final String D = "sha256:" + "c".repeat(64);
    private static final String U = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

    private static RepositoryName n(String name) {
        return RepositoryName.of(name);
    }

    static Stream<Arguments> routes() {
        return Stream.of(
                Arguments.of("/v2/", new Route.Base()),
                Arguments.of("/v2", new Route.Base()),
                Arguments.of("/v2/_catalog", new Route.Catalog()),
                Arguments.of("/v2/foo/tags/list", new Route.TagList(n("foo"))),
                Arguments.of("/v2/foo/bar/tags/list", new Route.TagList(n("foo/bar"))),
                // names may contain the words the API uses
                Arguments.of("/v2/tags/tags/list", new Route.TagList(n("tags"))),
                Arguments.of("/v2/foo/blobs/bar/tags/list", new Route.TagList(n("foo/blobs/bar"))),
                Arguments.of("/v2/foo/manifests/latest", new Route.Manifest(n("foo"), new Tag("latest"))),
                Arguments.of("/v2/a/b/c/manifests/" + D, new Route.Manifest(n("a/b/c"), Reference.parse(D))),
                Arguments.of("/v2/manifests/manifests/manifests", new Route.Manifest(n("manifests"), new Tag("manifests"))),
                Arguments.of("/v2/a/manifests/b/manifests/v1", new Route.Manifest(n("a/manifests/b"), new Tag("v1"))),
                Arguments.of("/v2/foo/blobs/" + D, new Route.Blob(n("foo"), Digest.parse(D))),
                Arguments.of("/v2/foo/blobs/uploads/", new Route.UploadStart(n("foo"))),
                Arguments.of("/v2/foo/blobs/uploads", new Route.UploadStart(n("foo"))),
                Arguments.of("/v2/foo/bar/blobs/uploads/" + U, new Route.Upload(n("foo/bar"), UUID.fromString(U))),
                Arguments.of("/v2/blobs/uploads/blobs/uploads/", new Route.UploadStart(n("blobs/uploads"))),
                Arguments.of("/v2/foo/referrers/" + D, new Route.Referrers(n("foo"), Digest.parse(D))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void parsesEveryEndpoint(String path, Route expected) {
        assertThat(Routes.parse(path)).isEqualTo(expected);
    }

    static Stream<Arguments> badPaths() {
        return Stream.of(
                Arguments.of("/v2/Foo/tags/list", OciErrorCode.NAME_INVALID, 400),
                Arguments.of("/v2/a//b/tags/list", OciErrorCode.NAME_INVALID, 400),
                Arguments.of("/v2/../tags/list", OciErrorCode.NAME_INVALID, 400),
                Arguments.of("/v2/a/../b/blobs/" + D, OciErrorCode.NAME_INVALID, 400),
                Arguments.of("/v2/" + "a".repeat(256) + "/tags/list", OciErrorCode.NAME_INVALID, 400),
                Arguments.of("/v2/foo/blobs/sha256:abc", OciErrorCode.DIGEST_INVALID, 400),
                Arguments.of("/v2/foo/blobs/md5:d41d8cd98f00b204e9800998ecf8427e", OciErrorCode.DIGEST_INVALID, 400),
                Arguments.of("/v2/foo/referrers/notadigest", OciErrorCode.DIGEST_INVALID, 400),
                Arguments.of("/v2/foo/manifests/sha256:XYZ", OciErrorCode.DIGEST_INVALID, 400),
                Arguments.of("/v2/foo/manifests/.INVALID_MANIFEST_NAME", OciErrorCode.MANIFEST_UNKNOWN, 404),
                Arguments.of("/v2/foo/blobs/uploads/not-a-uuid", OciErrorCode.BLOB_UPLOAD_UNKNOWN, 404),
                Arguments.of("/v2/foo", OciErrorCode.UNSUPPORTED, 404),
                Arguments.of("/v2/foo/bar", OciErrorCode.UNSUPPORTED, 404),
                Arguments.of("/v2/foo/manifests/", OciErrorCode.MANIFEST_UNKNOWN, 404),
                Arguments.of("/v2/foo%2Fbar/tags/list", OciErrorCode.UNSUPPORTED, 404),
                Arguments.of("/v2/tags/list", OciErrorCode.UNSUPPORTED, 404));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPaths")
    void rejectsMalformedPathsWithTheSpecCode(String path, OciErrorCode code, int status) {
        assertThatThrownBy(() -> Routes.parse(path)).isInstanceOfSatisfying(OciException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.status()).isEqualTo(status);
        });
    }

    @Test
    void pathsOutsideTheApiAreNotRoutes() {
        assertThat(Routes.parse("/actuator/health")).isNull();
        assertThat(Routes.parse("/v20/")).isNull();
    }

    @Test
    void routesNameTheRepositoryTheyTouch() {
        assertThat(Routes.parse("/v2/team/app/blobs/uploads/").repository()).isEqualTo(n("team/app"));
        assertThat(Routes.parse("/v2/_catalog").repository()).isNull();
    }

    @Test
    void locationsAreBuiltFromTheSameGrammar() {
        assertThat(Routes.blobPath(n("a/b"), Digest.parse(D))).isEqualTo("/v2/a/b/blobs/" + D);
        assertThat(Routes.uploadPath(n("a"), UUID.fromString(U))).isEqualTo("/v2/a/blobs/uploads/" + U);
        assertThat(Routes.manifestPath(n("a"), new Tag("v1"))).isEqualTo("/v2/a/manifests/v1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("patterns")
    void eachRouteKindNamesItsPathPattern(String path, String pattern) {
        assertThat(Routes.parse(path).pattern()).isEqualTo(pattern);
    }

    static Stream<Arguments> patterns() {
        return Stream.of(
                Arguments.of("/v2/", "/v2/"),
                Arguments.of("/v2/_catalog", "/v2/_catalog"),
                Arguments.of("/v2/a/b/tags/list", "/v2/{name}/tags/list"),
                Arguments.of("/v2/a/b/manifests/latest", "/v2/{name}/manifests/{reference}"),
                Arguments.of("/v2/a/b/blobs/sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "/v2/{name}/blobs/{digest}"),
                Arguments.of("/v2/a/b/blobs/uploads/", "/v2/{name}/blobs/uploads/"),
                Arguments.of("/v2/a/b/blobs/uploads/" + UUID.randomUUID(), "/v2/{name}/blobs/uploads/{uuid}"),
                Arguments.of("/v2/a/b/referrers/sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "/v2/{name}/referrers/{digest}"));
    }
}
