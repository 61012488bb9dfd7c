package dev.wharf.server.secrets;

/**
 * Seals secrets that Wharf must read back (webhook signing secrets, and later upstream
 * credentials) for storage in PostgreSQL: with the key-encryption key
 * ({@code wharf.auth.key-encryption-key}) when one is configured, in clear otherwise — the same
 * rule, key and rotation as token signing keys (docs/SECURITY.md).
 *
 * <p>A sealed secret is bound to its {@code id}: opening it under another id fails, so a sealed
 * value copied onto another row is useless. Implementations are thread-safe.
 */
public interface SecretSealer {

    /** The stored form of {@code secret}, bound to {@code id} (e.g. {@code webhook:<public id>}). */
    String sealSecret(String id, String secret);

    /**
     * The secret from its stored form.
     *
     * @throws IllegalStateException when it is sealed and cannot be opened with the configured
     *                               key-encryption keys, or was sealed for another id
     */
    String openSecret(String id, String stored);

    /** True when {@code stored} is as {@link #sealSecret} writes it now (otherwise: open and seal anew). */
    boolean upToDate(String stored);
}
