package dev.wharf.server.auth;

import dev.wharf.oci.OciException;
import dev.wharf.server.auth.account.CredentialChecker;
import dev.wharf.server.auth.token.TokenVerifier;
import dev.wharf.server.route.Route;
import dev.wharf.server.web.AccessLog;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Reads the {@code Authorization} header of {@code /v2} and {@code /api} requests and, when it
 * holds valid credentials, puts the {@link Principal} into the security context: a bearer token
 * (verified by {@link TokenVerifier}), or Basic credentials (a password, a personal access token
 * or a robot secret, checked by {@link CredentialChecker}). Invalid credentials are answered here
 * with 401 (429 while throttled); no credentials leave the request anonymous, for the access
 * check to decide.
 *
 * <p>An expired token is still accepted, within {@code wharf.auth.upload-grace}, for PATCH, PUT
 * and GET of an upload session its own subject started: a push authorized at its start is not
 * broken by the token expiring before the final PUT.
 */
public final class CredentialsFilter extends OncePerRequestFilter {

    private final TokenVerifier tokens;
    private final CredentialChecker credentials;
    private final UploadCreators uploads;
    private final Challenges challenges;

    CredentialsFilter(TokenVerifier tokens, CredentialChecker credentials, UploadCreators uploads,
                      Challenges challenges) {
        this.tokens = tokens;
        this.credentials = credentials;
        this.uploads = uploads;
        this.challenges = challenges;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !(Challenges.isRegistry(request) || Challenges.isApi(request));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        if (header == null || header.isBlank()) {
            chain.doFilter(request, response);
            return;
        }
        Principal principal;
        if (startsWithIgnoreCase(header, "Bearer ")) {
            String token = header.substring(7).strip();
            try {
                principal = tokens.verify(token);
            } catch (JwtException e) {
                principal = uploadGrace(request, token).orElse(null);
                if (principal == null) {
                    challenges.unauthorized(request, response, "invalid_token", "invalid or expired token");
                    return;
                }
            }
        } else if (startsWithIgnoreCase(header, "Basic ")) {
            String[] userAndSecret = decodeBasic(header.substring(6).strip());
            if (userAndSecret == null) {
                challenges.unauthorized(request, response, null, "malformed Basic credentials");
                return;
            }
            try {
                principal = credentials.check(userAndSecret[0], userAndSecret[1], request.getRemoteAddr());
            } catch (OciException e) {
                if (e.status() == 401) {
                    challenges.unauthorized(request, response, null, e.getMessage());
                } else {
                    challenges.write(request, response, e);
                }
                return;
            }
        } else {
            challenges.unauthorized(request, response, null, "unsupported authorization scheme");
            return;
        }
        if (principal.subject() != null) {
            AccessLog.principal(request, principal.subject());
        }
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(new PrincipalAuthentication(principal));
        SecurityContextHolder.setContext(context);
        chain.doFilter(request, response);
    }

    private Optional<Principal> uploadGrace(HttpServletRequest request, String token) {
        Route route = (Route) request.getAttribute(Route.REQUEST_ATTRIBUTE);
        String method = request.getMethod();
        if (!(route instanceof Route.Upload upload)
                || !(method.equals("PATCH") || method.equals("PUT") || method.equals("GET"))) {
            return Optional.empty();
        }
        Principal.Bearer bearer;
        try {
            bearer = tokens.verifyWithUploadGrace(token);
        } catch (JwtException e) {
            return Optional.empty();
        }
        if (bearer.subject() == null) {
            return Optional.empty();
        }
        return uploads.creatorOf(upload.repository(), upload.id())
                .filter(bearer.subject()::equals)
                .map(creator -> bearer);
    }

    /** {@code [user, secret]} of a Basic header value, or null when it is malformed. */
    public static String[] decodeBasic(String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        return new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    private static boolean startsWithIgnoreCase(String s, String prefix) {
        return s.regionMatches(true, 0, prefix, 0, prefix.length());
    }
}
