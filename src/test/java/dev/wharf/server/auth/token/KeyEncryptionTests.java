package dev.wharf.server.auth.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** The stored forms of signing keys and the key-encryption key settings. */
class KeyEncryptionTests {

    private static final String JWK = "{\"kty\":\"EC\",\"d\":\"private-part\",\"kid\":\"k1\"}";

    @TempDir
    Path dir;

    private static byte[] kek() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return k;
    }

    private static KeyEncryption settings(String inline, Path file) {
        return KeyEncryption.configured(inline, file);
    }

    @Test
    void sealedKeyOpensWithItsKekAndHoldsNothingInClear() {
        KeyEncryption encryption = KeyEncryption.of(kek());
        String stored = encryption.seal("k1", JWK);

        assertThat(KeyEncryption.sealed(stored)).isTrue();
        assertThat(stored).startsWith("eyJ").doesNotContain("private-part");
        assertThat(stored.split("\\.")).hasSize(5);
        assertThat(encryption.open("k1", stored)).isEqualTo(JWK);
    }

    @Test
    void keyInClearIsReadWithOrWithoutKek() {
        assertThat(KeyEncryption.sealed(JWK)).isFalse();
        assertThat(KeyEncryption.of(null).open("k1", JWK)).isEqualTo(JWK);
        assertThat(KeyEncryption.of(kek()).open("k1", JWK)).isEqualTo(JWK);
        assertThat(KeyEncryption.of(null).seal("k1", JWK)).as("no KEK: stored in clear").isEqualTo(JWK);
    }

    @Test
    void sealedKeyWithoutKekOrWithAnotherKekIsRefusedByName() {
        KeyEncryption one = KeyEncryption.of(kek());
        String stored = one.seal("k1", JWK);

        assertThatThrownBy(() -> KeyEncryption.of(null).open("k1", stored))
                .isInstanceOf(KeyEncryption.KeyEncryptionException.class)
                .hasMessageContaining("signing key k1 is stored encrypted, but no key-encryption key is configured")
                .hasMessageContaining(one.fingerprint());
        KeyEncryption other = KeyEncryption.of(kek());
        assertThatThrownBy(() -> other.open("k1", stored))
                .hasMessageContaining("signing key k1 was encrypted with another key-encryption key")
                .hasMessageContaining(one.fingerprint()).hasMessageContaining(other.fingerprint());
    }

    @Test
    void sealedKeyMovedToAnotherRowOrAlteredIsRefused() {
        KeyEncryption encryption = KeyEncryption.of(kek());
        String stored = encryption.seal("k1", JWK);
        assertThatThrownBy(() -> encryption.open("k2", stored)).hasMessageContaining("another kid");

        String[] parts = stored.split("\\.");
        char c = parts[3].charAt(0);
        parts[3] = (c == 'A' ? 'B' : 'A') + parts[3].substring(1);
        String altered = String.join(".", parts);
        assertThatThrownBy(() -> encryption.open("k1", altered))
                .hasMessageContaining("cannot be decrypted with the configured key-encryption key");
    }

    @Test
    void duringAKekRotationKeysOfThePreviousKekOpenAndAreDueToBeSealedAnew() {
        byte[] old = kek();
        byte[] current = kek();
        String byOld = KeyEncryption.of(old).seal("k1", JWK);
        KeyEncryption rotating = KeyEncryption.of(current, old);

        assertThat(rotating.open("k1", byOld)).isEqualTo(JWK);
        assertThat(rotating.upToDate(byOld)).isFalse();
        assertThat(rotating.upToDate(JWK)).as("in clear").isFalse();
        String byCurrent = rotating.seal("k1", JWK);
        assertThat(rotating.upToDate(byCurrent)).isTrue();
        assertThat(KeyEncryption.of(current).open("k1", byCurrent)).as("sealed with the current KEK").isEqualTo(JWK);
        assertThat(KeyEncryption.of(null).upToDate(JWK)).isTrue();
        assertThat(KeyEncryption.of(null).upToDate(byCurrent)).isFalse();
        assertThatThrownBy(() -> KeyEncryption.of(null, old)).hasMessageContaining("is set but");
        assertThatThrownBy(() -> KeyEncryption.of(old, old)).hasMessageContaining("the same key");
    }

    @Test
    void kekIsReadInlineOrFromAFileAsBase64OrRawBytes() throws IOException {
        byte[] kek = kek();
        String fingerprint = KeyEncryption.of(kek).fingerprint();
        String base64 = Base64.getEncoder().encodeToString(kek);

        assertThat(settings(base64, null).fingerprint()).isEqualTo(fingerprint);
        Path text = Files.writeString(dir.resolve("kek.txt"), base64 + "\n");
        assertThat(settings(null, text).fingerprint()).isEqualTo(fingerprint);
        Path raw = Files.write(dir.resolve("kek.bin"), kek);
        assertThat(settings(null, raw).fingerprint()).isEqualTo(fingerprint);
        Path urlSafe = Files.writeString(dir.resolve("kek.url"), Base64.getUrlEncoder().withoutPadding().encodeToString(kek));
        assertThat(settings(null, urlSafe).fingerprint()).isEqualTo(fingerprint);
        assertThat(settings(null, null).enabled()).isFalse();
        assertThat(settings("", null).enabled()).isFalse();
        assertThat(settings("", Path.of("")).enabled()).as("empty settings, as an empty env variable gives").isFalse();
    }

    @Test
    void unusableKekSettingsFailWithoutQuotingTheValue() throws IOException {
        String tooShort = Base64.getEncoder().encodeToString("sixteen byte key".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> settings(tooShort, null))
                .hasMessageContaining("wharf.auth.key-encryption-key must hold 32 random bytes in base64")
                .hasMessageNotContaining(tooShort);
        String notBase64 = "this is a passphrase, not base64!!";
        assertThatThrownBy(() -> settings(notBase64, null))
                .hasMessageContaining("must hold 32 random bytes").hasMessageNotContaining("passphrase")
                .hasNoCause();
        Path file = Files.writeString(dir.resolve("kek"), Base64.getEncoder().encodeToString(kek()));
        assertThatThrownBy(() -> settings(Base64.getEncoder().encodeToString(kek()), file))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> settings(null, dir.resolve("missing")))
                .hasMessageContaining("cannot read wharf.auth.key-encryption-key-file");
    }

    @Test
    void aStopForTheKekIsReportedAsWhatIsWrongAndWhatToDo() {
        FailureAnalysis analysis = new KeyEncryptionFailureAnalyzer().analyze(
                new IllegalStateException("context failed", new KeyEncryption.KeyEncryptionException("signing key k1 ...")));

        assertThat(analysis.getDescription()).isEqualTo("signing key k1 ...");
        assertThat(analysis.getAction()).contains("wharf.auth.key-encryption-key-file");
        assertThat(SpringFactoriesLoader.loadFactoryNames(FailureAnalyzer.class, getClass().getClassLoader()))
                .as("registered with Spring Boot").contains(KeyEncryptionFailureAnalyzer.class.getName());
    }

    @Test
    void secretsAreSealedForTheirIdAndOpenOnlyThere() {
        KeyEncryption encryption = KeyEncryption.of(kek());
        String stored = encryption.sealSecret("webhook:w1", "s3cret");
        assertThat(stored).doesNotContain("s3cret").startsWith("eyJ");
        assertThat(encryption.openSecret("webhook:w1", stored)).isEqualTo("s3cret");
        assertThat(encryption.upToDate(stored)).isTrue();
        assertThatThrownBy(() -> encryption.openSecret("webhook:w2", stored))
                .hasMessageContaining("secret webhook:w2").hasMessageContaining("another kid");
        assertThatThrownBy(() -> KeyEncryption.of(kek()).openSecret("webhook:w1", stored))
                .hasMessageContaining("was encrypted with another key-encryption key");
    }

    @Test
    void secretsWithoutAKekAreStoredInClearAndSealedOnceOneIsConfigured() {
        String clear = KeyEncryption.of(null).sealSecret("webhook:w1", "s3cret");
        assertThat(clear).isEqualTo("clear:s3cret");
        assertThat(KeyEncryption.of(null).openSecret("webhook:w1", clear)).isEqualTo("s3cret");
        assertThat(KeyEncryption.of(null).upToDate(clear)).isTrue();
        KeyEncryption withKek = KeyEncryption.of(kek());
        assertThat(withKek.upToDate(clear)).as("due to be sealed").isFalse();
        assertThat(withKek.openSecret("webhook:w1", clear)).isEqualTo("s3cret");
    }
}
