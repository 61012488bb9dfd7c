package dev.wharf.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;

/**
 * Secrets of the form {@code <prefix>_<public id>_<secret>}: the public id finds the stored row,
 * the secret (256 random bits) is compared by SHA-256 hash in constant time. A fast hash is right
 * here: the secret is random and long, so there is nothing to brute-force.
 */
public final class Secrets {

    public static final String PAT = "wharf_pat";
    public static final String ROBOT = "wharf_rbt";
    public static final String REFRESH = "wharf_rt";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ID_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789".toCharArray();

    /** A parsed secret. */
    public record Parsed(String prefix, String publicId, String secret) {
    }

    /** A new secret: its full text (shown once) and what is stored. */
    public record Issued(String text, String publicId, byte[] hash) {
    }

    private Secrets() {
    }

    public static Issued issue(String prefix) {
        String id = publicId();
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String secretText = Base64.getUrlEncoder().withoutPadding().encodeToString(secret).replace('-', 'A')
                .replace('_', 'B');
        String text = prefix + "_" + id + "_" + secretText;
        return new Issued(text, id, sha256(text));
    }

    /** 12 characters of an unambiguous alphabet (about 60 bits): not secret, but not guessable in bulk. */
    static String publicId() {
        StringBuilder b = new StringBuilder(12);
        for (int i = 0; i < 12; i++) {
            b.append(ID_ALPHABET[RANDOM.nextInt(ID_ALPHABET.length)]);
        }
        return b.toString();
    }

    /** Splits {@code text} when it has the form of a secret with {@code prefix}; null otherwise. */
    public static Parsed parse(String text, String prefix) {
        if (text == null || !text.startsWith(prefix + "_") || text.length() > 200) {
            return null;
        }
        String rest = text.substring(prefix.length() + 1);
        int sep = rest.indexOf('_');
        if (sep <= 0 || sep == rest.length() - 1) {
            return null;
        }
        String id = rest.substring(0, sep);
        if (!id.equals(id.toLowerCase(Locale.ROOT))) {
            return null;
        }
        return new Parsed(prefix, id, rest.substring(sep + 1));
    }

    public static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison of the hash of {@code text} with {@code stored}. */
    public static boolean matches(String text, byte[] stored) {
        return stored != null && MessageDigest.isEqual(sha256(text), stored);
    }

    /** A random password for the first admin: 24 characters, about 140 bits. */
    public static String password() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
