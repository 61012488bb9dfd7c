package dev.wharf.server.api;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.blob.BlobEndpoints;
import dev.wharf.server.catalog.CatalogEndpoint;
import dev.wharf.server.manifest.ManifestEndpoints;
import dev.wharf.server.proxy.PullThrough;
import dev.wharf.server.referrers.ReferrersEndpoint;
import dev.wharf.server.route.Route;
import dev.wharf.server.route.Routes;
import dev.wharf.server.tag.TagListEndpoint;
import dev.wharf.server.upload.UploadEndpoints;
import dev.wharf.server.web.QueryParams;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The OCI distribution API under {@code /v2}: takes the {@link Route} the {@link RouteFilter}
 * parsed and hands the request to the feature that serves it. Method checks live here, so every
 * endpoint answers an unsupported method the same way (405 {@code UNSUPPORTED}). Access has been
 * checked before a request gets here (see {@code dev.wharf.server.auth}); the policy is asked again
 * only for what a route alone does not say: the source of a mount and the catalog's entries.
 * Reads of manifests and blobs in a pull-through cache's namespace go to {@link PullThrough},
 * and writes there (but deletes) are refused: caches are read-only.
 */
@RestController
public class DistributionApi {

    private final BlobEndpoints blobs;
    private final UploadEndpoints uploads;
    private final ManifestEndpoints manifests;
    private final TagListEndpoint tags;
    private final ReferrersEndpoint referrers;
    private final CatalogEndpoint catalog;
    private final AccessPolicy access;
    private final PullThrough proxy;

    public DistributionApi(BlobEndpoints blobs, UploadEndpoints uploads, ManifestEndpoints manifests,
                           TagListEndpoint tags, ReferrersEndpoint referrers, CatalogEndpoint catalog,
                           AccessPolicy access, PullThrough proxy) {
        this.access = access;
        this.proxy = proxy;
        this.blobs = blobs;
        this.uploads = uploads;
        this.manifests = manifests;
        this.tags = tags;
        this.referrers = referrers;
        this.catalog = catalog;
    }

    @RequestMapping({"/v2", "/v2/", "/v2/**"})
    public ResponseEntity<?> handle(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Route route = RouteFilter.route(request);
        if (route == null) {
            route = Routes.parse(request.getRequestURI());
        }
        if (route == null) {
            // e.g. a percent-encoded "/v2": nothing in the API is ever encoded
            throw new OciException(OciErrorCode.UNSUPPORTED, 404, "no such API endpoint", null);
        }
        String method = request.getMethod();
        if (route instanceof Route.Base) {
            allow(method, "GET", "HEAD");
            return ResponseEntity.ok().header("Content-Type", "application/json").body(Map.of());
        }
        boolean cached = route.repository() != null && proxy.serves(route.repository());
        if (route instanceof Route.Blob r) {
            switch (allow(method, "GET", "HEAD", "DELETE")) {
                case "DELETE":
                    return blobs.delete(r.repository(), r.digest());
                default:
                    if (cached) {
                        proxy.blob(r.repository(), r.digest(), request, response);
                    } else {
                        blobs.get(r.repository(), r.digest(), request, response);
                    }
                    return null;
            }
        }
        if (route instanceof Route.UploadStart r) {
            allow(method, "POST");
            if (cached) {
                throw proxy.readOnly(r.repository());
            }
            return uploads.post(r.repository(), request, access::mayPull);
        }
        if (route instanceof Route.Upload r) {
            String m = allow(method, "GET", "PATCH", "PUT", "DELETE");
            if (cached) {
                throw proxy.readOnly(r.repository());
            }
            return switch (m) {
                case "PATCH" -> uploads.patch(r.repository(), r.id(), request);
                case "PUT" -> uploads.put(r.repository(), r.id(), request);
                case "DELETE" -> uploads.cancel(r.repository(), r.id());
                default -> uploads.status(r.repository(), r.id());
            };
        }
        if (route instanceof Route.Manifest r) {
            String m = allow(method, "GET", "HEAD", "PUT", "DELETE");
            if (cached && !"DELETE".equals(m)) {
                if ("PUT".equals(m)) {
                    throw proxy.readOnly(r.repository());
                }
                return proxy.manifest(r.repository(), r.reference(), request);
            }
            return switch (m) {
                case "PUT" -> manifests.put(r.repository(), r.reference(), request);
                case "DELETE" -> manifests.delete(r.repository(), r.reference());
                default -> manifests.get(r.repository(), r.reference(), request);
            };
        }
        QueryParams query = QueryParams.of(request);
        if (route instanceof Route.TagList r) {
            allow(method, "GET", "HEAD");
            return tags.list(r.repository(), query.get("n"), query.get("last"));
        }
        if (route instanceof Route.Referrers r) {
            allow(method, "GET", "HEAD");
            return referrers.list(r.repository(), r.digest(), query.get("artifactType"), query.get("last"));
        }
        if (route instanceof Route.Catalog) {
            allow(method, "GET", "HEAD");
            return catalog.list(query.get("n"), query.get("last"), access.catalogFilter());
        }
        throw new IllegalStateException("route without a handler: " + route);
    }

    /** Returns {@code method} when it is one of {@code allowed}; otherwise 405 with an Allow header. */
    private static String allow(String method, String... allowed) {
        for (String a : allowed) {
            if (a.equals(method)) {
                return method;
            }
        }
        throw new OciException(OciErrorCode.UNSUPPORTED, method + " is not supported on this endpoint")
                .withHeader("Allow", String.join(", ", allowed));
    }
}
