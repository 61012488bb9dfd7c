package dev.wharf.server.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.coyote.CloseNowException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The outermost filter: an exception that escapes the filters (e.g. the credentials check when the
 * database is down) is answered here in the spec's error format (503 with {@code Retry-After} when
 * a dependency is unavailable, 500 {@code UNKNOWN} otherwise) instead of reaching the servlet
 * container's error page. Exceptions inside handlers are answered earlier, by {@link ErrorAdvice}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class FaultBarrierFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(FaultBarrierFilter.class);

    private final ErrorResponses errors;

    public FaultBarrierFilter(ErrorResponses errors) {
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } catch (IOException | ServletException | RuntimeException e) {
            var unavailable = Unavailability.of(e);
            // a store connection reset looks like a client going away; the store's failure is checked first
            if (unavailable.isEmpty() && ErrorAdvice.isClientDisconnect(e)) {
                log.debug("client went away during {} {}: {}", request.getMethod(), request.getRequestURI(), e.toString());
                return;
            }
            if (response.isCommitted()) {
                // only closing the connection is left, so the client sees a cut transfer and resumes
                if (unavailable.isPresent()) {
                    log.warn("{} {} broke off after its response started: {} ({})", request.getMethod(),
                            request.getRequestURI(), unavailable.get(), rootCause(e));
                    // the container closes the connection for it, and logs it only at debug level
                    throw new CloseNowException(unavailable.get(), e);
                }
                log.error("{} {} failed after its response started", request.getMethod(), request.getRequestURI(), e);
                throw e;
            }
            response.resetBuffer();
            if (unavailable.isPresent()) {
                log.warn("{} {}: {} ({})", request.getMethod(), request.getRequestURI(), unavailable.get(), rootCause(e));
                errors.writeUnavailable(request, response, unavailable.get());
            } else {
                log.error("{} {} failed", request.getMethod(), request.getRequestURI(), e);
                errors.writeInternal(request, response);
            }
        }
    }

    static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.toString();
    }
}
