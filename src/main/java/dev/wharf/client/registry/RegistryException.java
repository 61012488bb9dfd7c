package dev.wharf.client.registry;

import dev.wharf.oci.OciErrorCode;

/**
 * A registry operation that failed, typed by what the caller can do about it. Statuses become
 * these exceptions in one place ({@link RegistryErrors}); the CLI turns each kind into its exit
 * code and a hint.
 */
public sealed class RegistryException extends RuntimeException {

    private final int status;
    private final OciErrorCode code;

    RegistryException(String message, int status, OciErrorCode code, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
    }

    /** The HTTP status, or 0 when no response was received. */
    public int status() {
        return status;
    }

    /** The spec error code the registry sent, or null when it sent none we know. */
    public OciErrorCode code() {
        return code;
    }

    /** 401: the registry wants (other) credentials. */
    public static final class AuthenticationRequired extends RegistryException {
        private final String registry;

        public AuthenticationRequired(String registry, String message, OciErrorCode code) {
            super(message, 401, code, null);
            this.registry = registry;
        }

        /** The registry to log in to. */
        public String registry() {
            return registry;
        }
    }

    /** 403: the credentials are good but do not allow this. */
    public static final class Denied extends RegistryException {
        public Denied(String message, OciErrorCode code) {
            super(message, 403, code, null);
        }
    }

    /** 404: the manifest, blob, repository or upload asked for does not exist. */
    public static final class NotFound extends RegistryException {
        public NotFound(String message, OciErrorCode code) {
            super(message, 404, code, null);
        }
    }

    /**
     * The registry could not be reached or kept failing (connection refused or cut, timeouts,
     * 5xx and 429 after the retries ran out).
     */
    public static final class Unavailable extends RegistryException {
        public Unavailable(String message, int status, Throwable cause) {
            super(message, status, null, cause);
        }

        public Unavailable(String message, int status, OciErrorCode code, Throwable cause) {
            super(message, status, code, cause);
        }
    }

    /** Content did not match its digest or announced size: nothing built on it was kept. */
    public static final class IntegrityFailure extends RegistryException {
        public IntegrityFailure(String message) {
            super(message, 0, OciErrorCode.DIGEST_INVALID, null);
        }
    }

    /** The registry refused the request for another reason (400, 405, 413, 416...). */
    public static final class Rejected extends RegistryException {
        private final String range;

        public Rejected(String message, int status, OciErrorCode code, String range) {
            super(message, status, code, null);
            this.range = range;
        }

        /** The {@code Range} header of a 416 on an upload: where the session stands; else null. */
        public String range() {
            return range;
        }
    }

    /** The registry answered something the protocol does not allow (a malformed manifest, a bad header). */
    public static final class ProtocolError extends RegistryException {
        public ProtocolError(String message, Throwable cause) {
            super(message, 0, null, cause);
        }
    }
}
