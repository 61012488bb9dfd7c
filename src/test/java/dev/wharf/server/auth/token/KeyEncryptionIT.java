package dev.wharf.server.auth.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.DirectDecrypter;
import com.nimbusds.jose.jwk.ECKey;
import dev.wharf.server.auth.Auth;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Signing keys at rest with a key-encryption key (KEK): the column holds no key in clear, a
 * restart with the KEK keeps tokens valid, a missing or wrong KEK stops the start (naming the
 * problem, quoting no key, generating nothing), and keys stored before a KEK was set are sealed
 * at the next start with one.
 */
class KeyEncryptionIT {

    private static final String SCOPE = "repository:admin/app:pull";

    private static String newKek() {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    private static Map<String, String> withKek(String kek) {
        return RegistryServer.withAuth(Map.of("wharf.auth.key-encryption-key", kek));
    }

    /** The KEK in a file, as a mounted Kubernetes Secret gives it. */
    private static Map<String, String> withKekFile(String kek) throws IOException {
        Path file = Files.createTempFile("wharf-kek-", "");
        Files.writeString(file, kek + "\n");
        return RegistryServer.withAuth(Map.of("wharf.auth.key-encryption-key-file", file.toString()));
    }

    /** kid -> stored jwk column, read straight from PostgreSQL. */
    private static Map<String, String> rows(TestDatabases.Database db) throws SQLException {
        Map<String, String> rows = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT kid, jwk FROM signing_keys ORDER BY created_at")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getString(2));
            }
        }
        return rows;
    }

    /** 404 (the repository has no tags) means the token was accepted; 401 that it was refused. */
    private static int status(Auth auth, String token) {
        return auth.send("GET", "/v2/admin/app/tags/list", Auth.bearer(token), null).statusCode();
    }

    /** Opens a stored key with {@code kek} as an outsider would, and checks its private part is nowhere in clear. */
    private static ECKey assertSealed(String kid, String stored, String kek) throws Exception {
        assertThat(stored).doesNotStartWith("{").doesNotContain("\"d\"").doesNotContain("\"kty\"");
        JWEObject jwe = JWEObject.parse(stored);
        assertThat(jwe.getHeader().getAlgorithm()).isEqualTo(JWEAlgorithm.DIR);
        assertThat(jwe.getHeader().getEncryptionMethod()).isEqualTo(EncryptionMethod.A256GCM);
        assertThat(jwe.getHeader().getKeyID()).isEqualTo(kid);
        jwe.decrypt(new DirectDecrypter(Base64.getDecoder().decode(kek)));
        ECKey key = ECKey.parse(jwe.getPayload().toString());
        assertThat(key.isPrivate()).isTrue();
        assertThat(key.getKeyID()).isEqualTo(kid);
        assertThat(stored).doesNotContain(key.getD().toString());
        return key;
    }

    @Test
    void withAKekThePrivateKeyColumnHoldsNoKeyInClearAndARestartKeepsTokensValid() throws Exception {
        TestDatabases.Database db = TestDatabases.create();
        String kek = newKek();
        String token;
        String kid;
        try (RegistryServer server = RegistryServer.start(db, withKekFile(kek))) {
            Auth auth = new Auth(server);
            token = auth.token(Auth.adminBasic(), SCOPE);
            kid = Auth.header(token).get("kid").asString();
            assertThat(status(auth, token)).isEqualTo(404);
        }
        Map<String, String> rows = rows(db);
        assertThat(rows).containsOnlyKeys(kid);
        assertSealed(kid, rows.get(kid), kek);

        // the same KEK, given inline this time
        try (RegistryServer restarted = RegistryServer.start(db, withKek(kek))) {
            Auth auth = new Auth(restarted);
            assertThat(status(auth, token)).as("a token from before the restart").isEqualTo(404);
            assertThat(Auth.header(auth.token(Auth.adminBasic(), SCOPE)).get("kid").asString())
                    .as("the same key signs").isEqualTo(kid);
        }
        assertThat(rows(db)).as("nothing re-written or added").isEqualTo(rows);
    }

    @Test
    void aWrongOrMissingKekStopsTheStartWithAClearMessageAndGeneratesNothing() throws Exception {
        TestDatabases.Database db = TestDatabases.create();
        String kek = newKek();
        try (RegistryServer server = RegistryServer.start(db, withKek(kek))) {
            new Auth(server).token(Auth.adminBasic(), SCOPE);
        }
        Map<String, String> before = rows(db);
        String wrong = newKek();

        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Throwable wrongKek;
        Throwable noKek;
        try {
            wrongKek = catchThrowable(() -> RegistryServer.start(db, withKek(wrong), c -> root.addAppender(logs)).close());
            noKek = catchThrowable(() -> RegistryServer.start(db, RegistryServer.withAuth(Map.of()),
                    c -> root.addAppender(logs)).close());
        } finally {
            root.detachAppender(logs);
        }

        assertThat(rootCause(wrongKek)).isInstanceOf(KeyEncryption.KeyEncryptionException.class)
                .hasMessageContaining("was encrypted with another key-encryption key")
                .hasMessageContaining("no new key is generated");
        assertThat(rootCause(noKek)).isInstanceOf(KeyEncryption.KeyEncryptionException.class)
                .hasMessageContaining("is stored encrypted, but no key-encryption key is configured")
                .hasMessageContaining("wharf.auth.key-encryption-key-file");
        assertThat(rows(db)).as("no key generated, none changed").isEqualTo(before);
        String stored = before.values().iterator().next();
        for (ILoggingEvent e : logs.list) {
            String line = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
            assertThat(line).doesNotContain(kek).doesNotContain(wrong).doesNotContain(stored);
        }
    }

    @Test
    void aKeyStoredInClearIsSealedAtTheFirstStartWithAKekAndItsTokensStayValid() throws Exception {
        TestDatabases.Database db = TestDatabases.create();
        String token;
        String kid;
        try (RegistryServer legacy = RegistryServer.start(db, RegistryServer.withAuth(Map.of()))) {
            token = new Auth(legacy).token(Auth.adminBasic(), SCOPE);
            kid = Auth.header(token).get("kid").asString();
        }
        String clear = rows(db).get(kid);
        assertThat(clear).as("without a KEK, as before").startsWith("{");
        String d = ECKey.parse(clear).getD().toString();

        String kek = newKek();
        try (RegistryServer server = RegistryServer.start(db, withKek(kek))) {
            Auth auth = new Auth(server);
            assertThat(status(auth, token)).isEqualTo(404);
            assertThat(Auth.header(auth.token(Auth.adminBasic(), SCOPE)).get("kid").asString()).isEqualTo(kid);
        }
        Map<String, String> rows = rows(db);
        assertThat(rows).containsOnlyKeys(kid);
        assertThat(rows.get(kid)).doesNotContain(d);
        assertThat(assertSealed(kid, rows.get(kid), kek).getD().toString()).as("the same key").isEqualTo(d);
    }

    @Test
    void rotatingTheKekSealsTheKeysAnewAtStartAndTokensStayValid() throws Exception {
        TestDatabases.Database db = TestDatabases.create();
        String old = newKek();
        String token;
        String kid;
        try (RegistryServer server = RegistryServer.start(db, withKek(old))) {
            token = new Auth(server).token(Auth.adminBasic(), SCOPE);
            kid = Auth.header(token).get("kid").asString();
        }
        String current = newKek();
        Map<String, String> rotating = new LinkedHashMap<>(withKek(current));
        rotating.put("wharf.auth.previous-key-encryption-key", old);
        try (RegistryServer server = RegistryServer.start(db, rotating)) {
            assertThat(status(new Auth(server), token)).isEqualTo(404);
        }
        assertSealed(kid, rows(db).get(kid), current);
        try (RegistryServer server = RegistryServer.start(db, withKek(current))) {
            assertThat(status(new Auth(server), token)).as("the previous KEK is no longer needed").isEqualTo(404);
        }
    }

    /** A rolling restart adding a KEK: a replica not yet restarted keeps the keys it read before. */
    @Test
    void aReplicaWithoutTheKekKeepsWorkingAfterAnotherSealedTheKeys() throws Exception {
        TestDatabases.Database db = TestDatabases.create();
        String kek = newKek();
        try (RegistryServer old = RegistryServer.start(db, RegistryServer.withAuth(Map.of()))) {
            Auth onOld = new Auth(old);
            String token = onOld.token(Auth.adminBasic(), SCOPE);
            String kid = Auth.header(token).get("kid").asString();
            try (RegistryServer restarted = RegistryServer.start(db, withKek(kek))) {
                assertSealed(kid, rows(db).get(kid), kek);
                old.bean(TokenKeys.class).reload();

                assertThat(status(onOld, token)).isEqualTo(404);
                String fromOld = onOld.token(Auth.adminBasic(), SCOPE);
                assertThat(status(new Auth(restarted), fromOld)).isEqualTo(404);
                assertThat(status(onOld, new Auth(restarted).token(Auth.adminBasic(), SCOPE))).isEqualTo(404);
            }
        }
    }

    private static Throwable rootCause(Throwable t) {
        assertThat(t).as("the start failed").isNotNull();
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }
}
