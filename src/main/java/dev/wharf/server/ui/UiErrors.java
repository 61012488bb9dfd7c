package dev.wharf.server.ui;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.ModelAndView;

/**
 * The UI's errors as pages a person understands (the API's stay JSON): not found, no permission,
 * bad input, and faults, each with what to do next. A repository the viewer may not pull is "not
 * found", exactly like one that does not exist, so a page never confirms a private name.
 */
@ControllerAdvice(basePackageClasses = UiErrors.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class UiErrors {

    private static final Logger log = LoggerFactory.getLogger(UiErrors.class);

    private final UiModel common;

    UiErrors(UiModel common) {
        this.common = common;
    }

    /** A page that does not exist for this viewer. */
    static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message, null, false, false);
        }
    }

    /** Input a page cannot use. */
    static final class BadInput extends RuntimeException {
        BadInput(String message) {
            super(message, null, false, false);
        }
    }

    @ExceptionHandler(NotFound.class)
    ModelAndView notFound(NotFound e, HttpServletRequest request, HttpServletResponse response) {
        return page(request, response, 404, "Not found", e.getMessage());
    }

    @ExceptionHandler(BadInput.class)
    ModelAndView badInput(BadInput e, HttpServletRequest request, HttpServletResponse response) {
        return page(request, response, 400, "That did not work", e.getMessage());
    }

    @ExceptionHandler(OciException.class)
    ModelAndView oci(OciException e, HttpServletRequest request, HttpServletResponse response) {
        if (e.code() == OciErrorCode.NAME_UNKNOWN || e.code() == OciErrorCode.MANIFEST_UNKNOWN
                || e.code() == OciErrorCode.BLOB_UNKNOWN) {
            return page(request, response, 404, "Not found", e.getMessage());
        }
        if (e.code() == OciErrorCode.DENIED || e.code() == OciErrorCode.UNAUTHORIZED) {
            return page(request, response, 403, "Not allowed", e.getMessage());
        }
        int status = e.status() >= 400 && e.status() < 500 ? e.status() : 400;
        return page(request, response, status, "That did not work", e.getMessage());
    }

    @ExceptionHandler({MethodArgumentTypeMismatchException.class, MissingServletRequestParameterException.class,
            org.apache.tomcat.util.http.InvalidParameterException.class})
    ModelAndView badRequest(Exception e, HttpServletRequest request, HttpServletResponse response) {
        return page(request, response, 400, "That did not work", "The address or the form is missing something or has a "
                + "value this page cannot use.");
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ModelAndView method(HttpRequestMethodNotSupportedException e, HttpServletRequest request,
                        HttpServletResponse response) {
        return page(request, response, 405, "That did not work", "This page cannot be used that way.");
    }

    @ExceptionHandler(Exception.class)
    ModelAndView unexpected(Exception e, HttpServletRequest request, HttpServletResponse response) {
        if (isUnavailable(e)) {
            log.warn("{} {}: {}", request.getMethod(), request.getRequestURI(), e.toString());
            response.setHeader("Retry-After", "5");
            return page(request, response, 503, "Temporarily unavailable",
                    "Wharf cannot reach its database or storage right now. Try again in a moment.");
        }
        log.error("{} {} failed", request.getMethod(), request.getRequestURI(), e);
        return page(request, response, 500, "Something went wrong",
                "This is a fault in Wharf, not something you did. The server log has the details.");
    }

    private static boolean isUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.springframework.dao.DataAccessResourceFailureException
                    || t instanceof org.springframework.transaction.CannotCreateTransactionException
                    || t instanceof java.sql.SQLTransientConnectionException) {
                return true;
            }
        }
        return false;
    }

    private ModelAndView page(HttpServletRequest request, HttpServletResponse response, int status, String title,
                              String message) {
        ModelAndView mv = page(response, status, title, message);
        mv.addObject("viewer", common.viewer());
        mv.addObject("registry", common.registry(request));
        return mv;
    }

    /** The error page; the caller's model must hold what the layout needs (handlers get it from {@link UiModel}). */
    static ModelAndView page(HttpServletResponse response, int status, String title, String message) {
        response.setStatus(status);
        ModelAndView mv = new ModelAndView("ui/error");
        mv.addObject("status", status);
        mv.addObject("title", title);
        mv.addObject("message", message);
        return mv;
    }
}
