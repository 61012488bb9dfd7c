package dev.wharf.server.api;

import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.CacheNamespaces;
import dev.wharf.server.route.Route;
import dev.wharf.server.route.Routes;
import dev.wharf.server.web.ErrorResponses;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Parses every {@code /v2} path once, before anything else looks at the request, and keeps the
 * {@link Route} as a request attribute for access control and for the API. A malformed path is
 * answered here with the spec's error. In mirror mode ({@code wharf.proxy.mirror}) a read of a
 * name that no local namespace owns becomes a read of the mirror cache's repository here, so that
 * access control, the API and the logs all see the one repository actually read.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class RouteFilter extends OncePerRequestFilter {

    /** The request attribute holding the parsed {@link Route}. */
    public static final String ATTRIBUTE = Route.REQUEST_ATTRIBUTE;

    private final ErrorResponses errors;
    private final ObjectProvider<CacheNamespaces> caches;

    public RouteFilter(ErrorResponses errors, ObjectProvider<CacheNamespaces> caches) {
        this.errors = errors;
        this.caches = caches;
    }

    /** The route parsed for {@code request}, or null outside {@code /v2}. */
    public static Route route(HttpServletRequest request) {
        return (Route) request.getAttribute(ATTRIBUTE);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Route route;
        try {
            route = Routes.parse(request.getRequestURI());
        } catch (OciException e) {
            response.setHeader("Docker-Distribution-API-Version", "registry/2.0");
            errors.write(request, response, e);
            return;
        }
        if (route != null) {
            route = mirrored(route, request.getMethod());
            request.setAttribute(ATTRIBUTE, route);
            response.setHeader("Docker-Distribution-API-Version", "registry/2.0");
        }
        chain.doFilter(request, response);
    }

    private Route mirrored(Route route, String method) {
        RepositoryName name = route.repository();
        if (name == null || !("GET".equals(method) || "HEAD".equals(method))) {
            // writes are never redirected: a name nobody owns is refused as such
            return route;
        }
        CacheNamespaces c = caches.getIfAvailable();
        RepositoryName mirrored = c == null ? name : c.mirrored(name);
        return mirrored.equals(name) ? route : Routes.withRepository(route, mirrored);
    }
}
