package dev.wharf.server.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat's error report in the spec's error format. Tomcat answers requests it refuses before any
 * servlet runs ({@code %2F} or {@code %00} in the path, a {@code \}, headers beyond
 * {@code server.max-http-request-header-size}, a bad or repeated {@code Content-Length}) through
 * the host's error report valve; the stock one writes HTML. This one writes
 * {@code {"errors":[{"code","message"}]}} as {@code application/json} with the status Tomcat chose,
 * and never Tomcat's own message (it may echo the request) or a stack trace.
 */
public final class JsonErrorReportValve extends ErrorReportValve {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        byte[] body = JSON.writeValueAsBytes(body(status));
        try {
            response.setContentType("application/json");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            response.setContentLength(body.length);
            if (!"HEAD".equals(request.getMethod())) {
                response.getOutputStream().write(body);
            }
            response.finishResponse();
        } catch (IOException | IllegalStateException e) {
            // the client is gone or the response cannot be written any more; nothing to report to
        }
    }

    /** The error body Wharf answers {@code status} with when no handler had a better one. */
    static ErrorResponses.Body body(int status) {
        String code = switch (status) {
            case 401 -> "UNAUTHORIZED";
            case 403 -> "DENIED";
            case 429 -> "TOOMANYREQUESTS";
            default -> status >= 500 ? "UNKNOWN" : "UNSUPPORTED";
        };
        return new ErrorResponses.Body(java.util.List.of(new ErrorResponses.Error(code, message(status), null)));
    }

    private static String message(int status) {
        return switch (status) {
            case 400 -> "malformed request";
            case 401 -> "authentication required";
            case 403 -> "access denied";
            case 404 -> "not found";
            case 405 -> "method not allowed";
            case 408 -> "the request was not received in time";
            case 411 -> "Content-Length required";
            case 413 -> "request too large";
            case 414 -> "request target too long";
            case 417 -> "expectation failed";
            case 431 -> "request headers too large";
            case 501 -> "not implemented";
            case 503 -> "service unavailable";
            case 505 -> "HTTP version not supported";
            default -> status >= 500 ? "internal server error; the registry log has the details" : "request refused";
        };
    }
}
