package dev.wharf.cli;

import dev.wharf.client.ClientOptions;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TransferListener;
import dev.wharf.client.registry.DockerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** How client commands reach registries: credentials, plain HTTP, TLS, parallelism. */
final class ConnectionOptions {

    @Option(names = "--plain-http", paramLabel = "HOST[:PORT]",
            description = "Talk plain HTTP to this registry (repeatable). Loopback registries always use plain HTTP.")
    List<String> plainHttp = new ArrayList<>();

    @Option(names = "--tls-verify", arity = "1", defaultValue = "true", paramLabel = "true|false",
            description = "Verify TLS certificates (default: ${DEFAULT-VALUE}).")
    boolean tlsVerify = true;

    @Option(names = "--authfile", paramLabel = "FILE",
            description = "Docker config file with credentials (default: $DOCKER_CONFIG/config.json or ~/.docker/config.json).")
    Path config;

    @Option(names = "--cache-dir", paramLabel = "DIR", hidden = true,
            description = "Where to remember compressed digests and blob locations (default: ~/.cache/wharf).")
    Path cacheDir;

    @Option(names = "--no-cache", description = "Do not remember compressed digests and blob locations between runs.")
    boolean noCache;

    DockerConfig dockerConfig() {
        return new DockerConfig(config != null ? config : DockerConfig.defaultPath());
    }

    RegistryClient client(int parallelism, long chunkSize, TransferListener listener) {
        if (!tlsVerify) {
            // the JDK client checks host names unless told otherwise, before it is first used
            System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
        }
        Set<String> plain = new HashSet<>(plainHttp);
        ClientOptions options = ClientOptions.defaults()
                .withParallelism(parallelism)
                .withChunkSize(chunkSize)
                .withPlainHttp(plain)
                .withTlsVerify(tlsVerify)
                .withCacheDirectory(noCache ? null : cacheDirectory())
                .withUserAgent("wharf/" + WharfCli.version());
        DockerConfig credentials = dockerConfig();
        return new RegistryClient(options, credentials::lookup, listener);
    }

    RegistryClient client(TransferListener listener) {
        return client(ClientOptions.defaults().parallelism(), ClientOptions.DEFAULT_CHUNK_SIZE, listener);
    }

    private Path cacheDirectory() {
        if (cacheDir != null) {
            return cacheDir;
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "wharf");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "wharf");
    }
}
