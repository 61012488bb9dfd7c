package dev.wharf.server.auth;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.route.Route;
import dev.wharf.server.web.ErrorResponses;
import dev.wharf.server.web.QueryParams;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * The answers to requests that may not proceed, all through {@link ErrorResponses}:
 * <ul>
 *   <li>no or invalid credentials: 401 {@code UNAUTHORIZED} with
 *       {@code WWW-Authenticate: Bearer realm="<external URL>/token",service="...",scope="..."}
 *       (the scope says what the request needs; {@code error="invalid_token"} for a bad token);</li>
 *   <li>a valid bearer token without the needed actions: 401 {@code DENIED} with
 *       {@code error="insufficient_scope"}, which makes docker fetch a new token;</li>
 *   <li>a principal authenticated otherwise (Basic) without access: 403 {@code DENIED}.</li>
 * </ul>
 * Under {@code /api} the challenge is {@code Basic}, since tokens are for the registry API.
 */
final class Challenges implements AuthenticationEntryPoint, AccessDeniedHandler {

    private final ErrorResponses errors;
    private final ExternalUrl externalUrl;
    private final String service;

    Challenges(ErrorResponses errors, ExternalUrl externalUrl, String service) {
        this.errors = errors;
        this.externalUrl = externalUrl;
        this.service = service;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        unauthorized(request, response, null, "authentication required");
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        var authentication = SecurityContextHolder.getContext().getAuthentication();
        Principal principal = authentication instanceof PrincipalAuthentication p ? p.wharfPrincipal() : null;
        if (principal instanceof Principal.Bearer && !isApi(request)) {
            RequiredAccess required = required(request);
            OciException denied = new OciException(OciErrorCode.DENIED, 401,
                    "requested access to the resource is denied", detail(required))
                    .withHeader("WWW-Authenticate", bearer(request, required, "insufficient_scope"));
            errors.write(request, response, denied);
            return;
        }
        errors.write(request, response, new OciException(OciErrorCode.DENIED,
                "requested access to the resource is denied", isApi(request) ? null : detail(required(request))));
    }

    /** 401 {@code UNAUTHORIZED} with the challenge; {@code error} is e.g. {@code invalid_token}, or null. */
    void unauthorized(HttpServletRequest request, HttpServletResponse response, String error, String message)
            throws IOException {
        OciException e;
        if (isApi(request)) {
            e = new OciException(OciErrorCode.UNAUTHORIZED, message)
                    .withHeader("WWW-Authenticate", "Basic realm=\"" + service + "\"");
        } else {
            RequiredAccess required = required(request);
            e = new OciException(OciErrorCode.UNAUTHORIZED, message, detail(required))
                    .withHeader("WWW-Authenticate", bearer(request, required, error));
        }
        errors.write(request, response, e);
    }

    /** Writes {@code e} (e.g. 429 from the throttle) as it is. */
    void write(HttpServletRequest request, HttpServletResponse response, OciException e) throws IOException {
        errors.write(request, response, e);
    }

    private String bearer(HttpServletRequest request, RequiredAccess required, String error) {
        StringBuilder b = new StringBuilder("Bearer realm=\"").append(externalUrl.realm(request))
                .append("\",service=\"").append(service).append('"');
        String scope = required == null ? null : RequiredAccess.scope(required);
        if (scope != null) {
            b.append(",scope=\"").append(scope).append(mountSourceScope(request)).append('"');
        }
        if (error != null) {
            b.append(",error=\"").append(error).append('"');
        }
        return b.toString();
    }

    /**
     * For a cross-repository mount, {@code " repository:<from>:pull"}: asking for it up front gives
     * the client a token that lets the mount happen (distribution's challenge does the same);
     * without pull on {@code from} the registry answers with a plain upload session instead.
     */
    private static String mountSourceScope(HttpServletRequest request) {
        if (!(request.getAttribute(Route.REQUEST_ATTRIBUTE) instanceof Route.UploadStart)
                || !"POST".equals(request.getMethod())) {
            return "";
        }
        try {
            QueryParams query = QueryParams.of(request);
            String from = query.get("from");
            return query.get("mount") != null && RepositoryName.isValid(from) ? " repository:" + from + ":pull" : "";
        } catch (OciException e) {
            return "";
        }
    }

    private static RequiredAccess required(HttpServletRequest request) {
        Route route = (Route) request.getAttribute(Route.REQUEST_ATTRIBUTE);
        return route == null ? null : RequiredAccess.of(route, request.getMethod());
    }

    /** The spec's detail: the access entries the request needs. */
    private static Object detail(RequiredAccess required) {
        List<Map<String, String>> entries = new ArrayList<>();
        if (required instanceof RequiredAccess.Repository r) {
            for (Action a : Action.values()) {
                if (r.actions().contains(a)) {
                    entries.add(Map.of("Type", "repository", "Name", r.name().value(), "Action", a.wire()));
                }
            }
        } else if (required instanceof RequiredAccess.Catalog) {
            entries.add(Map.of("Type", "registry", "Name", "catalog", "Action", "*"));
        }
        return entries.isEmpty() ? null : entries;
    }

    /** True for the management API. Decides on the decoded, normalized path, as request mapping does. */
    static boolean isApi(HttpServletRequest request) {
        String path = path(request);
        return path.equals("/api") || path.startsWith("/api/");
    }

    /** True for the distribution API. */
    static boolean isRegistry(HttpServletRequest request) {
        String path = path(request);
        return path.equals("/v2") || path.startsWith("/v2/");
    }

    private static String path(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String info = request.getPathInfo();
        return info == null ? servletPath : servletPath + info;
    }
}
