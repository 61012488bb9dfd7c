package dev.wharf.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code docker/compose.yaml} and {@code docker/Dockerfile} stay true to Wharf: the services and
 * volumes are wired as documented, and every variable they give Wharf is a setting README.md
 * documents (a misspelt one would be silently ignored by Spring).
 */
class DeploymentFilesTests {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeRunsWharfOnPostgresqlAndMinioWithDocumentedSettingsAndNamedVolumes() throws IOException {
        Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker/compose.yaml")));
        Map<String, Object> services = map(compose.get("services"));
        assertThat(services).containsOnlyKeys("postgres", "minio", "wharf");

        Map<String, Object> wharf = map(services.get("wharf"));
        Map<String, Object> dependsOn = map(wharf.get("depends_on"));
        assertThat(map(dependsOn.get("postgres")).get("condition")).isEqualTo("service_healthy");
        assertThat(map(dependsOn.get("minio")).get("condition")).isEqualTo("service_healthy");
        assertThat((List<String>) wharf.get("ports")).containsExactly("127.0.0.1:5000:5000");

        Map<String, Object> env = map(wharf.get("environment"));
        assertThat(Settings.documentedEnvironment()).containsAll(env.keySet());
        assertThat(env.get("SPRING_DATASOURCE_URL")).isEqualTo("jdbc:postgresql://postgres:5432/wharf");
        assertThat(env.get("WHARF_STORAGE_TYPE")).isEqualTo("s3");
        assertThat(env.get("WHARF_STORAGE_S3_ENDPOINT")).isEqualTo("http://minio:9000");
        assertThat(env).containsKeys("WHARF_STORAGE_S3_BUCKET", "WHARF_STORAGE_S3_ACCESS_KEY",
                "WHARF_STORAGE_S3_SECRET_KEY", "SPRING_DATASOURCE_PASSWORD", "WHARF_EXTERNAL_URL");
        // one password for both ends of each connection
        Map<String, Object> postgresEnv = map(map(services.get("postgres")).get("environment"));
        assertThat(env.get("SPRING_DATASOURCE_PASSWORD")).isEqualTo(postgresEnv.get("POSTGRES_PASSWORD"));
        assertThat(env.get("SPRING_DATASOURCE_USERNAME")).isEqualTo(postgresEnv.get("POSTGRES_USER"));
        Map<String, Object> minioEnv = map(map(services.get("minio")).get("environment"));
        assertThat(env.get("WHARF_STORAGE_S3_SECRET_KEY")).isEqualTo(minioEnv.get("MINIO_ROOT_PASSWORD"));
        assertThat(env.get("WHARF_STORAGE_S3_ACCESS_KEY")).isEqualTo(minioEnv.get("MINIO_ROOT_USER"));

        // every service keeps its data in a named volume; Wharf's is the image's data directory
        Map<String, Object> volumes = map(compose.get("volumes"));
        assertThat((List<String>) wharf.get("volumes")).containsExactly("wharfdata:/var/lib/wharf");
        for (String service : services.keySet()) {
            for (String mount : (List<String>) map(services.get(service)).get("volumes")) {
                assertThat(volumes).as(service + " mounts " + mount).containsKey(mount.substring(0, mount.indexOf(':')));
            }
            assertThat(map(services.get(service))).as(service).containsKey("image");
        }
        assertThat(map(map(services.get("postgres")).get("healthcheck")).get("test").toString()).contains("pg_isready");
    }

    @Test
    void dockerfileSetsOnlyDocumentedSettingsAndKeepsDataInTheVolume() throws IOException {
        String dockerfile = Files.readString(Path.of("docker/Dockerfile")).replace("\\\n", " ");
        List<String> env = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^ENV (.*)$").matcher(dockerfile);
        while (m.find()) {
            Matcher pair = Pattern.compile("([A-Z_]+)=").matcher(m.group(1));
            while (pair.find()) {
                env.add(pair.group(1));
            }
        }
        // the JVM's and the launcher's own (docs/CLIENT.md), not the server's settings
        env.removeAll(List.of("PATH", "JAVA_TOOL_OPTIONS", "XDG_CACHE_HOME", "WHARF_CACHE_DIR"));
        assertThat(env).contains("WHARF_DATA_DIR", "SERVER_ADDRESS", "SERVER_PORT");
        assertThat(Settings.documentedEnvironment()).containsAll(env);
        assertThat(dockerfile).contains("WHARF_DATA_DIR=/var/lib/wharf", "VOLUME /var/lib/wharf", "SERVER_ADDRESS=0.0.0.0",
                "ARG BASE_IMAGE=", "FROM ${BASE_IMAGE}", "HEALTHCHECK ", "EXPOSE 5000");
        assertThat(dockerfile).containsPattern("(?m)^USER [1-9][0-9]*:[1-9][0-9]*$");
    }

    @Test
    void readmeSettingsTableIsReadWithItsShorthandRows() {
        assertThat(Settings.documented()).contains("wharf.storage.s3.access-key", "wharf.storage.s3.secret-key",
                "spring.datasource.username", "spring.datasource.password", "wharf.auth.throttle.max-per-address",
                "server.address", "wharf.access-log.enabled");
        assertThat(Settings.environmentName("wharf.storage.s3.path-style")).isEqualTo("WHARF_STORAGE_S3_PATH_STYLE");
    }
}
