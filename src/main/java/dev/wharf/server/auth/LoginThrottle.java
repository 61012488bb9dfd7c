package dev.wharf.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.springframework.stereotype.Component;

/**
 * Counts failed logins per (account name, client address) and per client address; past the limit,
 * further attempts from that client are refused with 429 {@code TOOMANYREQUESTS} and
 * {@code Retry-After} (without checking the credentials) until the window has passed. An account is
 * never locked for everyone: the right password from another address still works, so nobody can
 * lock out an account (an administrator's included) by guessing at it. A count starts again once
 * a window has passed without failures. Counts live in this replica's memory, bounded in size;
 * time is the auth clock's.
 */
@Component
public class LoginThrottle {

    private static final class Window {
        int failures;
        Instant lastFailure;
        Instant blockedUntil;
    }

    private final AuthProperties.Throttle limits;
    private final Clock clock;
    private final Cache<String, Window> accounts;
    private final Cache<String, Window> addresses;

    LoginThrottle(AuthProperties properties, Clock authClock) {
        this.limits = properties.throttle();
        this.clock = authClock;
        this.accounts = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(limits.window()).build();
        this.addresses = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(limits.window()).build();
    }

    /** Throws 429 when {@code account} from {@code address}, or {@code address} itself, is blocked. */
    public void check(String account, String address) {
        Instant now = clock.instant();
        if (account != null) {
            blocked(accounts.getIfPresent(key(account, address)), now);
        }
        if (address != null) {
            blocked(addresses.getIfPresent(address), now);
        }
    }

    public void failure(String account, String address) {
        record(accounts, key(account, address), limits.maxPerAccount());
        record(addresses, address, limits.maxPerAddress());
    }

    public void success(String account, String address) {
        if (account != null) {
            accounts.invalidate(key(account, address));
        }
    }

    private void record(Cache<String, Window> cache, String key, int max) {
        if (key == null) {
            return;
        }
        Window w = cache.get(key, k -> new Window());
        Instant now = clock.instant();
        synchronized (w) {
            if (w.lastFailure != null && !now.isBefore(w.lastFailure.plus(limits.window()))) {
                w.failures = 0;
            }
            w.failures++;
            w.lastFailure = now;
            if (w.failures >= max) {
                w.blockedUntil = now.plus(limits.window());
            }
        }
        cache.put(key, w);
    }

    private static void blocked(Window w, Instant now) {
        if (w == null) {
            return;
        }
        Instant until;
        synchronized (w) {
            until = w.blockedUntil;
        }
        if (until != null && now.isBefore(until)) {
            long seconds = Math.max(1, Duration.between(now, until).toSeconds() + 1);
            throw new OciException(OciErrorCode.TOOMANYREQUESTS, "too many failed logins; try again in " + seconds + " s")
                    .withHeader("Retry-After", Long.toString(seconds));
        }
    }

    private static String key(String account, String address) {
        if (account == null) {
            return null;
        }
        String a = account.toLowerCase(Locale.ROOT);
        return (a.length() > 300 ? a.substring(0, 300) : a) + "\n" + address;
    }
}
