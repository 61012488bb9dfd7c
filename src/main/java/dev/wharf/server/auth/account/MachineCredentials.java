package dev.wharf.server.auth.account;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.auth.AuthProperties;
import dev.wharf.server.auth.Principal;
import dev.wharf.server.auth.Scope;
import dev.wharf.server.auth.Secrets;
import dev.wharf.server.auth.token.RefreshTokens;
import dev.wharf.server.events.EventType;
import dev.wharf.server.events.Events;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Personal access tokens and robot accounts, for the management API. A secret is returned once,
 * when it is made; only its SHA-256 is stored. New credentials are made only by principals that
 * logged in with a password (or admins), so a token can never make a wider one.
 */
@Service
public class MachineCredentials {

    /** A personal access token as the API shows it; {@code token} only in the answer that created it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenView(String id, String name, List<Scope> scopes, boolean api, Instant expiresAt,
                            Instant lastUsedAt, Instant createdAt, String token) {
    }

    /** A robot account as the API shows it; {@code secret} only in answers that made one. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RobotView(String username, String namespace, String name, String description, List<Scope> scopes,
                            Instant secretExpiresAt, Instant secretRotatedAt, Instant lastUsedAt, Instant createdAt,
                            String secret) {
    }

    private final Users users;
    private final AccessTokens tokens;
    private final Robots robots;
    private final RefreshTokens refreshTokens;
    private final Namespaces namespaces;
    private final AccessPolicy policy;
    private final CredentialChecker credentials;
    private final AuthProperties properties;
    private final Clock clock;
    private final Events events;

    MachineCredentials(Users users, AccessTokens tokens, Robots robots, RefreshTokens refreshTokens,
                       Namespaces namespaces, AccessPolicy policy, CredentialChecker credentials,
                       AuthProperties properties, Clock authClock, Events events) {
        this.events = events;
        this.users = users;
        this.tokens = tokens;
        this.robots = robots;
        this.refreshTokens = refreshTokens;
        this.namespaces = namespaces;
        this.properties = properties;
        this.policy = policy;
        this.credentials = credentials;
        this.clock = authClock;
    }

    // ---- personal access tokens -------------------------------------------------------------------

    public List<TokenView> tokens(Principal actor, String user) {
        policy.requireSelfOrAdmin(actor, user);
        return tokens.findByUserIdOrderByCreatedAt(findUser(user).id()).stream().map(t -> view(t, null)).toList();
    }

    /**
     * Makes a token for {@code user}: 400 when it would outlive {@code wharf.auth.max-token-lifetime},
     * 403 when the user holds {@code wharf.auth.max-tokens-per-user} already.
     *
     * @param expiresAt when it stops working; null for the longest lifetime allowed (never with no cap)
     * @param api       whether it may also call the management API as its user
     */
    @Transactional
    public TokenView createToken(Principal actor, String user, String name, List<Scope> scopes, Instant expiresAt,
                                 boolean api) {
        policy.requireSelfOrAdmin(actor, user);
        policy.requirePassword(actor);
        UserAccount owner = findUser(user);
        checkLabel(name);
        checkScopes(scopes);
        Instant expiry = expiry(expiresAt);
        namespaces.lock(owner.name());
        if (tokens.countByUserId(owner.id()) >= properties.maxTokensPerUser()) {
            throw AccessPolicy.denied(user + " holds " + properties.maxTokensPerUser() + " access tokens, the most "
                    + "allowed (wharf.auth.max-tokens-per-user); delete one first");
        }
        Secrets.Issued secret = Secrets.issue(Secrets.PAT);
        AccessToken token = tokens.save(new AccessToken(secret.publicId(), owner.id(), name, scopes, api, secret.hash(),
                expiry, clock.instant()));
        events.record(EventType.TOKEN_CREATED, owner.name(), null, secret.publicId(), tokenData(name, scopes, api, expiry));
        return view(token, secret.text());
    }

    @Transactional
    public void deleteToken(Principal actor, String user, String id) {
        policy.requireSelfOrAdmin(actor, user);
        UserAccount owner = findUser(user);
        AccessToken token = tokens.findByPublicId(id).filter(t -> t.userId() == owner.id())
                .orElseThrow(() -> Accounts.unknown("no such token: " + id));
        tokens.delete(token);
        credentials.forgetAll();
        events.record(EventType.TOKEN_REVOKED, owner.name(), null, id, Map.of("name", token.name()));
    }

    // ---- robots ------------------------------------------------------------------------------------

    public List<RobotView> robots(Principal actor, String namespace) {
        policy.requireOwnerToRead(actor, namespace);
        return robots.findByNamespaceOrderByName(namespace).stream().map(r -> view(r, null)).toList();
    }

    public RobotView robot(Principal actor, String namespace, String name) {
        policy.requireOwnerToRead(actor, namespace);
        return view(findRobot(namespace, name), null);
    }

    /**
     * Makes a robot of {@code namespace}; its scopes must stay within that namespace. Its secret
     * expires as {@link #createToken} says; 403 when the namespace holds
     * {@code wharf.auth.max-robots-per-namespace} robots already.
     */
    @Transactional
    public RobotView createRobot(Principal actor, String namespace, String name, String description,
                                 List<Scope> scopes, Instant secretExpiresAt) {
        policy.requireOwner(actor, namespace);
        policy.requirePassword(actor);
        if (!policy.namespaceExists(namespace)) {
            throw Accounts.unknown("no such namespace: " + namespace);
        }
        Accounts.checkName(name);
        checkScopes(scopes);
        checkRobotScopes(namespace, scopes);
        Instant expiry = expiry(secretExpiresAt);
        namespaces.lock(namespace);
        if (robots.findByNamespaceAndName(namespace, name).isPresent()) {
            throw Accounts.taken(namespace + Principal.Robot.SEPARATOR + name);
        }
        if (robots.countByNamespace(namespace) >= properties.maxRobotsPerNamespace()) {
            throw AccessPolicy.denied(namespace + " holds " + properties.maxRobotsPerNamespace() + " robots, the most "
                    + "allowed (wharf.auth.max-robots-per-namespace); delete one first");
        }
        Instant now = clock.instant();
        RobotAccount robot = new RobotAccount(namespace, name, description, scopes, now);
        Secrets.Issued secret = Secrets.issue(Secrets.ROBOT);
        robot.secret(secret.publicId(), secret.hash(), expiry, now);
        RobotView created = view(robots.save(robot), secret.text());
        events.record(EventType.ROBOT_CREATED, namespace, null, namespace + Principal.Robot.SEPARATOR + name,
                tokenData(null, scopes, false, expiry));
        return created;
    }

    /** Changes a robot's scopes (this needs the password, as making credentials does) or description (null leaves them). */
    @Transactional
    public RobotView updateRobot(Principal actor, String namespace, String name, String description, List<Scope> scopes) {
        policy.requireOwner(actor, namespace);
        RobotAccount robot = findRobot(namespace, name);
        if (scopes != null) {
            policy.requirePassword(actor);
            checkScopes(scopes);
            checkRobotScopes(namespace, scopes);
            robot.scopes(scopes);
        }
        if (description != null) {
            robot.description(description);
        }
        credentials.forgetAll();
        RobotView updated = view(robots.save(robot), null);
        Map<String, Object> changed = new LinkedHashMap<>();
        if (scopes != null) {
            changed.put("scopes", Scope.format(scopes));
        }
        if (description != null) {
            changed.put("description", "changed");
        }
        events.record(EventType.ROBOT_UPDATED, namespace, null, namespace + Principal.Robot.SEPARATOR + name, changed);
        return updated;
    }

    /** Replaces a robot's secret: the old one, and refresh tokens it obtained, stop working at once. */
    @Transactional
    public RobotView rotateRobotSecret(Principal actor, String namespace, String name, Instant secretExpiresAt) {
        policy.requireOwner(actor, namespace);
        policy.requirePassword(actor);
        Instant expiry = expiry(secretExpiresAt);
        RobotAccount robot = findRobot(namespace, name);
        Secrets.Issued secret = Secrets.issue(Secrets.ROBOT);
        robot.secret(secret.publicId(), secret.hash(), expiry, clock.instant());
        refreshTokens.deleteForRobot(robot.id());
        RobotAccount saved = robots.save(robot);
        credentials.forgetAll();
        Map<String, Object> rotated = new LinkedHashMap<>();
        rotated.put("expiresAt", expiry == null ? null : expiry.toString());
        events.record(EventType.ROBOT_SECRET_ROTATED, namespace, null, namespace + Principal.Robot.SEPARATOR + name, rotated);
        return view(saved, secret.text());
    }

    @Transactional
    public void deleteRobot(Principal actor, String namespace, String name) {
        policy.requireOwner(actor, namespace);
        robots.delete(findRobot(namespace, name));
        credentials.forgetAll();
        events.record(EventType.ROBOT_DELETED, namespace, null, namespace + Principal.Robot.SEPARATOR + name, Map.of());
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static Map<String, Object> tokenData(String name, List<Scope> scopes, boolean api, Instant expiry) {
        Map<String, Object> data = new LinkedHashMap<>();
        if (name != null) {
            data.put("name", name);
        }
        data.put("scopes", Scope.format(scopes));
        if (api) {
            data.put("api", true);
        }
        data.put("expiresAt", expiry == null ? null : expiry.toString());
        return data;
    }

    private UserAccount findUser(String name) {
        return users.findByName(name).orElseThrow(() -> Accounts.unknown("no such user: " + name));
    }

    private RobotAccount findRobot(String namespace, String name) {
        return robots.findByNamespaceAndName(namespace, name)
                .orElseThrow(() -> Accounts.unknown("no such robot: " + namespace + Principal.Robot.SEPARATOR + name));
    }

    private static void checkLabel(String name) {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new OciException(OciErrorCode.UNSUPPORTED, 400, "a token needs a name of at most 100 characters", null);
        }
    }

    private static void checkScopes(List<Scope> scopes) {
        if (scopes == null || scopes.isEmpty() || scopes.size() > 50) {
            throw new OciException(OciErrorCode.UNSUPPORTED, 400, "give 1 to 50 scopes", null);
        }
    }

    private static void checkRobotScopes(String namespace, List<Scope> scopes) {
        for (Scope s : scopes) {
            if (!namespace.equals(s.namespace())) {
                throw new OciException(OciErrorCode.DENIED, 400, "a robot of " + namespace
                        + " can only have patterns inside " + namespace + "/: " + s.repositories(), null);
            }
        }
    }

    /** The expiry to store for one asked for (null: none asked), within {@code wharf.auth.max-token-lifetime}. */
    private Instant expiry(Instant requested) {
        Instant now = clock.instant();
        if (requested != null && !requested.isAfter(now)) {
            throw new OciException(OciErrorCode.UNSUPPORTED, 400, "the expiry must be in the future", null);
        }
        Duration max = properties.maxTokenLifetime();
        if (max.isZero()) {
            return requested;
        }
        Instant latest = now.plus(max);
        if (requested == null) {
            return latest;
        }
        if (requested.isAfter(latest)) {
            throw new OciException(OciErrorCode.UNSUPPORTED, 400, "tokens and robot secrets live at most "
                    + (max.toSeconds() % 86_400 == 0 ? max.toDays() + " days" : max.toString())
                    + " (wharf.auth.max-token-lifetime): expire them by " + latest, null);
        }
        return requested;
    }

    private static TokenView view(AccessToken t, String secret) {
        return new TokenView(t.publicId(), t.name(), t.scopes(), t.api(), t.expiresAt(), t.lastUsedAt(), t.createdAt(),
                secret);
    }

    private static RobotView view(RobotAccount r, String secret) {
        return new RobotView(r.namespace() + Principal.Robot.SEPARATOR + r.name(), r.namespace(), r.name(),
                r.description(), r.scopes(), r.secretExpiresAt(), r.secretRotatedAt(), r.lastUsedAt(), r.createdAt(),
                secret);
    }
}
