package dev.wharf.server.route;

import dev.wharf.oci.Digest;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import java.util.UUID;

/**
 * A request path of the distribution API, parsed once by {@link Routes#parse(String)}. Every route
 * names the repository it touches (or none), which is what access control decides on.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#endpoints">spec: Endpoints</a>
 */
public sealed interface Route {

    /** The request attribute that holds the parsed route of a {@code /v2} request. */
    String REQUEST_ATTRIBUTE = "dev.wharf.server.route.Route";

    /** The repository this route touches; null for {@link Base} and {@link Catalog}. */
    RepositoryName repository();

    /** The route's path pattern, as a request mapping would name it (the {@code uri} tag of request metrics). */
    String pattern();

    /** {@code /v2/} (end-1). */
    record Base() implements Route {
        @Override
        public String pattern() {
            return "/v2/";
        }

        @Override
        public RepositoryName repository() {
            return null;
        }
    }

    /** {@code /v2/_catalog}. */
    record Catalog() implements Route {
        @Override
        public String pattern() {
            return "/v2/_catalog";
        }

        @Override
        public RepositoryName repository() {
            return null;
        }
    }

    /** {@code /v2/<name>/tags/list} (end-8). */
    record TagList(RepositoryName repository) implements Route {
        @Override
        public String pattern() {
            return "/v2/{name}/tags/list";
        }
    }

    /** {@code /v2/<name>/manifests/<reference>} (end-3, end-7, end-9). */
    record Manifest(RepositoryName repository, Reference reference) implements Route {
        @Override
        public String pattern() {
            return "/v2/{name}/manifests/{reference}";
        }
    }

    /** {@code /v2/<name>/blobs/<digest>} (end-2, end-10). */
    record Blob(RepositoryName repository, Digest digest) implements Route {
        @Override
        public String pattern() {
            return "/v2/{name}/blobs/{digest}";
        }
    }

    /** {@code /v2/<name>/blobs/uploads/} (end-4, end-11). */
    record UploadStart(RepositoryName repository) implements Route {
        @Override
        public String pattern() {
            return "/v2/{name}/blobs/uploads/";
        }
    }

    /** {@code /v2/<name>/blobs/uploads/<id>} (end-5, end-6, end-13, end-14). */
    record Upload(RepositoryName repository, UUID id) implements Route {
        @Override
        public String pattern() {
            return "/v2/{name}/blobs/uploads/{uuid}";
        }
    }

    /** {@code /v2/<name>/referrers/<digest>} (end-12). */
    record Referrers(RepositoryName repository, Digest digest) implements Route {
        @Override
        public String pattern() {
            return "/v2/{name}/referrers/{digest}";
        }
    }
}
