package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.oci.Digest;
import dev.wharf.oci.MediaTypes;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code wharf} CLI against an auth-enabled server, as a separate process: {@code wharf login}
 * (password on stdin), then {@code pull} and {@code push} through the token flow with the stored
 * credentials; a wrong password is refused with exit code 3.
 */
class WharfCliLoginIT {

    private static final String PASSWORD = "jo-password-1";
    private static RegistryServer server;
    private static Auth auth;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        server = RegistryServer.startWithAuth(Map.of());
        auth = new Auth(server);
        auth.createUser("jo", PASSWORD);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private Tools.Result wharf(String stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Duser.home=" + dir);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.wharf.cli.WharfCli");
        command.addAll(List.of(args));
        return Tools.runWithInput(dir, 180, stdin, command.toArray(String[]::new));
    }

    @Test
    void loginThenPullAndPushWithTheStoredCredentials() throws IOException {
        byte[] manifest = auth.pushImage("jo/source", "v1", Auth.basic("jo", PASSWORD));
        String authfile = dir.resolve("auth.json").toString();

        Tools.Result wrong = wharf("not-the-password\n", "login", server.hostPort(), "-u", "jo", "--password-stdin",
                "--authfile", authfile);
        assertThat(wrong.exitCode()).as(wrong.output()).isEqualTo(3);

        Tools.Result login = wharf(PASSWORD + "\n", "login", server.hostPort(), "-u", "jo", "--password-stdin",
                "--authfile", authfile);
        assertThat(login.exitCode()).as(login.output()).isZero();
        assertThat(Files.readString(Path.of(authfile))).contains(server.hostPort());

        Path layout = dir.resolve("layout");
        wharf(null, "pull", server.hostPort() + "/jo/source:v1", layout.toString(), "--authfile", authfile).orFail();
        wharf(null, "push", layout.toString(), server.hostPort() + "/jo/copy:v1", "--authfile", authfile).orFail();

        var r = auth.send("GET", "/v2/jo/copy/manifests/v1", Auth.basic("jo", PASSWORD), null,
                "Accept", MediaTypes.OCI_MANIFEST);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Digest.sha256(r.body())).isEqualTo(Digest.sha256(manifest));

        Tools.Result anonymous = wharf(null, "pull", server.hostPort() + "/jo/source:v1", dir.resolve("x").toString(),
                "--authfile", dir.resolve("empty.json").toString());
        assertThat(anonymous.exitCode()).as(anonymous.output()).isEqualTo(3);
    }
}
