package dev.wharf.server.api;

import dev.wharf.server.route.Route;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.filter.ServerHttpObservationFilter;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.handler.AbstractHandlerMapping;

/**
 * Hands a {@code /v2} request that {@link RouteFilter} parsed straight to {@link DistributionApi},
 * ahead of Spring MVC's search through every request mapping of the application (the web UI's and
 * the management API's patterns, each matched in turn: 8 % of a manifest GET's CPU, measured in
 * docs/PERFORMANCE.md). Anything else (no parsed route, an error dispatch, a CORS pre-flight) goes the usual way,
 * where {@code DistributionApi}'s own {@code /v2/**} mapping still answers.
 *
 * <p>It also names the route's kind in the {@code uri} tag of {@code http.server.requests}
 * ({@code /v2/{name}/manifests/{reference}} rather than one {@code /v2/**} for the whole API).
 */
@Component
class DistributionHandlerMapping extends AbstractHandlerMapping {

    private final HandlerMethod handler;

    DistributionHandlerMapping(DistributionApi api) throws NoSuchMethodException {
        this.handler = new HandlerMethod(api,
                DistributionApi.class.getMethod("handle", HttpServletRequest.class, HttpServletResponse.class));
        // before RequestMappingHandlerMapping (order 0)
        setOrder(Ordered.HIGHEST_PRECEDENCE);
    }

    @Override
    protected Object getHandlerInternal(HttpServletRequest request) {
        // only the request itself: an error dispatch of it (to /error) keeps its attributes, the
        // route too, and goes to the error controller as before
        Route route = RouteFilter.route(request);
        if (route == null || request.getDispatcherType() != DispatcherType.REQUEST
                || CorsUtils.isPreFlightRequest(request)) {
            return null;
        }
        ServerHttpObservationFilter.findObservationContext(request)
                .ifPresent(context -> context.setPathPattern(route.pattern()));
        return handler;
    }
}
