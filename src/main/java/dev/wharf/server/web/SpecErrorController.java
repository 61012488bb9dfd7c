package dev.wharf.server.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Boot's error page ({@code /error}, where the container forwards exceptions that escape filters)
 * in the spec's error format, replacing Boot's own JSON. Requested directly, {@code /error} is a
 * path like any other that does not exist: 404.
 */
@RestController
class SpecErrorController implements ErrorController {

    @RequestMapping("/error")
    ResponseEntity<Object> error(HttpServletRequest request, HttpServletResponse response) {
        if (response.isCommitted()) {
            // the container includes its error page into a response already under way (a download
            // the store broke off): nothing can be added to it, the connection is being closed
            return null;
        }
        // normally answered by FaultBarrierFilter already; this is the last line
        var unavailable = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable t
                ? Unavailability.of(t) : java.util.Optional.<String>empty();
        if (unavailable.isPresent()) {
            return ErrorResponses.unavailableResponse(request, unavailable.get());
        }
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer i && i >= 400 ? i : 404;
        var builder = ResponseEntity.status(status);
        if ("HEAD".equals(request.getMethod())) {
            return builder.build();
        }
        return builder.contentType(MediaType.APPLICATION_JSON).body(JsonErrorReportValve.body(status));
    }
}
