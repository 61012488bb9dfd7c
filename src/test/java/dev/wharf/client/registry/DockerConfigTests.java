package dev.wharf.client.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerConfigTests {

    @TempDir
    Path tmp;

    @Test
    void readsTheBase64AuthFieldAndUsernamePasswordFields() throws IOException {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, """
                {"auths": {
                   "registry.example.com": {"auth": "YWxpY2U6czNjcjp0"},
                   "https://other.example.com/v1/": {"username": "bob", "password": "pw"},
                   "https://index.docker.io/v1/": {"auth": "ZG9ja2VyOmh1Yg=="},
                   "empty.example.com": {}
                 }}
                """);
        DockerConfig config = new DockerConfig(file);
        assertThat(config.lookup("registry.example.com")).isEqualTo(new Credentials.Basic("alice", "s3cr:t"));
        assertThat(config.lookup("other.example.com")).isEqualTo(new Credentials.Basic("bob", "pw"));
        assertThat(config.lookup("docker.io")).isEqualTo(new Credentials.Basic("docker", "hub"));
        assertThat(config.lookup("empty.example.com")).isEqualTo(Credentials.ANONYMOUS);
        assertThat(config.lookup("unknown.example.com")).isEqualTo(Credentials.ANONYMOUS);
    }

    @Test
    void storeWritesDockersFormatKeepsOtherSettingsAndIsPrivate() throws IOException {
        Path file = tmp.resolve("docker/config.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"psFormat\":\"table {{.ID}}\",\"auths\":{\"keep.example.com\":{\"auth\":\"a2VlcDptZQ==\"}}}");
        DockerConfig config = new DockerConfig(file);
        config.store("127.0.0.1:5000", new Credentials.Basic("alice", "s3cret"));

        String written = Files.readString(file);
        assertThat(written).contains("\"psFormat\"", "keep.example.com", "\"127.0.0.1:5000\"", "YWxpY2U6czNjcmV0");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(config.lookup("127.0.0.1:5000")).isEqualTo(new Credentials.Basic("alice", "s3cret"));

        assertThat(config.remove("127.0.0.1:5000")).isTrue();
        assertThat(config.remove("127.0.0.1:5000")).isFalse();
        assertThat(config.lookup("127.0.0.1:5000")).isEqualTo(Credentials.ANONYMOUS);
        assertThat(config.lookup("keep.example.com")).isEqualTo(new Credentials.Basic("keep", "me"));
    }

    @Test
    void dockerHubIsStoredUnderDockersKey() {
        Path file = tmp.resolve("config.json");
        DockerConfig config = new DockerConfig(file);
        config.store("docker.io", new Credentials.Basic("u", "p"));
        assertThat(file).content().contains("https://index.docker.io/v1/");
        assertThat(config.lookup("docker.io")).isEqualTo(new Credentials.Basic("u", "p"));
    }

    @Test
    void identityTokensAreUsedAsRefreshTokens() throws IOException {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, "{\"auths\":{\"r.example\":{\"auth\":\"dTo=\",\"identitytoken\":\"refresh-me\"}}}");
        assertThat(new DockerConfig(file).lookup("r.example")).isEqualTo(new Credentials.IdentityToken("refresh-me"));
    }
}
