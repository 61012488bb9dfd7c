package dev.wharf.server.auth;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;

/** A verified {@link Principal} as Spring Security's {@code Authentication}. Never holds a secret. */
final class PrincipalAuthentication extends AbstractAuthenticationToken {

    private static final long serialVersionUID = 1L;

    private final Principal principal;

    PrincipalAuthentication(Principal principal) {
        super(List.of());
        this.principal = principal;
        setAuthenticated(true);
    }

    Principal wharfPrincipal() {
        return principal;
    }

    @Override
    public Object getCredentials() {
        return null;
    }

    @Override
    public Object getPrincipal() {
        return principal;
    }

    @Override
    public String getName() {
        String subject = principal.subject();
        return subject == null ? "" : subject;
    }
}
