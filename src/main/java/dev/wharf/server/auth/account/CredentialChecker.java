package dev.wharf.server.auth.account;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.server.auth.AuthProperties;
import dev.wharf.server.auth.LoginThrottle;
import dev.wharf.server.auth.Principal;
import dev.wharf.server.auth.RequestActors;
import dev.wharf.server.auth.Secrets;
import dev.wharf.server.events.Actor;
import dev.wharf.server.events.Event;
import dev.wharf.server.events.EventType;
import dev.wharf.server.events.Events;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Checks a user name and secret: a user's password, a personal access token (of that user), or a
 * robot's secret ({@code <namespace>+<name>}). Failed attempts are throttled by {@link LoginThrottle}.
 * Successful checks are remembered for {@code wharf.auth.credential-cache-ttl} under a SHA-256 of
 * the credentials (never the secret itself), because bcrypt is slow on purpose.
 *
 * <p>Logs name the account and the client address, never the secret.
 */
@Component
public class CredentialChecker {

    private static final Logger log = LoggerFactory.getLogger(CredentialChecker.class);
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

    private record Cached(Principal principal, Instant until) {
    }

    private final Users users;
    private final AccessTokens tokens;
    private final Robots robots;
    private final PasswordEncoder passwords;
    private final LoginThrottle throttle;
    private final ActiveAccounts activeAccounts;
    private final Clock clock;
    private final Duration cacheTtl;
    private final Cache<String, Cached> cache;
    private final String dummyHash;

    private final ObjectProvider<Events> events;

    CredentialChecker(Users users, AccessTokens tokens, Robots robots, PasswordEncoder passwords, LoginThrottle throttle,
                      ActiveAccounts activeAccounts, Clock authClock, AuthProperties properties,
                      ObjectProvider<Events> events) {
        this.activeAccounts = activeAccounts;
        this.events = events;
        this.users = users;
        this.tokens = tokens;
        this.robots = robots;
        this.passwords = passwords;
        this.throttle = throttle;
        this.clock = authClock;
        this.cacheTtl = properties.credentialCacheTtl();
        this.cache = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(cacheTtl.isZero()
                ? Duration.ofNanos(1) : cacheTtl).build();
        this.dummyHash = passwords.encode(Secrets.password());
    }

    /**
     * The principal these credentials belong to.
     *
     * @throws OciException 401 {@code UNAUTHORIZED} for wrong credentials, 429
     *                      {@code TOOMANYREQUESTS} while the account or address is throttled
     */
    public Principal check(String username, String secret, String address) {
        throttle.check(username, address);
        String key = cacheKey(username, secret);
        Instant now = clock.instant();
        Cached cached = cache.getIfPresent(key);
        if (cached != null && now.isBefore(cached.until())) {
            return cached.principal();
        }
        Optional<Cached> verified = verify(username, secret, now);
        if (verified.isEmpty()) {
            throttle.failure(username, address);
            log.info("failed login for account '{}' from {}", printable(username), address);
            recordSignIn(Event.FAILURE, new Actor(printable(username), "unknown", address, null));
            throw new OciException(OciErrorCode.UNAUTHORIZED, "invalid user name or password");
        }
        throttle.success(username, address);
        cache.put(key, verified.get());
        recordSignIn(Event.SUCCESS, RequestActors.of(verified.get().principal()).from(address, null));
        return verified.get().principal();
    }

    /**
     * Records a verified (not cached) sign-in, or a failed one, in the audit log; never fails the
     * sign-in itself (the database may be away).
     */
    private void recordSignIn(String outcome, Actor actor) {
        Events e = events.getIfAvailable();
        if (e == null) {
            return;
        }
        try {
            Actor current = e.currentActor();
            Actor who = actor.from(actor.address(), current.requestId());
            String namespace = actor.name() == null || "unknown".equals(actor.kind()) ? null
                    : actor.name().contains(Principal.Robot.SEPARATOR)
                    ? actor.name().substring(0, actor.name().indexOf(Principal.Robot.SEPARATOR)) : actor.name();
            e.record(EventType.SIGN_IN, outcome, who, namespace, null, actor.name(), java.util.Map.of());
        } catch (RuntimeException ex) {
            log.debug("could not record a sign-in: {}", ex.toString());
        }
    }

    /**
     * The user whose password this is, for signing in to the web UI: passwords only (access tokens
     * and robot secrets are for clients, not browsers), throttled like every login.
     *
     * @throws OciException 401 {@code UNAUTHORIZED} for anything else, 429 {@code TOOMANYREQUESTS}
     *                      while the account or address is throttled
     */
    public Principal.User checkPassword(String username, String password, String address) {
        throttle.check(username, address);
        boolean plausible = username != null && password != null && username.indexOf(Principal.Robot.SEPARATOR) < 0
                && Secrets.parse(password, Secrets.PAT) == null;
        Optional<Cached> verified = plausible ? verify(username, password, clock.instant()) : Optional.empty();
        if (verified.isEmpty() || !(verified.get().principal() instanceof Principal.User user)) {
            throttle.failure(username, address);
            log.info("failed sign-in for account '{}' from {}", printable(username), address);
            recordSignIn(Event.FAILURE, new Actor(printable(username), "unknown", address, null));
            throw new OciException(OciErrorCode.UNAUTHORIZED, "invalid user name or password");
        }
        throttle.success(username, address);
        recordSignIn(Event.SUCCESS, RequestActors.of(user).from(address, null));
        return user;
    }

    /**
     * Forgets every remembered verification (after a password change, a revocation, a deletion...),
     * of Basic credentials and of the accounts behind bearer tokens ({@link ActiveAccounts}).
     */
    void forgetAll() {
        cache.invalidateAll();
        activeAccounts.forgetAll();
    }

    private Optional<Cached> verify(String username, String secret, Instant now) {
        if (username == null || username.isEmpty() || secret == null || secret.isEmpty()
                || username.length() > 300 || secret.length() > 1024) {
            return Optional.empty();
        }
        Instant until = now.plus(cacheTtl);
        Secrets.Parsed pat = Secrets.parse(secret, Secrets.PAT);
        if (pat != null) {
            Optional<AccessToken> token = tokens.findByPublicId(pat.publicId());
            // hash first, so a miss and a wrong secret take the same time
            boolean secretOk = token.map(t -> Secrets.matches(secret, t.secretHash())).orElse(false);
            if (!secretOk || token.get().expiresAt() != null && !now.isBefore(token.get().expiresAt())) {
                return Optional.empty();
            }
            AccessToken t = token.get();
            Optional<UserAccount> owner = users.findById(t.userId()).filter(UserAccount::enabled)
                    .filter(u -> u.name().equals(username));
            if (owner.isEmpty()) {
                return Optional.empty();
            }
            tokens.touch(t.id(), now, now.minus(TOUCH_EVERY));
            Instant validUntil = t.expiresAt() != null && t.expiresAt().isBefore(until) ? t.expiresAt() : until;
            return Optional.of(new Cached(new Principal.PersonalToken(owner.get().principal(), t.id(), t.publicId(),
                    t.scopes(), t.api()), validUntil));
        }
        int plus = username.indexOf(Principal.Robot.SEPARATOR);
        if (plus > 0) {
            Secrets.Parsed robotSecret = Secrets.parse(secret, Secrets.ROBOT);
            Optional<RobotAccount> robot = robots.findByNamespaceAndName(username.substring(0, plus),
                    username.substring(plus + 1));
            boolean secretOk = robot.map(r -> Secrets.matches(secret, r.secretHash())).orElse(false);
            if (!secretOk || robotSecret == null || !robotSecret.publicId().equals(robot.get().publicId())) {
                return Optional.empty();
            }
            RobotAccount r = robot.get();
            if (r.secretExpiresAt() != null && !now.isBefore(r.secretExpiresAt())) {
                return Optional.empty();
            }
            robots.touch(r.id(), now, now.minus(TOUCH_EVERY));
            Instant validUntil = r.secretExpiresAt() != null && r.secretExpiresAt().isBefore(until)
                    ? r.secretExpiresAt() : until;
            return Optional.of(new Cached(r.principal(), validUntil));
        }
        Optional<UserAccount> user = users.findByName(username);
        // compare against a dummy hash for unknown users, so timing does not tell which names exist
        boolean passwordOk = passwords.matches(secret, user.map(UserAccount::passwordHash).orElse(dummyHash));
        if (!passwordOk || user.isEmpty() || !user.get().enabled()) {
            return Optional.empty();
        }
        return Optional.of(new Cached(user.get().principal(), until));
    }

    private static String cacheKey(String username, String secret) {
        return Base64.getEncoder().encodeToString(Secrets.sha256(username + '\0' + secret));
    }

    /** The account name as it may appear in a log line: no control characters, bounded length. */
    static String printable(String name) {
        if (name == null) {
            return "";
        }
        String s = name.length() > 64 ? name.substring(0, 64) + "..." : name;
        return s.replaceAll("\\p{Cntrl}", "?");
    }
}
