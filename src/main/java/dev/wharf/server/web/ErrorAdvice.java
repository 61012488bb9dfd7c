package dev.wharf.server.web;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.catalina.connector.ClientAbortException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Turns every exception a handler throws into the spec's error response, through
 * {@link ErrorResponses}. Client mistakes are 4xx with a spec code; anything unexpected is logged
 * and answered with 500 {@code UNKNOWN}, without internals in the body.
 */
@RestControllerAdvice
public class ErrorAdvice {

    private static final Logger log = LoggerFactory.getLogger(ErrorAdvice.class);

    private final ErrorResponses errors;

    public ErrorAdvice(ErrorResponses errors) {
        this.errors = errors;
    }

    @ExceptionHandler(OciException.class)
    ResponseEntity<Object> oci(HttpServletRequest request, OciException e) {
        return errors.response(request, e);
    }

    @ExceptionHandler(DependencyUnavailableException.class)
    ResponseEntity<Object> dependencyUnavailable(HttpServletRequest request, DependencyUnavailableException e) {
        log.info("{} {}: {}", request.getMethod(), request.getRequestURI(), e.getMessage());
        return ErrorResponses.unavailableResponse(request, e.getMessage());
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<Object> methodNotAllowed(HttpServletRequest request, HttpRequestMethodNotSupportedException e) {
        HttpHeaders headers = new HttpHeaders();
        if (e.getSupportedHttpMethods() != null) {
            headers.setAllow(e.getSupportedHttpMethods());
        }
        return errors.response(request, new OciException(OciErrorCode.UNSUPPORTED,
                request.getMethod() + " is not supported here"), headers);
    }

    /** A path nothing serves (static files are only under {@code /ui/**}, so most land here). */
    @ExceptionHandler({NoResourceFoundException.class, NoHandlerFoundException.class})
    ResponseEntity<Object> notFound(HttpServletRequest request, Exception e) {
        return errors.response(request, new OciException(OciErrorCode.UNSUPPORTED, 404,
                "not found: " + request.getRequestURI(), null));
    }

    /** Malformed JSON, missing or mistyped parameters (the management API): 400, never 500. */
    @ExceptionHandler({HttpMessageNotReadableException.class, MethodArgumentTypeMismatchException.class,
            MissingServletRequestParameterException.class})
    ResponseEntity<Object> badRequest(HttpServletRequest request, Exception e) {
        String message = e instanceof HttpMessageNotReadableException
                ? "the request body is not the JSON this endpoint takes" : "invalid request parameters";
        return errors.response(request, new OciException(OciErrorCode.UNSUPPORTED, 400, message, null));
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<Object> unsupportedMediaType(HttpServletRequest request, HttpMediaTypeNotSupportedException e) {
        return errors.response(request, new OciException(OciErrorCode.UNSUPPORTED, 415,
                "unsupported Content-Type; this endpoint takes application/json", null));
    }

    @ExceptionHandler(RequestBodyException.class)
    ResponseEntity<Object> badBody(HttpServletRequest request, RequestBodyException e) {
        return errors.response(request, new OciException(OciErrorCode.BLOB_UPLOAD_INVALID, e.getMessage()));
    }

    @ExceptionHandler(ClientAbortException.class)
    ResponseEntity<Object> clientGone(HttpServletRequest request, ClientAbortException e) {
        log.debug("client went away during {} {}: {}", request.getMethod(), request.getRequestURI(), e.toString());
        return null;
    }

    /**
     * A dependency that is down is 503; anything else unexpected is 500. When the answer has started
     * already (a download whose store broke off), no error can be written: the exception goes on to
     * {@link FaultBarrierFilter}, and the connection is closed so the client sees a cut transfer.
     */
    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(HttpServletRequest request, HttpServletResponse response, Exception e)
            throws Exception {
        if (response.isCommitted()) {
            throw e;
        }
        var unavailable = Unavailability.of(e);
        // a store connection reset looks like a client going away; the store's failure is checked first
        if (unavailable.isEmpty() && e instanceof IOException && isClientDisconnect(e)) {
            log.debug("client went away during {} {}: {}", request.getMethod(), request.getRequestURI(), e.toString());
            return null;
        }
        if (unavailable.isPresent()) {
            log.warn("{} {}: {} ({})", request.getMethod(), request.getRequestURI(), unavailable.get(),
                    FaultBarrierFilter.rootCause(e));
            return ErrorResponses.unavailableResponse(request, unavailable.get());
        }
        log.error("{} {} failed", request.getMethod(), request.getRequestURI(), e);
        var builder = ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR);
        if ("HEAD".equals(request.getMethod())) {
            return builder.build();
        }
        return builder.contentType(MediaType.APPLICATION_JSON)
                .body(ErrorResponses.internal("internal server error; the registry log has the details"));
    }

    static boolean isClientDisconnect(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ClientAbortException) {
                return true;
            }
            String m = t.getMessage();
            if (m != null && (m.contains("Broken pipe") || m.contains("Connection reset by peer"))) {
                return true;
            }
        }
        return false;
    }
}
