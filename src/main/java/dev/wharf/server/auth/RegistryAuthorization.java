package dev.wharf.server.auth;

import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.events.Event;
import dev.wharf.server.events.EventType;
import dev.wharf.server.events.Events;
import dev.wharf.server.route.Route;
import dev.wharf.server.web.QueryParams;
import jakarta.servlet.http.HttpServletRequest;
import java.util.EnumSet;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;

/**
 * The access check of every {@code /v2} and {@code /api} request, as Spring Security's
 * authorization step: what the request needs ({@link RequiredAccess}, from the parsed route and
 * the method) against what {@link AccessPolicy} allows its principal. The management API needs a
 * principal that may use it; what each management call may touch is asked of the same policy.
 */
final class RegistryAuthorization implements AuthorizationManager<RequestAuthorizationContext> {

    private final AccessPolicy policy;
    private final Events events;

    RegistryAuthorization(AccessPolicy policy, Events events) {
        this.policy = policy;
        this.events = events;
    }

    @Override
    public AuthorizationResult authorize(Supplier<? extends Authentication> authentication,
                                         RequestAuthorizationContext context) {
        Principal principal = principal(authentication.get());
        HttpServletRequest request = context.getRequest();
        boolean allowed = allowed(principal, request);
        if (!allowed) {
            recordDenial(principal, request);
        }
        return new AuthorizationDecision(allowed);
    }

    /**
     * Records a push or delete refused to someone who identified themselves (anonymous attempts are
     * how every client starts the token flow, not denials worth an audit entry).
     */
    private void recordDenial(Principal principal, HttpServletRequest request) {
        if (principal instanceof Principal.Anonymous || !(request.getAttribute(Route.REQUEST_ATTRIBUTE) instanceof Route route)
                || !(RequiredAccess.of(route, request.getMethod()) instanceof RequiredAccess.Repository r)
                || !(r.actions().contains(Action.PUSH) || r.actions().contains(Action.DELETE))) {
            return;
        }
        try {
            events.record(EventType.ACCESS_DENIED, Event.DENIED,
                    RequestActors.of(principal).from(request.getRemoteAddr(), RequestActors.requestId(request)),
                    r.name().namespace(), r.name().value(), request.getMethod() + " " + request.getRequestURI(),
                    Map.of("actions", r.actions().stream().map(Action::wire).sorted().toList()));
        } catch (RuntimeException e) {
            // the refusal stands whether or not it could be recorded (the database may be away)
        }
    }

    boolean allowed(Principal principal, HttpServletRequest request) {
        if (Challenges.isApi(request)) {
            return policy.mayUseApi(principal);
        }
        Route route = (Route) request.getAttribute(Route.REQUEST_ATTRIBUTE);
        if (route == null) {
            return false;
        }
        RequiredAccess required = RequiredAccess.of(route, request.getMethod());
        if (required instanceof RequiredAccess.Authenticated) {
            return !(principal instanceof Principal.Anonymous) || !policy.enabled();
        }
        if (required instanceof RequiredAccess.Catalog) {
            return policy.mayListCatalog(principal);
        }
        RequiredAccess.Repository r = (RequiredAccess.Repository) required;
        return policy.allows(principal, r.name(), r.actions()) && !tokenTooNarrowForMount(principal, route, request);
    }

    /**
     * A mount with a bearer token that lacks {@code pull} on {@code from}, although the token's
     * account may pull it: refused with {@code insufficient_scope} (the challenge names {@code from}),
     * so the client fetches a token that covers the mount, as distribution makes it do. When the
     * account may not pull {@code from} the request goes on and becomes a plain upload session.
     */
    private boolean tokenTooNarrowForMount(Principal principal, Route route, HttpServletRequest request) {
        if (!(principal instanceof Principal.Bearer bearer) || !(route instanceof Route.UploadStart)
                || !"POST".equals(request.getMethod())) {
            return false;
        }
        QueryParams query;
        try {
            query = QueryParams.of(request);
        } catch (OciException e) {
            return false;
        }
        String from = query.get("from");
        if (query.get("mount") == null || !RepositoryName.isValid(from)) {
            return false;
        }
        RepositoryName source = RepositoryName.of(from);
        return !policy.allows(bearer, source, EnumSet.of(Action.PULL)) && policy.accountMayPull(bearer, source);
    }

    static Principal principal(Authentication authentication) {
        return authentication instanceof PrincipalAuthentication p ? p.wharfPrincipal() : new Principal.Anonymous();
    }
}
