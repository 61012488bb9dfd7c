package dev.wharf.server.auth.token;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.DirectDecrypter;
import com.nimbusds.jose.crypto.DirectEncrypter;
import dev.wharf.server.auth.AuthProperties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import dev.wharf.server.secrets.SecretSealer;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The stored form of token signing private keys, and the key-encryption key (KEK) that seals them
 * ({@code wharf.auth.key-encryption-key} or {@code wharf.auth.key-encryption-key-file}).
 *
 * <p>Two stored forms, told apart by their first character, so a table can hold both while a
 * server seals old rows: a JSON object ({@code {...}}) is the private JWK in clear; anything else is
 * a JWE compact serialization ({@code eyJ...}) with {@code alg: dir}, {@code enc: A256GCM},
 * {@code cty: jwk+json}, {@code kid} = the signing key's kid and {@code kek} = the
 * {@link #fingerprint() fingerprint} of the KEK that sealed it. The header is authenticated, so a
 * sealed key copied onto another row, or any altered byte, fails to open.
 *
 * <p>Errors ({@link KeyEncryptionException}) name the signing key and the setting to fix, never
 * key material. Immutable and thread-safe.
 */
@Component
class KeyEncryption implements SecretSealer {

    /** Thrown when a stored key cannot be opened or the KEK setting is unusable. */
    static final class KeyEncryptionException extends IllegalStateException {
        KeyEncryptionException(String message) {
            super(message);
        }
    }

    private static final int KEY_BYTES = 32;
    private static final String KEK_PARAM = "kek";
    private static final String CONTENT_TYPE = "jwk+json";
    private static final String SECRET_CONTENT_TYPE = "text/plain";
    /** The stored form of a {@link SecretSealer} secret without a KEK starts with this. */
    private static final String CLEAR = "clear:";

    private static final String SETTING = "wharf.auth.key-encryption-key";
    private static final String PREVIOUS_SETTING = "wharf.auth.previous-key-encryption-key";

    private final SecretKey kek;
    private final String fingerprint;
    /** The KEK before the current one (KEK rotation): keys sealed with it open, and are sealed anew at start. */
    private final SecretKey previous;
    private final String previousFingerprint;

    @Autowired
    KeyEncryption(AuthProperties properties) {
        this(read(properties.keyEncryptionKey(), properties.keyEncryptionKeyFile(), SETTING),
                read(properties.previousKeyEncryptionKey(), properties.previousKeyEncryptionKeyFile(), PREVIOUS_SETTING));
    }

    private KeyEncryption(byte[] kek, byte[] previous) {
        if (kek == null && previous != null) {
            throw new KeyEncryptionException(PREVIOUS_SETTING + " is set but " + SETTING + " (or -file) is not:"
                    + " set the new key-encryption key too");
        }
        this.kek = kek == null ? null : new SecretKeySpec(kek, "AES");
        this.fingerprint = kek == null ? null : fingerprint(kek);
        this.previous = previous == null ? null : new SecretKeySpec(previous, "AES");
        this.previousFingerprint = previous == null ? null : fingerprint(previous);
        if (fingerprint != null && fingerprint.equals(previousFingerprint)) {
            throw new KeyEncryptionException(PREVIOUS_SETTING + " is the same key as " + SETTING);
        }
        for (byte[] k : new byte[][] {kek, previous}) {
            if (k != null) {
                Arrays.fill(k, (byte) 0);
            }
        }
    }

    /** As configured by the settings {@code wharf.auth.key-encryption-key} and {@code -file}. */
    static KeyEncryption configured(String keyEncryptionKey, Path keyEncryptionKeyFile) {
        return new KeyEncryption(read(keyEncryptionKey, keyEncryptionKeyFile, SETTING), null);
    }

    /** A KEK of exactly these 32 bytes, or none when null (for tests). */
    static KeyEncryption of(byte[] kek) {
        return of(kek, null);
    }

    /** A KEK and the previous one (for tests). */
    static KeyEncryption of(byte[] kek, byte[] previous) {
        if (kek != null && kek.length != KEY_BYTES || previous != null && previous.length != KEY_BYTES) {
            throw new KeyEncryptionException("a key-encryption key is 32 bytes");
        }
        return new KeyEncryption(kek == null ? null : kek.clone(), previous == null ? null : previous.clone());
    }

    /** True when a KEK is configured: keys are stored sealed. */
    boolean enabled() {
        return kek != null;
    }

    /** A short, public identifier of the configured KEK (none: null); it reveals nothing of the key. */
    String fingerprint() {
        return fingerprint;
    }

    /** True when {@code stored} is sealed (a JWE), false when it is a JWK in clear. */
    static boolean sealed(String stored) {
        return !stored.stripLeading().startsWith("{");
    }

    /**
     * True when {@code stored} is as this configuration writes it: sealed with the current KEK, or
     * in clear when none is configured. Otherwise it is due to be sealed anew (if it opens).
     */
    @Override
    public boolean upToDate(String stored) {
        boolean clear = !sealed(stored) || stored.startsWith(CLEAR);
        if (kek == null || clear) {
            return kek == null && clear;
        }
        try {
            return fingerprint.equals(JWEObject.parse(stored).getHeader().getCustomParam(KEK_PARAM));
        } catch (ParseException e) {
            return false;
        }
    }

    /** The stored form of {@code jwk}: sealed with the KEK when one is configured, else the JWK itself. */
    String seal(String kid, String jwk) {
        return kek == null ? jwk : jwe(kid, CONTENT_TYPE, jwk, "signing key " + kid);
    }

    @Override
    public String sealSecret(String id, String secret) {
        return kek == null ? CLEAR + secret : jwe(id, SECRET_CONTENT_TYPE, secret, "secret " + id);
    }

    private String jwe(String kid, String contentType, String payload, String what) {
        JWEHeader header = new JWEHeader.Builder(JWEAlgorithm.DIR, EncryptionMethod.A256GCM)
                .contentType(contentType)
                .keyID(kid)
                .customParam(KEK_PARAM, fingerprint)
                .build();
        JWEObject jwe = new JWEObject(header, new Payload(payload));
        try {
            jwe.encrypt(new DirectEncrypter(kek));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot encrypt " + what + ": " + e.getMessage());
        }
        return jwe.serialize();
    }

    /**
     * The private JWK of the key {@code kid} from its stored form.
     *
     * @throws KeyEncryptionException when it is sealed and no KEK, another KEK, or a KEK that does
     *                                not open it is configured, or it is sealed for another kid
     */
    String open(String kid, String stored) {
        if (!sealed(stored)) {
            return stored;
        }
        return openJwe(kid, stored, "signing key " + kid);
    }

    @Override
    public String openSecret(String id, String stored) {
        if (stored.startsWith(CLEAR)) {
            return stored.substring(CLEAR.length());
        }
        return openJwe(id, stored, "secret " + id);
    }

    private String openJwe(String kid, String stored, String what) {
        JWEObject jwe;
        try {
            jwe = JWEObject.parse(stored);
        } catch (ParseException e) {
            throw new KeyEncryptionException(what + " is stored in a form Wharf cannot read");
        }
        if (kek == null) {
            throw new KeyEncryptionException(what + " is stored encrypted, but no key-encryption key"
                    + " is configured: set wharf.auth.key-encryption-key-file (or wharf.auth.key-encryption-key)"
                    + " to the key it was encrypted with" + sealedWith(jwe));
        }
        JWEHeader header = jwe.getHeader();
        if (!kid.equals(header.getKeyID())) {
            throw new KeyEncryptionException(what + " holds what was sealed for another kid; the row was altered");
        }
        Object sealedWith = header.getCustomParam(KEK_PARAM);
        boolean byPrevious = previous != null && previousFingerprint.equals(sealedWith);
        if (sealedWith != null && !fingerprint.equals(sealedWith) && !byPrevious) {
            throw new KeyEncryptionException(what + " was encrypted with another key-encryption key"
                    + sealedWith(jwe) + " than the configured one (fingerprint " + fingerprint + ")"
                    + (previous == null ? "" : " or the previous one (fingerprint " + previousFingerprint + ")"));
        }
        try {
            jwe.decrypt(new DirectDecrypter(byPrevious ? previous : kek));
        } catch (JOSEException e) {
            throw new KeyEncryptionException(what + " cannot be decrypted with the configured"
                    + " key-encryption key (fingerprint " + (byPrevious ? previousFingerprint : fingerprint)
                    + "): wrong key, or the row was altered");
        }
        return jwe.getPayload().toString();
    }

    private static String sealedWith(JWEObject jwe) {
        Object f = jwe.getHeader().getCustomParam(KEK_PARAM);
        return f instanceof String s && s.matches("[A-Za-z0-9_-]{1,64}") ? " (fingerprint " + s + ")" : "";
    }

    private static byte[] read(String value, Path file, String setting) {
        boolean inline = value != null && !value.isBlank();
        if (file != null && file.toString().isBlank()) {
            file = null;
        }
        if (inline && file != null) {
            throw new KeyEncryptionException("set " + setting + " or " + setting + "-file, not both");
        }
        if (inline) {
            return decode(value, setting);
        }
        if (file == null) {
            return null;
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new KeyEncryptionException("cannot read " + setting + "-file " + file + ": "
                    + e.getClass().getSimpleName());
        }
        if (content.length == KEY_BYTES) {
            return content;
        }
        String text = new String(content, StandardCharsets.US_ASCII);
        Arrays.fill(content, (byte) 0);
        return decode(text, setting + "-file " + file);
    }

    /** Base64 (standard or URL-safe, padding optional) of exactly 32 bytes; errors never quote the value. */
    private static byte[] decode(String text, String setting) {
        String compact = text.strip();
        byte[] key;
        try {
            key = compact.indexOf('-') >= 0 || compact.indexOf('_') >= 0
                    ? Base64.getUrlDecoder().decode(compact) : Base64.getDecoder().decode(compact);
        } catch (IllegalArgumentException e) {
            key = null;
        }
        if (key == null || key.length != KEY_BYTES) {
            throw new KeyEncryptionException(setting + " must hold 32 random bytes in base64"
                    + " (e.g. the output of `openssl rand -base64 32`)");
        }
        return key;
    }

    private static String fingerprint(byte[] kek) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("wharf key-encryption key\n".getBytes(StandardCharsets.US_ASCII));
            byte[] hash = sha.digest(kek);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(hash, 9));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
