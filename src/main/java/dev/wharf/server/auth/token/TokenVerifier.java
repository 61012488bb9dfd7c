package dev.wharf.server.auth.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.Action;
import dev.wharf.server.auth.AuthProperties;
import dev.wharf.server.auth.Principal;
import dev.wharf.server.auth.Secrets;
import dev.wharf.server.auth.account.ActiveAccounts;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * Verifies bearer tokens through Spring Security's {@link NimbusJwtDecoder}: ES256 signature by a
 * key of {@link TokenKeys} that is still accepted, {@code iss}, {@code aud} (= the service), and
 * {@code exp}/{@code nbf} with {@code wharf.auth.clock-skew}; then that the account and credential
 * it was issued for still stand ({@link ActiveAccounts}, within
 * {@code wharf.auth.credential-cache-ttl}). Successful verifications are remembered (bounded, keyed
 * by the token's SHA-256) until the token expires or its key is retired past its grace or revoked
 * (as {@link TokenKeys} sees it: within {@code wharf.auth.key-refresh}), so a verified token costs
 * a hash and two map lookups.
 */
public final class TokenVerifier {

    /** The claim naming the user a token was issued for, by id. */
    static final String USER_ID = "wharf_uid";
    /** The claim naming the personal access token a token was obtained with. */
    static final String PERSONAL_TOKEN = "wharf_pat";
    /** The claim naming the robot secret a token was obtained with. */
    static final String ROBOT_SECRET = "wharf_rbt";

    private record Verified(Principal.Bearer principal, String kid, ActiveAccounts.Issued issuedFor) {
    }

    private final JwtDecoder decoder;
    private final JwtDecoder uploadGraceDecoder;
    private final TokenKeys keys;
    private final ActiveAccounts accounts;
    private final Clock clock;
    private final Duration skew;
    private final Cache<String, Verified> cache = Caffeine.newBuilder().maximumSize(50_000)
            .expireAfterWrite(Duration.ofMinutes(30)).build();

    public TokenVerifier(TokenKeys keys, ActiveAccounts accounts, AuthProperties properties, Clock clock) {
        this.keys = keys;
        this.accounts = accounts;
        this.clock = clock;
        this.skew = properties.clockSkew();
        this.decoder = decoder(keys, properties, properties.clockSkew(), clock);
        this.uploadGraceDecoder = decoder(keys, properties, properties.clockSkew().plus(properties.uploadGrace()), clock);
    }

    public JwtDecoder decoder() {
        return decoder;
    }

    private static JwtDecoder decoder(TokenKeys keys, AuthProperties properties, Duration skew, Clock clock) {
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSource(keys.verificationSource())
                .jwsAlgorithm(SignatureAlgorithm.ES256)
                .build();
        JwtTimestampValidator timestamps = new JwtTimestampValidator(skew);
        timestamps.setClock(clock);
        timestamps.setAllowEmptyExpiryClaim(false);
        OAuth2TokenValidator<Jwt> validator = new DelegatingOAuth2TokenValidator<>(List.of(timestamps,
                new JwtIssuerValidator(properties.issuer()), new JwtAudienceValidator(properties.service())));
        decoder.setJwtValidator(validator);
        return decoder;
    }

    /**
     * The principal of a valid token.
     *
     * @throws JwtException when the token is malformed, badly signed, expired, for another
     *                      issuer or service, or its account or credential no longer stands
     */
    public Principal.Bearer verify(String token) {
        String key = Base64.getEncoder().encodeToString(Secrets.sha256(token));
        Instant now = clock.instant();
        Verified v = cache.getIfPresent(key);
        if (v != null) {
            if (now.isBefore(v.principal().expiresAt().plus(skew)) && keys.accepts(v.kid(), now)) {
                return standing(v);
            }
            cache.invalidate(key);
        }
        Jwt jwt = decoder.decode(token);
        Verified verified = new Verified(principal(jwt), (String) jwt.getHeaders().get("kid"), issuedFor(jwt));
        Principal.Bearer principal = standing(verified);
        cache.put(key, verified);
        return principal;
    }

    /**
     * The principal of a token that is valid but for having expired less than
     * {@code wharf.auth.upload-grace} ago (for finishing an upload it started); its account and
     * credential must still stand.
     */
    public Principal.Bearer verifyWithUploadGrace(String token) {
        Jwt jwt = uploadGraceDecoder.decode(token);
        return standing(new Verified(principal(jwt), null, issuedFor(jwt)));
    }

    private Principal.Bearer standing(Verified v) {
        if (!accounts.active(v.issuedFor())) {
            throw new BadJwtException("the account or credential of this token was deleted, disabled or revoked");
        }
        return v.principal();
    }

    private static ActiveAccounts.Issued issuedFor(Jwt jwt) {
        Object uid = jwt.getClaims().get(USER_ID);
        return new ActiveAccounts.Issued(jwt.getSubject(), uid instanceof Number n ? n.longValue() : null,
                stringClaim(jwt, PERSONAL_TOKEN), stringClaim(jwt, ROBOT_SECRET));
    }

    private static String stringClaim(Jwt jwt, String name) {
        return jwt.getClaims().get(name) instanceof String s ? s : null;
    }

    private static Principal.Bearer principal(Jwt jwt) {
        Map<RepositoryName, Set<Action>> access = new HashMap<>();
        boolean catalog = false;
        Object claim = jwt.getClaims().get("access");
        if (claim instanceof Collection<?> entries) {
            for (Object e : entries) {
                if (!(e instanceof Map<?, ?> entry)) {
                    continue;
                }
                Object type = entry.get("type");
                Object name = entry.get("name");
                Object actions = entry.get("actions");
                if (!(name instanceof String n) || !(actions instanceof Collection<?> list)) {
                    continue;
                }
                if ("registry".equals(type) && "catalog".equals(n) && list.contains("*")) {
                    catalog = true;
                } else if ("repository".equals(type) && RepositoryName.isValid(n)) {
                    Set<Action> granted = access.computeIfAbsent(RepositoryName.of(n), k -> EnumSet.noneOf(Action.class));
                    for (Object a : list) {
                        Action action = a instanceof String s ? Action.fromWire(s) : null;
                        if (action != null) {
                            granted.add(action);
                        }
                    }
                }
            }
        }
        return new Principal.Bearer(jwt.getSubject(), Map.copyOf(access), catalog, stringClaim(jwt, PERSONAL_TOKEN),
                jwt.getExpiresAt());
    }
}
