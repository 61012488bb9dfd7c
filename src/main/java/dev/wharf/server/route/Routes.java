package dev.wharf.server.route;

import dev.wharf.oci.Digest;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The one parser of distribution API paths. Repository names contain {@code /}, so a path is
 * matched from its end: the last components say which endpoint it is, everything between
 * {@code /v2/} and them is the name. Names, digests, tags and upload ids are validated here,
 * before they reach storage or SQL.
 */
public final class Routes {

    /** Where the API lives. */
    public static final String PREFIX = "/v2/";

    private static final Pattern UUID_FORM =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private Routes() {
    }

    /**
     * Parses a raw (not decoded) request path.
     *
     * @return the route, or null when the path is not under {@code /v2}
     * @throws OciException {@code NAME_INVALID} or {@code DIGEST_INVALID} (400) for a malformed name
     *         or digest; 404 {@code MANIFEST_UNKNOWN} for a manifest reference that is neither a tag
     *         nor a digest; 404 {@code BLOB_UPLOAD_UNKNOWN} for a malformed upload id; 404
     *         {@code UNSUPPORTED} for a path under /v2 that is no endpoint
     */
    public static Route parse(String path) {
        if (path.equals("/v2") || path.equals(PREFIX)) {
            return new Route.Base();
        }
        if (!path.startsWith(PREFIX)) {
            return null;
        }
        String rest = path.substring(PREFIX.length());
        if (rest.equals("_catalog")) {
            return new Route.Catalog();
        }
        if (rest.indexOf('%') >= 0) {
            // nothing in the API is ever percent-encoded; refuse rather than guess
            throw unknownRoute(path);
        }
        if (rest.endsWith("/tags/list")) {
            return new Route.TagList(name(rest, rest.length() - "/tags/list".length()));
        }
        if (rest.endsWith("/blobs/uploads/") || rest.endsWith("/blobs/uploads")) {
            return new Route.UploadStart(name(rest, rest.lastIndexOf("/blobs/uploads")));
        }
        int last = rest.lastIndexOf('/');
        if (last <= 0) {
            throw unknownRoute(path);
        }
        String tail = rest.substring(last + 1);
        String head = rest.substring(0, last);
        if (head.endsWith("/blobs/uploads")) {
            RepositoryName name = name(head, head.length() - "/blobs/uploads".length());
            if (!UUID_FORM.matcher(tail).matches()) {
                throw new OciException(OciErrorCode.BLOB_UPLOAD_UNKNOWN, "unknown upload id: " + tail);
            }
            return new Route.Upload(name, UUID.fromString(tail));
        }
        if (head.endsWith("/manifests")) {
            RepositoryName name = name(head, head.length() - "/manifests".length());
            if (!Digest.looksLikeDigest(tail) && !Tag.isValid(tail)) {
                // no manifest can have this name; distribution answers 404 too
                throw new OciException(OciErrorCode.MANIFEST_UNKNOWN, "not a valid tag or digest: " + abbreviate(tail),
                        null);
            }
            return new Route.Manifest(name, Reference.parse(tail));
        }
        if (head.endsWith("/blobs")) {
            RepositoryName name = name(head, head.length() - "/blobs".length());
            return new Route.Blob(name, Digest.parse(tail));
        }
        if (head.endsWith("/referrers")) {
            RepositoryName name = name(head, head.length() - "/referrers".length());
            return new Route.Referrers(name, Digest.parse(tail));
        }
        throw unknownRoute(path);
    }

    private static RepositoryName name(String rest, int end) {
        if (end <= 0) {
            throw new OciException(OciErrorCode.NAME_INVALID, "missing repository name");
        }
        return RepositoryName.of(rest.substring(0, end));
    }

    private static OciException unknownRoute(String path) {
        return new OciException(OciErrorCode.UNSUPPORTED, 404, "no such API endpoint: " + abbreviate(path), null);
    }

    private static String abbreviate(String path) {
        return path.length() <= 120 ? path : path.substring(0, 117) + "...";
    }

    /** The path of a blob, as used in {@code Location} headers. */
    public static String blobPath(RepositoryName name, Digest digest) {
        return PREFIX + name + "/blobs/" + digest;
    }

    /** The path of a manifest. */
    public static String manifestPath(RepositoryName name, Reference reference) {
        return PREFIX + name + "/manifests/" + reference;
    }

    /** The path of an upload session. */
    public static String uploadPath(RepositoryName name, UUID id) {
        return PREFIX + name + "/blobs/uploads/" + id;
    }

    /**
     * The same route on another repository (a mirrored name read through its cache); routes
     * without a repository are returned as they are.
     */
    public static Route withRepository(Route route, RepositoryName name) {
        if (route instanceof Route.TagList) {
            return new Route.TagList(name);
        }
        if (route instanceof Route.Manifest r) {
            return new Route.Manifest(name, r.reference());
        }
        if (route instanceof Route.Blob r) {
            return new Route.Blob(name, r.digest());
        }
        if (route instanceof Route.UploadStart) {
            return new Route.UploadStart(name);
        }
        if (route instanceof Route.Upload r) {
            return new Route.Upload(name, r.id());
        }
        if (route instanceof Route.Referrers r) {
            return new Route.Referrers(name, r.digest());
        }
        return route;
    }
}
