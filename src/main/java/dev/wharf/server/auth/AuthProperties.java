package dev.wharf.server.auth;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Authentication and access control ({@code wharf.auth.*}); see docs/AUTH.md.
 *
 * @param enabled              require credentials and check access on every {@code /v2} and
 *                             {@code /api} request; {@code false} allows everything to everyone
 *                             (trusted networks and benchmarks only)
 * @param service              the token audience ({@code aud}) and the {@code service} of the
 *                             challenge; tokens for another service are refused
 * @param issuer               the token issuer ({@code iss}); tokens from another issuer are refused
 * @param tokenTtl             how long a bearer token lives (the spec asks for at least 60 s)
 * @param refreshTokenTtl      how long a refresh token (docker's stored identity token) lives
 * @param keyGrace             how long a retired signing key still verifies tokens; keep it longer
 *                             than {@code tokenTtl + uploadGrace}
 * @param keyRefresh           how often each replica re-reads the signing keys from PostgreSQL: a
 *                             key revoked on one replica stops verifying on the others within this
 *                             time (on the replica that revoked it, at once)
 * @param keyEncryptionKey     base64 of 32 random bytes ({@code openssl rand -base64 32}): the signing
 *                             keys' private halves are stored encrypted with it (AES-256-GCM);
 *                             unset with {@code keyEncryptionKeyFile} unset: stored in clear
 * @param keyEncryptionKeyFile a file holding the key-encryption key (its base64, or the 32 raw
 *                             bytes), e.g. a mounted Kubernetes Secret; at most one of the two is set
 * @param previousKeyEncryptionKey     the key-encryption key before the current one, while rotating
 *                             it: keys sealed with it are read, and sealed with the current one at start
 * @param previousKeyEncryptionKeyFile the same in a file
 * @param clockSkew            tolerance for {@code exp} and {@code nbf} between replicas' clocks
 * @param uploadGrace          how long after its expiry the token of the principal that started an
 *                             upload still finishes that upload (PATCH, PUT, GET of that session only)
 * @param credentialCacheTtl   how long a successful Basic verification (bcrypt is slow) is reused on
 *                             one replica; revocations reach other replicas within this time
 * @param maxTokenLifetime     the longest a personal access token or robot secret may live; one
 *                             asked for without an expiry gets this one; {@code 0} allows
 *                             credentials that never expire (at most 36500 days)
 * @param maxTokensPerUser     how many personal access tokens one user may hold
 * @param maxRobotsPerNamespace how many robot accounts one namespace may hold
 * @param adminUsername        the account created at first start
 * @param adminPassword        its password; empty to generate one, printed once to the log and
 *                             written to {@code <wharf.data-dir>/admin-password} (owner-only)
 * @param throttle             limits on failed logins
 */
@ConfigurationProperties("wharf.auth")
public record AuthProperties(@DefaultValue("true") boolean enabled,
                             @DefaultValue("wharf") String service,
                             @DefaultValue("wharf") String issuer,
                             @DefaultValue("5m") Duration tokenTtl,
                             @DefaultValue("30d") Duration refreshTokenTtl,
                             @DefaultValue("2h") Duration keyGrace,
                             @DefaultValue("10s") Duration keyRefresh,
                             String keyEncryptionKey,
                             Path keyEncryptionKeyFile,
                             String previousKeyEncryptionKey,
                             Path previousKeyEncryptionKeyFile,
                             @DefaultValue("30s") Duration clockSkew,
                             @DefaultValue("1h") Duration uploadGrace,
                             @DefaultValue("10s") Duration credentialCacheTtl,
                             @DefaultValue("365d") Duration maxTokenLifetime,
                             @DefaultValue("100") int maxTokensPerUser,
                             @DefaultValue("100") int maxRobotsPerNamespace,
                             @DefaultValue("admin") String adminUsername,
                             String adminPassword,
                             @DefaultValue Throttle throttle) {

    public AuthProperties {
        if (maxTokenLifetime.isNegative() || maxTokenLifetime.compareTo(Duration.ofDays(36_500)) > 0) {
            throw new IllegalArgumentException("wharf.auth.max-token-lifetime must be between 0 and 36500d");
        }
        if (keyRefresh.isNegative() || keyRefresh.isZero()) {
            throw new IllegalArgumentException("wharf.auth.key-refresh must be positive");
        }
        if (maxTokensPerUser < 1 || maxRobotsPerNamespace < 1) {
            throw new IllegalArgumentException(
                    "wharf.auth.max-tokens-per-user and wharf.auth.max-robots-per-namespace must be at least 1");
        }
    }

    /**
     * Failed-login throttling. Counts live in each replica's memory: with N replicas an attacker
     * gets at most N times the limits.
     *
     * @param window             the period failures are counted over, and how long a blocked
     *                           account or address stays blocked
     * @param maxPerAccount      failures allowed per account name from one client address within the window
     * @param maxPerAddress      failures allowed per client address within the window
     */
    public record Throttle(@DefaultValue("5m") Duration window,
                           @DefaultValue("10") int maxPerAccount,
                           @DefaultValue("50") int maxPerAddress) {
    }
}
