package dev.wharf.server.auth.token;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a start stopped by {@link KeyEncryption} (missing or wrong key-encryption key, unusable
 * setting) into Spring Boot's "APPLICATION FAILED TO START" report: what is wrong and what to do,
 * without a stack trace. Registered in {@code META-INF/spring.factories}.
 */
class KeyEncryptionFailureAnalyzer extends AbstractFailureAnalyzer<KeyEncryption.KeyEncryptionException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, KeyEncryption.KeyEncryptionException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Set wharf.auth.key-encryption-key-file (or wharf.auth.key-encryption-key) on every replica to the"
                        + " key-encryption key the token signing keys were stored with. If that key is lost, delete"
                        + " the rows of the signing_keys table and start again: a new signing key is generated and"
                        + " every token issued before is refused. See docs/AUTH.md.", cause);
    }
}
