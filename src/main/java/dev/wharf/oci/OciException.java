package dev.wharf.oci;

/**
 * A failure that has a place in the OCI error model: a spec error code, the HTTP status to answer
 * with, a human message and optional structured detail. Thrown by validation and by server services;
 * the server turns it into the spec's {@code {"errors":[...]}} body in exactly one place.
 */
public class OciException extends RuntimeException {

    private final OciErrorCode code;
    private final int status;
    private final transient Object detail;
    private final java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();

    public OciException(OciErrorCode code, String message) {
        this(code, code.status(), message, null);
    }

    public OciException(OciErrorCode code, String message, Object detail) {
        this(code, code.status(), message, detail);
    }

    public OciException(OciErrorCode code, int status, String message, Object detail) {
        super(message == null ? code.description() : message);
        this.code = code;
        this.status = status;
        this.detail = detail;
    }

    public OciErrorCode code() {
        return code;
    }

    /** The HTTP status to answer with: the code's default unless the thrower chose another. */
    public int status() {
        return status;
    }

    /**
     * Adds a response header the error needs, e.g. {@code Range} on a 416 or {@code Retry-After} on
     * a 429.
     */
    public OciException withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /** Response headers that go with this error. */
    public java.util.Map<String, String> headers() {
        return java.util.Collections.unmodifiableMap(headers);
    }

    /** Structured detail for the error body (JSON-serialisable), or null. */
    public Object detail() {
        return detail;
    }
}
