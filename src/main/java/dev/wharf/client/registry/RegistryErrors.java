package dev.wharf.client.registry;

import dev.wharf.oci.OciErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place where an unexpected HTTP status becomes a typed {@link RegistryException}. The
 * spec's error body ({@code {"errors":[{"code","message","detail"}]}}) supplies the
 * {@link OciErrorCode} and the registry's own words when present.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes">spec: Error Codes</a>
 */
public final class RegistryErrors {

    private static final JsonMapper JSON = Json.MAPPER;

    private RegistryErrors() {
    }

    /** The first error of a spec error body. */
    public record ErrorBody(OciErrorCode code, String codeName, String message) {
    }

    /**
     * Maps a status.
     *
     * @param status   the HTTP status
     * @param body     the (possibly empty) body
     * @param range    the {@code Range} header, for 416
     * @param what     what was asked for, e.g. {@code manifest 127.0.0.1:5000/app:1}
     * @param registry the registry's host[:port], for the login hint
     */
    public static RegistryException map(int status, byte[] body, String range, String what, String registry) {
        ErrorBody error = parse(body).orElse(null);
        OciErrorCode code = error == null ? null : error.code();
        String said = error == null ? "" : describe(error);
        return switch (status) {
            case 401 -> new RegistryException.AuthenticationRequired(registry,
                    "authentication required: run `wharf login " + registry + "`" + (said.isEmpty() ? "" : " (" + said + ")"),
                    code);
            case 403 -> new RegistryException.Denied("access denied to " + what
                    + (said.isEmpty() ? "" : " (" + said + ")") + ": the credentials for " + registry
                    + " do not allow this; run `wharf login " + registry + "` as a user who may", code);
            case 404 -> new RegistryException.NotFound(notFound(what, code) + (said.isEmpty() ? "" : " (" + said + ")"), code);
            case 429 -> new RegistryException.Unavailable("too many requests to " + registry + " for " + what
                    + (said.isEmpty() ? "" : " (" + said + ")"), status, code, null);
            default -> {
                if (status >= 500) {
                    yield new RegistryException.Unavailable(registry + " failed with " + status + " for " + what
                            + (said.isEmpty() ? "" : " (" + said + ")"), status, code, null);
                }
                yield new RegistryException.Rejected(registry + " refused " + what + " with " + status
                        + (said.isEmpty() ? "" : ": " + said), status, code, range);
            }
        };
    }

    private static String notFound(String what, OciErrorCode code) {
        if (code == OciErrorCode.NAME_UNKNOWN) {
            return "not found: " + what + " (the repository does not exist)";
        }
        return "not found: " + what;
    }

    private static String describe(ErrorBody error) {
        String message = error.message() == null || error.message().isBlank() ? "" : ": " + error.message();
        return error.codeName() + message;
    }

    /** The first error of a spec error body; empty when the body is not one. */
    public static Optional<ErrorBody> parse(byte[] body) {
        if (body == null || body.length == 0) {
            return Optional.empty();
        }
        try {
            JsonNode errors = JSON.readTree(body).get("errors");
            if (errors == null || !errors.isArray() || errors.isEmpty()) {
                return Optional.empty();
            }
            JsonNode first = errors.get(0);
            String name = first.path("code").asString("");
            String message = first.path("message").asString("");
            return Optional.of(new ErrorBody(OciErrorCode.fromName(name), name, message));
        } catch (RuntimeException e) {
            String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(new ErrorBody(null, "", text));
        }
    }

    /** True for statuses worth another attempt: 429, 500, 502, 503, 504. */
    public static boolean transientStatus(int status) {
        return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    }
}
