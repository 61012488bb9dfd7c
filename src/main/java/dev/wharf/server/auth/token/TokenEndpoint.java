package dev.wharf.server.auth.token;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.server.auth.AuthProperties;
import dev.wharf.server.auth.account.CredentialChecker;
import dev.wharf.server.auth.CredentialsFilter;
import dev.wharf.server.auth.LoginThrottle;
import dev.wharf.server.auth.Principal;
import dev.wharf.server.web.AccessLog;
import jakarta.servlet.http.HttpServletRequest;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The token service of the Docker registry token flow, at {@code <external URL>/token}:
 * <ul>
 *   <li>{@code GET /token?service=&scope=...&offline_token=} with Basic credentials, or none for
 *       anonymous access (public repositories);</li>
 *   <li>{@code POST /token} with the OAuth2 form: {@code grant_type=password} ({@code username},
 *       {@code password}, {@code access_type=offline} for a refresh token) or
 *       {@code grant_type=refresh_token} ({@code refresh_token}), and {@code scope};</li>
 *   <li>{@code GET /token/jwks}: the public keys tokens are signed with.</li>
 * </ul>
 * The answer has {@code token}, {@code access_token}, {@code expires_in}, {@code issued_at} and,
 * when asked for, {@code refresh_token}. A token grants the intersection of what was asked and
 * what the principal may do; having less than was asked is not an error.
 *
 * @see <a href="https://distribution.github.io/distribution/spec/auth/token/">token.md</a>
 * @see <a href="https://distribution.github.io/distribution/spec/auth/oauth/">oauth.md</a>
 */
@RestController
class TokenEndpoint {

    private final TokenService tokens;
    private final CredentialChecker credentials;
    private final LoginThrottle throttle;
    private final TokenKeys keys;
    private final AuthProperties properties;

    TokenEndpoint(TokenService tokens, CredentialChecker credentials, LoginThrottle throttle, TokenKeys keys,
                  AuthProperties properties) {
        this.tokens = tokens;
        this.credentials = credentials;
        this.throttle = throttle;
        this.keys = keys;
        this.properties = properties;
    }

    @GetMapping("/token")
    ResponseEntity<Map<String, Object>> get(HttpServletRequest request) {
        checkService(request.getParameter("service"));
        List<TokenScopes.Requested> scopes = TokenScopes.parse(values(request, "scope"));
        Principal principal = new Principal.Anonymous();
        String header = request.getHeader("Authorization");
        if (header != null && !header.isBlank()) {
            if (!header.regionMatches(true, 0, "Basic ", 0, 6)) {
                throw unauthorized("the token endpoint takes Basic credentials");
            }
            String[] userAndSecret = CredentialsFilter.decodeBasic(header.substring(6).strip());
            if (userAndSecret == null) {
                throw unauthorized("malformed Basic credentials");
            }
            principal = credentials.check(userAndSecret[0], userAndSecret[1], request.getRemoteAddr());
        }
        boolean offline = "true".equalsIgnoreCase(request.getParameter("offline_token"));
        return answer(request, principal, scopes, offline, null, false);
    }

    @PostMapping(value = "/token")
    ResponseEntity<Map<String, Object>> post(HttpServletRequest request) {
        String contentType = request.getContentType();
        if (contentType == null || !MediaType.APPLICATION_FORM_URLENCODED.isCompatibleWith(MediaType.parseMediaType(contentType))) {
            throw new OciException(OciErrorCode.UNSUPPORTED, 415, "POST /token takes an application/x-www-form-urlencoded form", null);
        }
        checkService(request.getParameter("service"));
        List<TokenScopes.Requested> scopes = TokenScopes.parse(values(request, "scope"));
        String grant = request.getParameter("grant_type");
        if ("password".equals(grant)) {
            String username = request.getParameter("username");
            String password = request.getParameter("password");
            if (username == null || password == null) {
                throw new OciException(OciErrorCode.UNSUPPORTED, 400, "grant_type=password needs username and password", null);
            }
            Principal principal = credentials.check(username, password, request.getRemoteAddr());
            boolean offline = "offline".equals(request.getParameter("access_type"));
            return answer(request, principal, scopes, offline, null, true);
        }
        if ("refresh_token".equals(grant)) {
            String refresh = request.getParameter("refresh_token");
            if (refresh == null || refresh.isEmpty()) {
                throw new OciException(OciErrorCode.UNSUPPORTED, 400, "grant_type=refresh_token needs refresh_token", null);
            }
            String address = request.getRemoteAddr();
            throttle.check(null, address);
            Principal principal = tokens.redeem(refresh, request.getParameter("service")).orElse(null);
            if (principal == null) {
                throttle.failure(null, address);
                throw unauthorized("invalid or expired refresh token");
            }
            return answer(request, principal, scopes, false, refresh, true);
        }
        throw new OciException(OciErrorCode.UNSUPPORTED, 400, "unsupported grant_type: "
                + (grant == null ? "(none)" : grant.length() > 40 ? grant.substring(0, 40) : grant), null);
    }

    @GetMapping({"/token/jwks", "/.well-known/jwks.json"})
    ResponseEntity<Map<String, Object>> jwks() {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(keys.jwks());
    }

    private ResponseEntity<Map<String, Object>> answer(HttpServletRequest request, Principal principal,
                                                       List<TokenScopes.Requested> scopes, boolean offline,
                                                       String refreshToken, boolean oauth) {
        if (principal.subject() != null) {
            AccessLog.principal(request, principal.subject());
        }
        TokenService.Issued issued = tokens.issue(principal, tokens.grants(principal, scopes));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", issued.token());
        body.put("access_token", issued.token());
        body.put("expires_in", issued.expiresIn());
        body.put("issued_at", DateTimeFormatter.ISO_INSTANT.format(issued.issuedAt()));
        if (offline && !(principal instanceof Principal.Anonymous)) {
            body.put("refresh_token", tokens.newRefreshToken(principal));
        } else if (refreshToken != null) {
            body.put("refresh_token", refreshToken);
        }
        if (oauth) {
            List<String> granted = new ArrayList<>();
            issued.granted().stream().filter(g -> !g.actions().isEmpty()).forEach(g -> granted.add(g.scope()));
            body.put("scope", String.join(" ", granted));
        }
        return ResponseEntity.ok().cacheControl(CacheControl.noStore()).header("Pragma", "no-cache")
                .contentType(MediaType.APPLICATION_JSON).body(body);
    }

    private void checkService(String service) {
        if (service != null && !service.isEmpty() && !service.equals(properties.service())) {
            throw new OciException(OciErrorCode.UNSUPPORTED, 400, "this token service issues tokens for service \""
                    + properties.service() + "\" only", null);
        }
    }

    private static List<String> values(HttpServletRequest request, String name) {
        String[] values = request.getParameterValues(name);
        return values == null ? List.of() : Arrays.asList(values);
    }

    private static OciException unauthorized(String message) {
        return new OciException(OciErrorCode.UNAUTHORIZED, message)
                .withHeader("WWW-Authenticate", "Basic realm=\"wharf token service\"");
    }
}
