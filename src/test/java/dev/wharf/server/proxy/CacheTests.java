package dev.wharf.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** How a cache names things upstream, and how the admin API reads addresses, durations and sizes. */
class CacheTests {

    private static Cache cache(String url, boolean libraryPrefix) {
        return new Cache("hub", URI.create(url), null, null, Duration.ofMinutes(10), 0, libraryPrefix, false, Cache.SETTINGS);
    }

    @ParameterizedTest(name = "{0} -> {2} (library prefix {1})")
    @CsvSource({
            "hub/busybox, true, library/busybox",
            "hub/library/busybox, true, library/busybox",
            "hub/grafana/grafana, true, grafana/grafana",
            "hub/busybox, false, busybox",
            "hub/a/b/c, false, a/b/c"})
    void aLocalNameIsTheUpstreamPathAfterTheCacheName(String local, boolean libraryPrefix, String upstream) {
        assertThat(cache("https://registry-1.docker.io", libraryPrefix).upstream(RepositoryName.of(local)).value())
                .isEqualTo(upstream);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hub", "hubx/busybox"})
    void theBareNamespaceOrAnotherNamespaceNamesNothingUpstream(String local) {
        assertThatThrownBy(() -> cache("https://r.example", false).upstream(RepositoryName.of(local)))
                .isInstanceOf(OciException.class).hasMessageContaining("names nothing upstream");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"https://registry-1.docker.io, true", "https://docker.io, true", "https://index.docker.io, true",
            "https://ghcr.io, false", "http://127.0.0.1:5000, false"})
    void dockerHubIsRecognisedByItsAddresses(String url, boolean hub) {
        assertThat(Cache.isDockerHub(URI.create(url))).isEqualTo(hub);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"https://Registry.example, https://Registry.example", "HTTP://r.example:5000/, http://r.example:5000",
            "https://r.example:443, https://r.example:443"})
    void anAddressIsSchemeHostAndPortOnly(String given, String kept) {
        assertThat(Addresses.url(given).toString()).isEqualTo(kept);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ftp://r.example", "https://r.example/v2/", "https://u:p@r.example", "https://r.example?x=1",
            "https://r.example#f", "//r.example", "r.example", "https://"})
    void otherAddressesAre400(String given) {
        assertThatThrownBy(() -> Addresses.url(given)).isInstanceOf(OciException.class)
                .extracting(e -> ((OciException) e).status()).isEqualTo(400);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"30s, 30s", "10m, 10m", "90m, 90m", "12h, 12h", "7d, 7d", "PT2H, 2h", "0s, 0s", "1500ms, 1500ms"})
    void durationsReadAndPrintTheSameWay(String given, String printed) {
        assertThat(Addresses.print(Addresses.duration(given))).isEqualTo(printed);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"1024, 1024", "20GB, 21474836480", "500MB, 524288000", "0, 0"})
    void sizesAreBytesOrDataSizes(String given, long bytes) {
        assertThat(Addresses.size(given)).isEqualTo(bytes);
    }
}
