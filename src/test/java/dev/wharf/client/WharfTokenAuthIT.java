package dev.wharf.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.client.registry.Credentials;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestData;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against Wharf with its own authentication on: the Docker token flow end to end. */
class WharfTokenAuthIT {

    private static RegistryServer server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        server = RegistryServer.startWithAuth(Map.of());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private RegistryClient client(Credentials credentials) {
        return new RegistryClient(ClientOptions.defaults(), h -> credentials, TransferListener.NONE);
    }

    @Test
    void loggedInClientPushesPullsAndCopiesThroughWharfsTokenService() {
        Credentials.Basic admin = new Credentials.Basic(RegistryServer.ADMIN, RegistryServer.ADMIN_PASSWORD);
        TestContent.Image image = TestContent.image("linux", "amd64", 2, 50_000);
        String repository = RegistryServer.ADMIN + "/" + TestData.repository("auth");
        ImageReference target = ImageReference.parse(server.hostPort() + "/" + repository + ":v1");
        try (RegistryClient client = client(admin)) {
            client.login(server.hostPort(), admin);
            client.push(TestContent.layout(tmp.resolve("src"), "v1", image), target, PushOptions.defaults());
            client.pull(target, tmp.resolve("out"), PullOptions.defaults());
            TransferResult copied = client.copy(target, ImageReference.parse(server.hostPort() + "/" + repository
                    + "-copy:v1"), CopyOptions.defaults());
            assertThat(copied.mounted()).isEqualTo(3);
            assertThat(client.tags(target)).containsExactly("v1");
        }
        assertThat(tmp.resolve("out/blobs/sha256/" + image.layers().get(1).digest().hex()))
                .hasBinaryContent(image.layers().get(1).bytes());
    }

    @Test
    void withoutCredentialsOrWithWrongOnesTheClientIsToldToLogIn() {
        TestContent.Image image = TestContent.image("linux", "amd64", 1, 1_000);
        ImageReference target = ImageReference.parse(server.hostPort() + "/" + TestData.repository("auth-anon") + ":v1");
        try (RegistryClient anonymous = client(Credentials.ANONYMOUS)) {
            // the anonymous token Wharf hands out grants nothing here: denied, with what to do
            assertThatThrownBy(() -> anonymous.push(TestContent.layout(tmp.resolve("src"), "v1", image), target,
                    PushOptions.defaults()))
                    .isInstanceOf(RegistryException.Denied.class)
                    .hasMessageContaining("wharf login " + server.hostPort());
            assertThatThrownBy(() -> anonymous.login(server.hostPort(), new Credentials.Basic(RegistryServer.ADMIN, "wrong")))
                    .isInstanceOf(RegistryException.AuthenticationRequired.class)
                    .hasMessageContaining("wharf login " + server.hostPort());
        }
    }
}
