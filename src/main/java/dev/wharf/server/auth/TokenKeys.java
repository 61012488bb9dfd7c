package dev.wharf.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The token signing keys: ES256 (P-256) key pairs kept in PostgreSQL, so every replica signs and
 * verifies with the same keys. The newest active key signs; rotation adds a new key and retires
 * the others, which still verify until {@code retired_at + wharf.auth.key-grace}. Each key's
 * {@code kid} is its RFC 7638 thumbprint. The public keys are published as a JWK set.
 *
 * <p>Keys are read into memory and re-read every 30 seconds, and at once when a token names a
 * {@code kid} this replica has never seen (at most every 50 ms; a kid found nowhere is remembered as
 * unknown), so a rotation made on another replica is picked up before its first token arrives.
 * Thread-safe.
 */
@Component
public class TokenKeys {

    private static final Logger log = LoggerFactory.getLogger(TokenKeys.class);
    private static final long KEY_LOCK = 0x77686172664b4559L;
    private static final Duration REFRESH_EVERY = Duration.ofSeconds(30);
    private static final Duration UNKNOWN_KID_REFRESH = Duration.ofMillis(50);

    /** A key as the management API shows it. */
    public record KeyInfo(String kid, String algorithm, Instant createdAt, Instant retiredAt, boolean signing) {
    }

    private record Loaded(ECKey key, Instant createdAt, Instant retiredAt) {
    }

    private record Snapshot(List<Loaded> keys, Instant loadedAt) {
    }

    private final SigningKeys signingKeys;
    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final Duration grace;
    private volatile Snapshot snapshot = new Snapshot(List.of(), Instant.EPOCH);
    private volatile Instant lastUnknownKidReload = Instant.EPOCH;
    /** kids looked up in vain: tokens can name any kid, and each new one would cost a query. */
    private final Cache<String, Boolean> unknownKids = Caffeine.newBuilder().maximumSize(10_000)
            .expireAfterWrite(Duration.ofMinutes(10)).build();

    TokenKeys(SigningKeys signingKeys, JdbcClient jdbc, TransactionTemplate transactions, Clock authClock,
              AuthProperties properties) {
        this.signingKeys = signingKeys;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.clock = authClock;
        this.grace = properties.keyGrace();
    }

    /** Makes sure an active key exists (the first start generates one; replicas racing wait on a lock). */
    void ensureKey() {
        transactions.executeWithoutResult(status -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(:lock)").param("lock", KEY_LOCK).query(Object.class).optional();
            boolean active = signingKeys.findUsable(clock.instant()).stream().anyMatch(k -> k.retiredAt() == null);
            if (!active) {
                SigningKey key = generate();
                signingKeys.save(key);
                log.info("generated token signing key {}", key.kid());
            }
        });
        reload();
    }

    /** Adds a new signing key and retires the others (they verify for {@code wharf.auth.key-grace}). */
    public KeyInfo rotate() {
        SigningKey key = transactions.execute(status -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(:lock)").param("lock", KEY_LOCK).query(Object.class).optional();
            SigningKey k = generate();
            signingKeys.save(k);
            signingKeys.retireAllBut(k.kid(), clock.instant());
            return k;
        });
        log.info("rotated token signing key: {} signs now; older keys verify for {}", key.kid(), grace);
        reload();
        return new KeyInfo(key.kid(), key.algorithm(), key.createdAt(), null, true);
    }

    /** Every key still known, newest first. */
    public List<KeyInfo> list() {
        List<KeyInfo> keys = new ArrayList<>();
        boolean first = true;
        for (SigningKey k : signingKeys.findAllNewestFirst()) {
            boolean signing = first && k.retiredAt() == null;
            first &= !signing;
            keys.add(new KeyInfo(k.kid(), k.algorithm(), k.createdAt(), k.retiredAt(), signing));
        }
        return keys;
    }

    /** The public JWK set of the keys that verify now, for {@code GET /token/jwks}. */
    public Map<String, Object> jwks() {
        List<JWK> keys = new ArrayList<>();
        for (Loaded l : current().keys()) {
            if (accepted(l, clock.instant())) {
                keys.add(l.key().toPublicJWK());
            }
        }
        return new JWKSet(keys).toJSONObject(true);
    }

    /** The key to sign with: the newest active one. */
    ECKey signingKey() {
        for (Loaded l : current().keys()) {
            if (l.retiredAt() == null) {
                return l.key();
            }
        }
        reload();
        for (Loaded l : snapshot.keys()) {
            if (l.retiredAt() == null) {
                return l.key();
            }
        }
        throw new IllegalStateException("no active token signing key");
    }

    /** True when {@code kid} verifies tokens at {@code now}. */
    boolean accepts(String kid, Instant now) {
        for (Loaded l : current().keys()) {
            if (l.key().getKeyID().equals(kid)) {
                return accepted(l, now);
            }
        }
        return false;
    }

    /** The verification keys, for the JWT decoder: public keys accepted now, refreshed on an unknown kid. */
    JWKSource<SecurityContext> verificationSource() {
        return (JWKSelector selector, SecurityContext context) -> {
            List<JWK> found = select(selector);
            String kid = selector.getMatcher().getKeyIDs() == null || selector.getMatcher().getKeyIDs().isEmpty()
                    ? null : selector.getMatcher().getKeyIDs().iterator().next();
            if (found.isEmpty() && kid != null && !known(kid) && unknownKids.getIfPresent(kid) == null
                    && clock.instant().isAfter(lastUnknownKidReload.plus(UNKNOWN_KID_REFRESH))) {
                // another replica may have rotated: its key is new to this one
                lastUnknownKidReload = clock.instant();
                reload();
                found = select(selector);
                if (!known(kid)) {
                    unknownKids.put(kid, Boolean.TRUE);
                }
            }
            return found;
        };
    }

    private List<JWK> select(JWKSelector selector) {
        Instant now = clock.instant();
        List<JWK> keys = new ArrayList<>();
        for (Loaded l : current().keys()) {
            if (accepted(l, now)) {
                keys.add(l.key().toPublicJWK());
            }
        }
        return selector.select(new JWKSet(keys));
    }

    private boolean known(String kid) {
        return snapshot.keys().stream().anyMatch(l -> l.key().getKeyID().equals(kid));
    }

    private boolean accepted(Loaded l, Instant now) {
        return l.retiredAt() == null || now.isBefore(l.retiredAt().plus(grace));
    }

    private Snapshot current() {
        Snapshot s = snapshot;
        if (clock.instant().isAfter(s.loadedAt().plus(REFRESH_EVERY))) {
            reload();
            s = snapshot;
        }
        return s;
    }

    /** Re-reads the keys that may still verify. */
    synchronized void reload() {
        List<Loaded> keys = new ArrayList<>();
        Instant now = clock.instant();
        for (SigningKey k : signingKeys.findUsable(now.minus(grace))) {
            try {
                keys.add(new Loaded(ECKey.parse(k.jwk()), k.createdAt(), k.retiredAt()));
            } catch (ParseException e) {
                log.error("signing key {} cannot be read; it is ignored", k.kid());
            }
        }
        snapshot = new Snapshot(List.copyOf(keys), now);
    }

    private SigningKey generate() {
        try {
            ECKey key = new ECKeyGenerator(Curve.P_256)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.ES256)
                    .keyIDFromThumbprint(true)
                    .generate();
            return new SigningKey(key.getKeyID(), JWSAlgorithm.ES256.getName(), key.toJSONString(), clock.instant());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a signing key", e);
        }
    }
}
