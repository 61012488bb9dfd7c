package dev.wharf.oci;

/**
 * The error codes of the OCI Distribution Specification, each with the HTTP status a registry
 * answers with by default.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes">spec: Error Codes</a>
 */
public enum OciErrorCode {
    BLOB_UNKNOWN(404, "blob unknown to registry"),
    BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
    BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
    DIGEST_INVALID(400, "provided digest did not match uploaded content"),
    MANIFEST_BLOB_UNKNOWN(400, "manifest references a manifest or blob unknown to registry"),
    MANIFEST_INVALID(400, "manifest invalid"),
    MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
    NAME_INVALID(400, "invalid repository name"),
    NAME_UNKNOWN(404, "repository name not known to registry"),
    SIZE_INVALID(400, "provided length did not match content length"),
    UNAUTHORIZED(401, "authentication required"),
    DENIED(403, "requested access to the resource is denied"),
    UNSUPPORTED(405, "the operation is unsupported"),
    TOOMANYREQUESTS(429, "too many requests");

    private final int status;
    private final String description;

    OciErrorCode(int status, String description) {
        this.status = status;
        this.description = description;
    }

    /** The HTTP status this code is answered with unless a caller chooses another. */
    public int status() {
        return status;
    }

    /** The spec's one-line description, used when no more specific message is given. */
    public String description() {
        return description;
    }

    /** Looks a code up by its wire name; unknown names (other registries' extensions) give null. */
    public static OciErrorCode fromName(String name) {
        for (OciErrorCode code : values()) {
            if (code.name().equals(name)) {
                return code;
            }
        }
        return null;
    }
}
