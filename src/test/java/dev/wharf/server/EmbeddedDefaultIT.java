package dev.wharf.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.RegistryHttp;
import dev.wharf.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zero-configuration default: with no datasource configured the jar starts its own PostgreSQL
 * under the data directory, keeps blobs there too, and finds everything again after a restart.
 */
class EmbeddedDefaultIT {

    @TempDir
    Path dataDir;

    @Test
    void contentSurvivesARestartOnTheEmbeddedDatabase() {
        List<String> args = List.of("--wharf.data-dir=" + dataDir, "--wharf.auth.enabled=false");
        byte[] manifest;
        try (ServerProcess server = ServerProcess.start(List.of("-Xmx256m"), args)) {
            manifest = new RegistryHttp(server.base()).pushImage("embedded/app", "v1", 2);
        }
        assertThat(dataDir.resolve("postgres/PG_VERSION")).exists();
        assertThat(dataDir.resolve("storage/blobs/sha256")).isDirectory();

        try (ServerProcess restarted = ServerProcess.start(List.of("-Xmx256m"), args)) {
            RegistryHttp http = new RegistryHttp(restarted.base());
            assertThat(http.get("/v2/embedded/app/manifests/v1", "Accept", "application/vnd.oci.image.manifest.v1+json").body())
                    .isEqualTo(manifest);
        }
        assertThat(Files.exists(dataDir.resolve("postgres/postmaster.pid")))
                .as("the embedded database stops with the server").isFalse();
    }
}
