package dev.wharf.server.auth.account;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.wharf.server.auth.AuthProperties;
import dev.wharf.server.auth.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Whether the account and credential a bearer token was issued for still stand: the same user (by
 * id: a new account of a deleted one's name is someone else) exists and is enabled, the personal
 * access token it was obtained with exists and has not expired, the robot exists with the same
 * secret (a rotation ends tokens obtained with the old one) and that secret has not expired.
 * Asked on every use of a token, so a deleted or disabled account or a revoked credential ends its
 * tokens long before they expire. Tokens issued before these claims existed are checked by name.
 *
 * <p>Answers are remembered per replica for {@code wharf.auth.credential-cache-ttl} (never past
 * the credential's own expiry): changes made through this replica apply at once
 * ({@link #forgetAll}), changes made through another within that time. Time is the auth clock's.
 * Thread-safe.
 */
@Component
public class ActiveAccounts {

    /**
     * What a token says about who it was issued for.
     *
     * @param subject         its {@code sub}: a user name, {@code <namespace>+<robot>}, or null
     * @param userId          the user's id ({@code wharf_uid}), or null
     * @param personalTokenId the personal access token it was obtained with ({@code wharf_pat}), or null
     * @param robotSecretId   the robot secret it was obtained with ({@code wharf_rbt}), or null
     */
    public record Issued(String subject, Long userId, String personalTokenId, String robotSecretId) {
    }

    private record Answer(boolean active, Instant until) {
    }

    private final Users users;
    private final AccessTokens tokens;
    private final Robots robots;
    private final Clock clock;
    private final Duration ttl;
    private final Cache<Issued, Answer> cache;

    ActiveAccounts(Users users, AccessTokens tokens, Robots robots, Clock authClock, AuthProperties properties) {
        this.users = users;
        this.tokens = tokens;
        this.robots = robots;
        this.clock = authClock;
        this.ttl = properties.credentialCacheTtl();
        this.cache = Caffeine.newBuilder().maximumSize(50_000)
                .expireAfterWrite(ttl.isZero() ? Duration.ofNanos(1) : ttl).build();
    }

    /** True when the account and credential behind a token issued for {@code issued} still stand. */
    public boolean active(Issued issued) {
        if (issued.subject() == null) {
            return true; // an anonymous token (public repositories): nobody to revoke
        }
        Instant now = clock.instant();
        Answer cached = cache.getIfPresent(issued);
        if (cached != null && now.isBefore(cached.until())) {
            return cached.active();
        }
        Answer answer = look(issued, now);
        cache.put(issued, answer);
        return answer.active();
    }

    /** Forgets every remembered answer (after a deletion, a revocation, a user disabled...). */
    void forgetAll() {
        cache.invalidateAll();
    }

    private Answer look(Issued issued, Instant now) {
        Instant until = now.plus(ttl);
        String subject = issued.subject();
        int plus = subject.indexOf(Principal.Robot.SEPARATOR);
        if (plus > 0) {
            Optional<RobotAccount> robot = robots.findByNamespaceAndName(subject.substring(0, plus),
                    subject.substring(plus + 1))
                    .filter(r -> issued.robotSecretId() == null || r.publicId().equals(issued.robotSecretId()));
            return robot.map(r -> answer(r.secretExpiresAt(), now, until)).orElse(new Answer(false, until));
        }
        Optional<UserAccount> user = (issued.userId() == null ? users.findByName(subject)
                : users.findById(issued.userId()).filter(u -> u.name().equals(subject)))
                .filter(UserAccount::enabled);
        if (user.isEmpty()) {
            return new Answer(false, until);
        }
        if (issued.personalTokenId() == null) {
            return new Answer(true, until);
        }
        return tokens.findByPublicId(issued.personalTokenId())
                .filter(t -> t.userId() == user.get().id())
                .map(t -> answer(t.expiresAt(), now, until))
                .orElse(new Answer(false, until));
    }

    private static Answer answer(Instant expiresAt, Instant now, Instant until) {
        if (expiresAt == null) {
            return new Answer(true, until);
        }
        if (!now.isBefore(expiresAt)) {
            return new Answer(false, until);
        }
        return new Answer(true, expiresAt.isBefore(until) ? expiresAt : until);
    }
}
