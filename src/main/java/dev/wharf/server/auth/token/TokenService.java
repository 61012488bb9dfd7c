package dev.wharf.server.auth.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.auth.Action;
import dev.wharf.server.auth.AuthProperties;
import dev.wharf.server.auth.CacheNamespaces;
import dev.wharf.server.auth.Principal;
import dev.wharf.server.auth.Secrets;
import dev.wharf.server.auth.account.AccessTokens;
import dev.wharf.server.auth.account.ActiveAccounts;
import dev.wharf.server.auth.account.RobotAccount;
import dev.wharf.server.auth.account.Robots;
import dev.wharf.server.auth.account.UserAccount;
import dev.wharf.server.auth.account.Users;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Issues bearer tokens in the format of distribution's jwt.md: an ES256 JWS with {@code kid},
 * claims {@code iss}, {@code sub}, {@code aud} (the service), {@code exp}, {@code nbf},
 * {@code iat}, {@code jti} and {@code access}, and Wharf's own {@code wharf_uid},
 * {@code wharf_pat} or {@code wharf_rbt} naming the account and credential it was issued for
 * (see {@link ActiveAccounts}). What a token grants is the intersection of what was asked and what
 * {@link AccessPolicy} allows the principal, never more. Also issues and redeems the opaque refresh
 * tokens of the OAuth2 flow.
 *
 * @see <a href="https://distribution.github.io/distribution/spec/auth/jwt/">Token Authentication Implementation</a>
 */
@Component
class TokenService {

    /** One granted resource. */
    record Grant(String type, String name, List<String> actions) {
        String scope() {
            return type + ":" + name + ":" + String.join(",", actions);
        }
    }

    /** An issued token. */
    record Issued(String token, Instant issuedAt, long expiresIn, List<Grant> granted) {
    }

    private final AccessPolicy policy;
    private final TokenKeys keys;
    private final AuthProperties properties;
    private final RefreshTokens refreshTokens;
    private final Users users;
    private final AccessTokens accessTokens;
    private final Robots robots;
    private final Clock clock;
    private final org.springframework.beans.factory.ObjectProvider<CacheNamespaces> caches;

    TokenService(AccessPolicy policy, TokenKeys keys, AuthProperties properties, RefreshTokens refreshTokens,
                 Users users, AccessTokens accessTokens, Robots robots, Clock authClock,
                 org.springframework.beans.factory.ObjectProvider<CacheNamespaces> caches) {
        this.caches = caches;
        this.policy = policy;
        this.keys = keys;
        this.properties = properties;
        this.refreshTokens = refreshTokens;
        this.users = users;
        this.accessTokens = accessTokens;
        this.robots = robots;
        this.clock = authClock;
    }

    /** Removes refresh tokens past their expiry. */
    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT10M")
    void purgeExpiredRefreshTokens() {
        refreshTokens.deleteExpired(clock.instant());
    }

    /** What {@code principal} gets of {@code requested}: per resource, the allowed subset (possibly empty). */
    List<Grant> grants(Principal principal, List<TokenScopes.Requested> requested) {
        Map<String, Set<String>> granted = new LinkedHashMap<>();
        for (TokenScopes.Requested r : requested) {
            if (r.isRepository()) {
                // in mirror mode a name no local namespace owns is read through the mirror cache:
                // the token is for the repository its requests will be checked against
                RepositoryName name = caches.getIfAvailable(() -> CacheNamespaces.NONE).mirrored(RepositoryName.of(r.name()));
                Set<Action> allowed = policy.allowed(principal, name);
                Set<String> actions = granted.computeIfAbsent("repository:" + name, k -> new LinkedHashSet<>());
                for (Action a : Action.values()) {
                    boolean asked = r.actions().contains(a.wire()) || r.actions().contains("*");
                    if (asked && allowed.contains(a)) {
                        actions.add(a.wire());
                    }
                }
            } else if (r.isCatalog() && r.actions().contains("*") && policy.mayListCatalog(principal)) {
                granted.computeIfAbsent("registry:catalog", k -> new LinkedHashSet<>()).add("*");
            }
        }
        List<Grant> grants = new ArrayList<>();
        granted.forEach((key, actions) -> {
            int colon = key.indexOf(':');
            grants.add(new Grant(key.substring(0, colon), key.substring(colon + 1), List.copyOf(actions)));
        });
        return grants;
    }

    /** Signs a token for {@code principal} with {@code grants}. */
    Issued issue(Principal principal, List<Grant> grants) {
        Instant now = clock.instant();
        Instant expires = now.plus(properties.tokenTtl());
        List<Map<String, Object>> access = new ArrayList<>();
        for (Grant g : grants) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("type", g.type());
            entry.put("name", g.name());
            entry.put("actions", g.actions());
            access.add(entry);
        }
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(properties.issuer())
                .audience(properties.service())
                .expirationTime(Date.from(expires))
                .notBeforeTime(Date.from(now))
                .issueTime(Date.from(now))
                .jwtID(UUID.randomUUID().toString())
                .claim("access", access);
        if (principal.subject() != null) {
            claims.subject(principal.subject());
        }
        // who the token stands for, so that each use can check it still stands (ActiveAccounts)
        if (principal instanceof Principal.User u) {
            claims.claim(TokenVerifier.USER_ID, u.id());
        } else if (principal instanceof Principal.PersonalToken t) {
            claims.claim(TokenVerifier.USER_ID, t.owner().id());
            claims.claim(TokenVerifier.PERSONAL_TOKEN, t.publicId());
        } else if (principal instanceof Principal.Robot r) {
            claims.claim(TokenVerifier.ROBOT_SECRET, r.secretId());
        }
        ECKey key = keys.signingKey();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims.build());
        try {
            jwt.sign(new ECDSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
        return new Issued(jwt.serialize(), now, properties.tokenTtl().toSeconds(), grants);
    }

    /** A new refresh token for the credential {@code principal} logged in with (shown once). */
    String newRefreshToken(Principal principal) {
        Secrets.Issued secret = Secrets.issue(Secrets.REFRESH);
        Instant now = clock.instant();
        Instant expires = now.plus(properties.refreshTokenTtl());
        RefreshToken row;
        if (principal instanceof Principal.User u) {
            row = new RefreshToken(secret.publicId(), secret.hash(), properties.service(), u.id(), null, null, null,
                    expires, now);
        } else if (principal instanceof Principal.PersonalToken t) {
            row = new RefreshToken(secret.publicId(), secret.hash(), properties.service(), t.owner().id(), t.tokenId(),
                    null, null, expires, now);
        } else if (principal instanceof Principal.Robot r) {
            row = new RefreshToken(secret.publicId(), secret.hash(), properties.service(), null, null, r.id(),
                    r.secretRotatedAt(), expires, now);
        } else {
            throw new OciException(OciErrorCode.UNAUTHORIZED, 401, "a refresh token needs credentials", null);
        }
        refreshTokens.save(row);
        return secret.text();
    }

    /**
     * The principal a refresh token stands for, as it is now: the user must still exist and be
     * enabled, the access token must not have expired, the robot's secret must be the one the
     * refresh token was obtained with and must not have expired.
     */
    Optional<Principal> redeem(String refreshToken, String service) {
        Secrets.Parsed parsed = Secrets.parse(refreshToken, Secrets.REFRESH);
        if (parsed == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Optional<RefreshToken> row = refreshTokens.findByPublicId(parsed.publicId())
                .filter(t -> Secrets.matches(refreshToken, t.secretHash()))
                .filter(t -> now.isBefore(t.expiresAt()))
                .filter(t -> service == null || service.isEmpty() || t.service().equals(service));
        if (row.isEmpty()) {
            return Optional.empty();
        }
        RefreshToken t = row.get();
        Optional<Principal> principal;
        if (t.robotId() != null) {
            principal = robots.findById(t.robotId())
                    .filter(r -> r.secretRotatedAt().equals(t.robotRotatedAt()))
                    .filter(r -> r.secretExpiresAt() == null || now.isBefore(r.secretExpiresAt()))
                    .map(RobotAccount::principal);
        } else {
            Optional<UserAccount> user = users.findById(t.userId()).filter(UserAccount::enabled);
            if (t.accessTokenId() != null) {
                principal = user.flatMap(u -> accessTokens.findById(t.accessTokenId())
                        .filter(a -> a.userId() == u.id())
                        .filter(a -> a.expiresAt() == null || now.isBefore(a.expiresAt()))
                        .map(a -> new Principal.PersonalToken(u.principal(), a.id(), a.publicId(), a.scopes(), a.api())));
            } else {
                principal = user.map(UserAccount::principal);
            }
        }
        principal.ifPresent(p -> {
            t.used(now);
            refreshTokens.save(t);
        });
        return principal;
    }
}
