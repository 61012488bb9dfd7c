package dev.wharf.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the Debian mirror in apt's sources, in both of apt's formats. */
class DebianBaseTests {

    private static final Set<String> SUITES = Set.of("bookworm", "trixie");

    @TempDir
    Path apt;

    @Test
    void deb822SourcesGiveTheFirstBinaryMainArchiveOfASuiteDebootstrapKnows() throws IOException {
        Files.createDirectories(apt.resolve("sources.list.d"));
        Files.writeString(apt.resolve("sources.list.d/debian.sources"), """
                Types: deb-src
                URIs: http://src.example/debian
                Suites: bookworm
                Components: main

                Types: deb
                # a comment
                URIs: http://mirror.example/debian
                Suites: bookworm-updates bookworm
                Components: main contrib
                Signed-By: /nonexistent/keyring.gpg

                Types: deb
                URIs: http://second.example/debian
                Suites: bookworm
                Components: main
                """);
        Files.writeString(apt.resolve("sources.list.d/other.sources.disabled"), "Types: deb\nURIs: http://x/\nSuites: bookworm\nComponents: main\n");
        assertThat(DebianBase.fromAptSources(apt, SUITES::contains))
                .isEqualTo(new DebianBase.Source("http://mirror.example/debian", "bookworm", null));
    }

    @Test
    void oneLineSourcesWithOptionsAreReadToo() throws IOException {
        Path keyring = Files.writeString(apt.resolve("keyring.gpg"), "key");
        Files.writeString(apt.resolve("sources.list"), """
                # deb http://commented.example/debian bookworm main
                deb https://packages.example/apt cloud-sdk-bookworm main
                deb [arch=amd64 signed-by=%s] http://mirror.example/debian trixie main non-free
                deb http://mirror.example/debian bookworm contrib
                """.formatted(keyring));
        assertThat(DebianBase.fromAptSources(apt, SUITES::contains))
                .isEqualTo(new DebianBase.Source("http://mirror.example/debian", "trixie", keyring.toString()));
    }

    @Test
    void noUsableSourceIsAClearError() throws IOException {
        Files.writeString(apt.resolve("sources.list"), "deb cdrom:[Debian]/ bookworm main\n");
        assertThatThrownBy(() -> DebianBase.fromAptSources(apt, SUITES::contains))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no Debian archive");
    }
}
