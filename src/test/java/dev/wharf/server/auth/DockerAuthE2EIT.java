package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestImages;
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
 * Real clients against an auth-enabled server: {@code docker login} (password, and a robot secret
 * on stdin), push and pull through the token flow; {@code skopeo --creds}; anonymous pulls of a
 * public repository, and their refusal on a private one. Each docker call uses its own config
 * directory, so no credentials leak between steps (or into the machine's ~/.docker).
 */
class DockerAuthE2EIT {

    private static final String PASSWORD = "ivy-password-1";
    private static RegistryServer server;
    private static Auth auth;
    private static String robotSecret;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        server = RegistryServer.startWithAuth(Map.of());
        auth = new Auth(server);
        auth.createUser("ivy", PASSWORD);
        robotSecret = auth.createRobot("ivy", "ci", "[{\"repositories\":\"ivy/ci-*\",\"actions\":[\"pull\",\"push\"]}]",
                "\"expiresInDays\":1");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private Tools.Result docker(Path config, String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "--config", config.toString()));
        command.addAll(List.of(args));
        return Tools.runWithInput(dir, 300, stdin, command.toArray(String[]::new));
    }

    private Path config(String name) throws IOException {
        return Files.createDirectories(dir.resolve(name));
    }

    private String imageId(Path config, String ref) {
        return docker(config, null, "image", "inspect", "-f", "{{.Id}}", ref).orFail().output().strip();
    }

    @Test
    void dockerLoginWithPasswordThenPushAndPull() throws IOException {
        Tools.requireDocker();
        Path config = config("ivy");
        String login = docker(config, null, "login", "-u", "ivy", "-p", PASSWORD, server.hostPort()).orFail().output();
        assertThat(login).contains("Login Succeeded");
        assertThat(Files.readString(config.resolve("config.json"))).doesNotContain(PASSWORD);

        String ref = server.hostPort() + "/ivy/app:v1";
        TestImages.build(ref, 2, 64 * 1024);
        String id = imageId(config, ref);
        assertThat(docker(config, null, "push", ref).orFail().output()).contains("v1: digest: sha256:");
        docker(config, null, "rmi", ref).orFail();
        docker(config, null, "pull", ref).orFail();
        assertThat(imageId(config, ref)).isEqualTo(id);
        docker(config, null, "rmi", ref).orFail();

        Tools.Result wrong = docker(config("wrong"), null, "login", "-u", "ivy", "-p", "not-the-password",
                server.hostPort());
        assertThat(wrong.exitCode()).isNotZero();
    }

    @Test
    void dockerLoginWithRobotSecretOnStdinPushesWithinItsPatternsOnly() throws IOException {
        Tools.requireDocker();
        Path config = config("robot");
        docker(config, robotSecret + "\n", "login", "-u", "ivy+ci", "--password-stdin", server.hostPort()).orFail();
        String allowed = server.hostPort() + "/ivy/ci-app:v1";
        TestImages.build(allowed, 1, 32 * 1024);
        docker(config, null, "push", allowed).orFail();

        String outside = server.hostPort() + "/ivy/elsewhere:v1";
        docker(config, null, "tag", allowed, outside).orFail();
        Tools.Result refused = docker(config, null, "push", outside);
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.output()).containsIgnoringCase("denied");
        docker(config, null, "rmi", allowed, outside).orFail();
    }

    @Test
    void anonymousDockerPullWorksForPublicRepositoriesAndIsDeniedForPrivateOnes() throws IOException {
        Tools.requireDocker();
        Path owner = config("owner");
        docker(owner, PASSWORD + "\n", "login", "-u", "ivy", "--password-stdin", server.hostPort()).orFail();
        String open = server.hostPort() + "/ivy/open:v1";
        String closed = server.hostPort() + "/ivy/closed:v1";
        TestImages.build(open, 1, 16 * 1024);
        docker(owner, null, "tag", open, closed).orFail();
        docker(owner, null, "push", open).orFail();
        docker(owner, null, "push", closed).orFail();
        docker(owner, null, "rmi", open, closed).orFail();
        auth.makePublic("ivy/open");

        Path anonymous = config("anonymous");
        docker(anonymous, null, "pull", open).orFail();
        docker(anonymous, null, "rmi", open).orFail();
        Tools.Result denied = docker(anonymous, null, "pull", closed);
        assertThat(denied.exitCode()).isNotZero();
        assertThat(denied.output()).containsIgnoringCase("denied");
    }

    @Test
    void skopeoCopiesWithCredentialsAndIsRefusedWithout() {
        Tools.require("skopeo", "skopeo");
        String source = "docker://" + server.hostPort() + "/ivy/sk-src:v1";
        String target = "docker://" + server.hostPort() + "/ivy/sk-dst:v1";
        auth.pushImage("ivy/sk-src", "v1", Auth.basic("ivy", PASSWORD));
        String creds = "ivy:" + PASSWORD;
        Tools.run(dir, 300, "skopeo", "--insecure-policy", "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                "--src-creds", creds, "--dest-creds", creds, source, target).orFail();
        String inspect = Tools.run(dir, 120, "skopeo", "inspect", "--tls-verify=false", "--creds", creds, target)
                .orFail().output();
        assertThat(inspect).contains("ivy/sk-dst");
        Tools.Result anonymous = Tools.run(dir, 120, "skopeo", "inspect", "--tls-verify=false", "--no-creds", target);
        assertThat(anonymous.exitCode()).isNotZero();
        Tools.Result robotOutside = Tools.run(dir, 120, "skopeo", "inspect", "--tls-verify=false", "--creds",
                "ivy+ci:" + robotSecret, target);
        assertThat(robotOutside.exitCode()).isNotZero();
    }
}
