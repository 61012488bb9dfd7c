package dev.wharf.server.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.wharf.oci.OciException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place that turns an {@link OciException} into the spec's error response:
 * {@code {"errors":[{"code","message","detail"}]}} with the exception's status. Used by the MVC
 * advice and by filters that answer before MVC runs, so every error has the same shape.
 *
 * @see <a href="https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes">spec: Error Codes</a>
 */
@Component
public class ErrorResponses {

    /** The body of an error response. */
    public record Body(List<Error> errors) {
    }

    /** One error of a response body. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Error(String code, String message, Object detail) {
    }

    private final JsonMapper json;

    public ErrorResponses(JsonMapper json) {
        this.json = json;
    }

    public static Body body(OciException e) {
        return new Body(List.of(new Error(e.code().name(), e.getMessage(), e.detail())));
    }

    /** The body for a server fault; {@code UNKNOWN} is what distribution answers with. */
    public static Body internal(String message) {
        return new Body(List.of(new Error("UNKNOWN", message, null)));
    }

    /**
     * The body for a dependency that is down (database, object store): {@code UNAVAILABLE}, the
     * code distribution answers 503 with.
     */
    public static Body unavailable(String message) {
        return new Body(List.of(new Error("UNAVAILABLE", message, null)));
    }

    /** The response for {@code e}; HEAD requests get the status and headers without a body. */
    public ResponseEntity<Object> response(HttpServletRequest request, OciException e) {
        return response(request, e, HttpHeaders.EMPTY);
    }

    public ResponseEntity<Object> response(HttpServletRequest request, OciException e, HttpHeaders headers) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(e.status()).headers(headers);
        e.headers().forEach(builder::header);
        if ("HEAD".equals(request.getMethod())) {
            return builder.build();
        }
        return builder.contentType(MediaType.APPLICATION_JSON).body(body(e));
    }

    /** A 503 with {@code Retry-After} and the {@code UNAVAILABLE} body; HEAD gets no body. */
    public static ResponseEntity<Object> unavailableResponse(HttpServletRequest request, String message) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(HttpServletResponse.SC_SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, Integer.toString(Unavailability.RETRY_AFTER_SECONDS));
        if ("HEAD".equals(request.getMethod())) {
            return builder.build();
        }
        return builder.contentType(MediaType.APPLICATION_JSON).body(unavailable(message));
    }

    /** Writes a 503 with {@code Retry-After} and the {@code UNAVAILABLE} body, outside Spring MVC. */
    public void writeUnavailable(HttpServletRequest request, HttpServletResponse response, String message)
            throws IOException {
        response.setHeader(HttpHeaders.RETRY_AFTER, Integer.toString(Unavailability.RETRY_AFTER_SECONDS));
        writeBody(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, unavailable(message));
    }

    /** Writes a 500 with the {@code UNKNOWN} body (no internals), outside Spring MVC. */
    public void writeInternal(HttpServletRequest request, HttpServletResponse response) throws IOException {
        writeBody(request, response, HttpServletResponse.SC_INTERNAL_SERVER_ERROR,
                internal("internal server error; the registry log has the details"));
    }

    private void writeBody(HttpServletRequest request, HttpServletResponse response, int status, Body body)
            throws IOException {
        response.setStatus(status);
        if ("HEAD".equals(request.getMethod())) {
            return;
        }
        byte[] bytes = json.writeValueAsBytes(body);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** Writes the response for {@code e} directly, for code that runs outside Spring MVC. */
    public void write(HttpServletRequest request, HttpServletResponse response, OciException e) throws IOException {
        response.setStatus(e.status());
        e.headers().forEach(response::setHeader);
        if ("HEAD".equals(request.getMethod())) {
            return;
        }
        byte[] bytes = json.writeValueAsBytes(body(e));
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
