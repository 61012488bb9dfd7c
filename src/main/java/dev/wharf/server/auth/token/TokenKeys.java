package dev.wharf.server.auth.token;

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
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.server.auth.AuthProperties;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Revoking a key (compromise) ends it at once: it verifies nothing more, and when it was the
 * signing key a new one is generated in the same transaction.
 *
 * <p>The private keys are stored as {@link KeyEncryption} makes them: sealed with the
 * key-encryption key when one is configured. At start every key that may still verify must open,
 * or the start fails (a missing or wrong key-encryption key never leads to a new key that would
 * void every token); keys stored in clear are sealed then.
 *
 * <p>Keys are read into memory and re-read when the copy is older than {@code wharf.auth.key-refresh}
 * (checked on use, so a replica never verifies with a copy older than that: a revocation on another
 * replica takes effect here within it; on the revoking replica at once), and at once when a token
 * names a {@code kid} this replica has never seen (at most every 50 ms; a kid found nowhere is
 * remembered as unknown), so a rotation made on another replica is picked up before its first token
 * arrives. Thread-safe.
 */
@Component
public class TokenKeys {

    private static final Logger log = LoggerFactory.getLogger(TokenKeys.class);
    private static final long KEY_LOCK = 0x77686172664b4559L;
    private static final java.util.regex.Pattern KID = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final Duration UNKNOWN_KID_REFRESH = Duration.ofMillis(50);

    /**
     * A key as the management API shows it.
     *
     * @param signing   it signs new tokens
     * @param verifies  tokens it signed are accepted now (not revoked, not retired beyond the grace)
     */
    public record KeyInfo(String kid, String algorithm, Instant createdAt, Instant retiredAt, Instant revokedAt,
                          boolean signing, boolean verifies) {
    }

    private record Loaded(ECKey key, Instant createdAt, Instant retiredAt) {
    }

    private record Snapshot(List<Loaded> keys, Instant loadedAt) {
    }

    private final SigningKeys signingKeys;
    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final KeyEncryption encryption;
    private final Clock clock;
    private final Duration grace;
    private final Duration refreshEvery;
    private volatile Snapshot snapshot = new Snapshot(List.of(), Instant.EPOCH);
    private volatile Instant lastUnknownKidReload = Instant.EPOCH;
    /** kids whose stored form this replica cannot open, already warned about. */
    private final Set<String> unopenedWarned = ConcurrentHashMap.newKeySet();
    /** kids looked up in vain: tokens can name any kid, and each new one would cost a query. */
    private final Cache<String, Boolean> unknownKids = Caffeine.newBuilder().maximumSize(10_000)
            .expireAfterWrite(Duration.ofMinutes(10)).build();

    TokenKeys(SigningKeys signingKeys, JdbcClient jdbc, TransactionTemplate transactions, Clock authClock,
              AuthProperties properties, KeyEncryption encryption) {
        this.signingKeys = signingKeys;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.encryption = encryption;
        this.clock = authClock;
        this.grace = properties.keyGrace();
        this.refreshEvery = properties.keyRefresh();
    }

    /**
     * At start: every key that may still verify opens with the configured key-encryption key, keys
     * stored in clear are sealed when one is configured, and an active key exists (the first start
     * generates one). Replicas racing wait on a lock.
     *
     * @throws KeyEncryption.KeyEncryptionException when a key that may still verify cannot be
     *         opened (missing or wrong key-encryption key); nothing is generated then
     */
    public void ensureKey() {
        transactions.executeWithoutResult(status -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(:lock)").param("lock", KEY_LOCK).query(Object.class).optional();
            Instant now = clock.instant();
            List<String> unreadable = new ArrayList<>();
            int sealed = 0;
            for (SigningKey k : signingKeys.findAllNewestFirst()) {
                boolean usable = usable(k, now);
                boolean upToDate = encryption.upToDate(k.jwk());
                if (upToDate && !usable) {
                    continue;
                }
                String jwk;
                try {
                    jwk = encryption.open(k.kid(), k.jwk());
                } catch (KeyEncryption.KeyEncryptionException e) {
                    if (usable) {
                        unreadable.add(e.getMessage());
                    }
                    continue;
                }
                if (!upToDate && encryption.enabled()) {
                    k.store(encryption.seal(k.kid(), jwk));
                    signingKeys.save(k);
                    sealed++;
                }
            }
            if (!unreadable.isEmpty()) {
                throw new KeyEncryption.KeyEncryptionException("cannot start: " + unreadable.get(0)
                        + (unreadable.size() > 1 ? " (and " + (unreadable.size() - 1) + " more keys)" : "")
                        + ". Tokens signed by these keys would all be refused, so no new key is generated;"
                        + " configure the key-encryption key they were stored with (docs/AUTH.md)");
            }
            if (sealed > 0) {
                log.info("encrypted {} token signing key(s) at rest with the key-encryption key (fingerprint {})",
                        sealed, encryption.fingerprint());
            }
            boolean active = signingKeys.findUsable(now).stream().anyMatch(k -> k.retiredAt() == null);
            if (!active) {
                SigningKey key = generate();
                signingKeys.save(key);
                log.info("generated token signing key {}", key.kid());
            }
            if (!encryption.enabled()) {
                log.warn("token signing keys are stored unencrypted in PostgreSQL; set"
                        + " wharf.auth.key-encryption-key-file to encrypt them (docs/AUTH.md)");
            }
        });
        reload();
    }

    /**
     * Revokes the key {@code kid}: from now on it verifies nothing, on this replica at once and on
     * the others within {@code wharf.auth.key-refresh}. When it was the signing key, a new one is
     * generated in the same transaction. Revoking a revoked key changes nothing.
     *
     * @return the revoked key
     * @throws OciException 404 {@code NAME_UNKNOWN} when no key has this kid
     */
    public KeyInfo revoke(String kid) {
        if (kid == null || !KID.matcher(kid).matches()) {
            throw unknownKey(kid);
        }
        String[] replacement = new String[1];
        SigningKey revoked = transactions.execute(status -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(:lock)").param("lock", KEY_LOCK).query(Object.class).optional();
            SigningKey k = signingKeys.findById(kid).orElseThrow(() -> unknownKey(kid));
            if (k.revokedAt() != null) {
                return k;
            }
            Instant now = clock.instant();
            k.revoke(now);
            signingKeys.save(k);
            boolean active = signingKeys.findUsable(now).stream().anyMatch(o -> o.retiredAt() == null);
            if (!active) {
                SigningKey next = generate();
                signingKeys.save(next);
                replacement[0] = next.kid();
            }
            return k;
        });
        log.warn("revoked token signing key {}: tokens it signed are refused{}", kid,
                replacement[0] == null ? "" : "; " + replacement[0] + " signs now");
        reload();
        return info(revoked, false, clock.instant());
    }

    private static OciException unknownKey(String kid) {
        String shown = kid == null ? "" : kid.length() > 64 ? kid.substring(0, 64) + "..." : kid;
        return new OciException(OciErrorCode.NAME_UNKNOWN, "no such signing key: "
                + shown.replaceAll("[^\\x20-\\x7e]", "?"));
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
        return info(key, true, clock.instant());
    }

    /** Every key still known, newest first (no private material). */
    public List<KeyInfo> list() {
        List<KeyInfo> keys = new ArrayList<>();
        boolean first = true;
        Instant now = clock.instant();
        for (SigningKey k : signingKeys.findAllNewestFirst()) {
            boolean signing = first && k.retiredAt() == null && k.revokedAt() == null;
            first &= !signing;
            keys.add(info(k, signing, now));
        }
        return keys;
    }

    private KeyInfo info(SigningKey k, boolean signing, Instant now) {
        return new KeyInfo(k.kid(), k.algorithm(), k.createdAt(), k.retiredAt(), k.revokedAt(), signing,
                usable(k, now));
    }

    /** Not revoked, and not retired or retired within the grace. */
    private boolean usable(SigningKey k, Instant now) {
        return k.revokedAt() == null && (k.retiredAt() == null || now.isBefore(k.retiredAt().plus(grace)));
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
        if (!clock.instant().isBefore(s.loadedAt().plus(refreshEvery))) {
            reload();
            s = snapshot;
        }
        return s;
    }

    /** Re-reads the keys that may still verify. */
    /**
     * Re-reads the keys that may still verify. A key this replica holds already but can no longer
     * open (another replica started with a key-encryption key and sealed it, while this one has
     * none or another) is kept from memory, since a key never changes: a rolling restart that
     * adds a key-encryption key leaves the replicas not yet restarted working. Its retirement and
     * revocation are still read from its row.
     */
    synchronized void reload() {
        List<Loaded> keys = new ArrayList<>();
        Instant now = clock.instant();
        for (SigningKey k : signingKeys.findUsable(now.minus(grace))) {
            try {
                keys.add(new Loaded(ECKey.parse(encryption.open(k.kid(), k.jwk())), k.createdAt(), k.retiredAt()));
            } catch (KeyEncryption.KeyEncryptionException e) {
                ECKey held = held(k.kid());
                if (held != null) {
                    keys.add(new Loaded(held, k.createdAt(), k.retiredAt()));
                    if (unopenedWarned.add(k.kid())) {
                        log.warn("{}; using the copy this replica read before. Restart it with the key-encryption"
                                + " key the other replicas use", e.getMessage());
                    }
                } else {
                    log.error("{}; the key is ignored", e.getMessage());
                }
            } catch (ParseException e) {
                log.error("signing key {} cannot be read; it is ignored", k.kid());
            }
        }
        snapshot = new Snapshot(List.copyOf(keys), now);
    }

    private ECKey held(String kid) {
        for (Loaded l : snapshot.keys()) {
            if (l.key().getKeyID().equals(kid)) {
                return l.key();
            }
        }
        return null;
    }

    private SigningKey generate() {
        try {
            ECKey key = new ECKeyGenerator(Curve.P_256)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.ES256)
                    .keyIDFromThumbprint(true)
                    .generate();
            return new SigningKey(key.getKeyID(), JWSAlgorithm.ES256.getName(),
                    encryption.seal(key.getKeyID(), key.toJSONString()), clock.instant());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a signing key", e);
        }
    }
}
