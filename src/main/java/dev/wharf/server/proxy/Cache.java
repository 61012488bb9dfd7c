package dev.wharf.server.proxy;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * A pull-through cache: the namespace {@code name} serves the upstream registry at {@code url}.
 * A local repository {@code <name>/<path>} is the upstream's {@code <path>} (with {@code library/}
 * in front of a one-component path when {@code libraryPrefix}).
 *
 * @param source {@code settings} or {@code api}
 */
record Cache(String name, URI url, String username, String password, Duration tagTtl, long maxBytes,
             boolean libraryPrefix, boolean isPublic, String source) {

    static final String SETTINGS = "settings";
    static final String API = "api";

    /** Docker Hub's addresses: their one-component names are official images under {@code library/}. */
    private static final Set<String> DOCKER_HUB = Set.of("docker.io", "index.docker.io", "registry-1.docker.io",
            "registry.hub.docker.com");

    static boolean isDockerHub(URI url) {
        return url.getHost() != null && DOCKER_HUB.contains(url.getHost().toLowerCase(Locale.ROOT));
    }

    /** {@code host[:port]}, as the client library names registries. */
    String registry() {
        return url.getPort() < 0 ? url.getHost() : url.getHost() + ":" + url.getPort();
    }

    boolean plainHttp() {
        return "http".equalsIgnoreCase(url.getScheme());
    }

    /**
     * The upstream's name for the local repository {@code local} (in this cache's namespace).
     *
     * @throws OciException 404 {@code NAME_UNKNOWN} for the bare namespace, which names nothing upstream
     */
    RepositoryName upstream(RepositoryName local) {
        String value = local.value();
        if (!value.startsWith(name + "/")) {
            throw new OciException(OciErrorCode.NAME_UNKNOWN, "repository " + local + " names nothing upstream: pull "
                    + name + "/<repository> to pull <repository> from " + url, local.value());
        }
        String path = value.substring(name.length() + 1);
        if (libraryPrefix && path.indexOf('/') < 0) {
            path = "library/" + path;
        }
        return RepositoryName.of(path);
    }

    /** Whether the credentials or their absence differ from {@code other}'s (the client must be rebuilt). */
    boolean sameUpstream(Cache other) {
        return url.equals(other.url) && java.util.Objects.equals(username, other.username)
                && java.util.Objects.equals(password, other.password);
    }

    @Override
    public String toString() {
        // never the password
        return "cache " + name + " of " + url;
    }
}
