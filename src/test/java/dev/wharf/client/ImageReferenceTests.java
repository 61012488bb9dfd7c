package dev.wharf.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTests {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            busybox                                  | docker.io        | library/busybox        | latest | -
            busybox:1.36                             | docker.io        | library/busybox        | 1.36   | -
            team/app                                 | docker.io        | team/app               | latest | -
            docker.io/busybox                        | docker.io        | library/busybox        | latest | -
            index.docker.io/team/app:2               | docker.io        | team/app               | 2      | -
            localhost/app                            | localhost        | app                    | latest | -
            localhost:5000/app:dev                   | localhost:5000   | app                    | dev    | -
            127.0.0.1:5000/team/sub/app:v1           | 127.0.0.1:5000   | team/sub/app           | v1     | -
            registry.example.com/app                 | registry.example.com | app                | latest | -
            Registry.Example.com/app                 | registry.example.com | app                | latest | -
            ghcr.io/org/app@sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b | ghcr.io | org/app | - | sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b
            ghcr.io/org/app:1.0@sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b | ghcr.io | org/app | 1.0 | sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b
            """)
    void parsesWithDockersDefaults(String input, String registry, String repository, String tag, String digest) {
        ImageReference r = ImageReference.parse(input);
        assertThat(r.registry()).isEqualTo(registry);
        assertThat(r.repository().value()).isEqualTo(repository);
        assertThat(r.tag() == null ? null : r.tag().value()).isEqualTo(tag);
        assertThat(r.digest() == null ? null : r.digest().toString()).isEqualTo(digest);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "UPPER/case", "app:", "app:-bad", "app@sha256:short", "app@md5:abc", "a//b", "/app"})
    void rejectsInvalidReferences(String input) {
        assertThatThrownBy(() -> ImageReference.parse(input)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            busybox                        | busybox:latest
            team/app:1                     | team/app:1
            127.0.0.1:5000/team/app:v1     | 127.0.0.1:5000/team/app:v1
            """)
    void familiarNameIsWhatDockerShows(String input, String familiar) {
        assertThat(ImageReference.parse(input).familiarName()).isEqualTo(familiar);
    }

    @org.junit.jupiter.api.Test
    void digestWinsOverTagAsTheReferenceAskedFor() {
        ImageReference r = ImageReference.parse(
                "h:1/app:1.0@sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b");
        assertThat(r.reference().toString()).startsWith("sha256:");
        assertThat(r.toString()).isEqualTo(
                "h:1/app:1.0@sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b");
        assertThat(ImageReference.apiHost("docker.io")).isEqualTo("registry-1.docker.io");
    }
}
