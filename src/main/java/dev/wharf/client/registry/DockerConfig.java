package dev.wharf.client.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Credentials in Docker's {@code config.json}: the file {@code docker login} writes and
 * {@code wharf login} writes in the same format, so each tool can use the other's logins.
 *
 * <p>Reads, in this order: an {@code auths} entry holding credentials (the base64 {@code auth}
 * field, or {@code username}/{@code password}, or an {@code identitytoken}); then a credential
 * helper ({@code credHelpers} for the host, else {@code credsStore}) run as
 * {@code docker-credential-<name> get}. Writes always go to {@code auths}, with mode 0600, by
 * replacing the file atomically; other fields of the file are kept as they are.
 *
 * @see <a href="https://docs.docker.com/reference/cli/docker/login/">docker login</a>
 */
public final class DockerConfig {

    /** The key Docker uses for Docker Hub. */
    public static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";

    private static final JsonMapper JSON = Json.MAPPER;

    private final Path file;

    public DockerConfig(Path file) {
        this.file = file;
    }

    /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}. */
    public static Path defaultPath() {
        String dir = System.getenv("DOCKER_CONFIG");
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir, "config.json");
        }
        return Path.of(System.getProperty("user.home"), ".docker", "config.json");
    }

    public Path file() {
        return file;
    }

    /** The credentials for a registry ({@code host[:port]}); anonymous when there are none. */
    public Credentials lookup(String registry) {
        ObjectNode root = read();
        String wanted = normalize(registry);
        JsonNode auths = root.get("auths");
        if (auths != null && auths.isObject()) {
            for (Map.Entry<String, JsonNode> e : auths.properties()) {
                if (normalize(e.getKey()).equals(wanted)) {
                    Credentials c = fromEntry(e.getValue());
                    if (!(c instanceof Credentials.Anonymous)) {
                        return c;
                    }
                }
            }
        }
        String helper = null;
        JsonNode helpers = root.get("credHelpers");
        if (helpers != null && helpers.isObject()) {
            for (Map.Entry<String, JsonNode> e : helpers.properties()) {
                if (normalize(e.getKey()).equals(wanted)) {
                    helper = e.getValue().asString(null);
                }
            }
        }
        if (helper == null) {
            helper = root.path("credsStore").asString(null);
        }
        if (helper != null && !helper.isBlank()) {
            return fromHelper(helper, isDockerHub(wanted) ? DOCKER_HUB_KEY : registry);
        }
        return Credentials.ANONYMOUS;
    }

    /** Stores credentials for a registry, replacing earlier ones. */
    public void store(String registry, Credentials.Basic credentials) {
        ObjectNode root = read();
        JsonNode existing = root.get("auths");
        ObjectNode auths = existing instanceof ObjectNode o ? o : root.putObject("auths");
        removeMatching(auths, registry);
        ObjectNode entry = auths.putObject(key(registry));
        entry.put("auth", Base64.getEncoder().encodeToString(
                (credentials.username() + ":" + credentials.password()).getBytes(StandardCharsets.UTF_8)));
        write(root);
    }

    /** Removes the stored credentials of a registry; false when there were none. */
    public boolean remove(String registry) {
        ObjectNode root = read();
        JsonNode auths = root.get("auths");
        if (!(auths instanceof ObjectNode o) || !removeMatching(o, registry)) {
            return false;
        }
        write(root);
        return true;
    }

    /** The key {@code docker login} would use for a registry. */
    public static String key(String registry) {
        return isDockerHub(normalize(registry)) ? DOCKER_HUB_KEY : registry;
    }

    private static boolean removeMatching(ObjectNode auths, String registry) {
        String wanted = normalize(registry);
        List<String> matching = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : auths.properties()) {
            if (normalize(e.getKey()).equals(wanted)) {
                matching.add(e.getKey());
            }
        }
        matching.forEach(auths::remove);
        return !matching.isEmpty();
    }

    private static Credentials fromEntry(JsonNode entry) {
        String identity = entry.path("identitytoken").asString("");
        if (!identity.isEmpty()) {
            return new Credentials.IdentityToken(identity);
        }
        String auth = entry.path("auth").asString("");
        if (!auth.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("the auth field in the Docker config is not base64", e);
            }
            int colon = decoded.indexOf(':');
            if (colon > 0) {
                return new Credentials.Basic(decoded.substring(0, colon), decoded.substring(colon + 1));
            }
        }
        String username = entry.path("username").asString("");
        String password = entry.path("password").asString("");
        if (!username.isEmpty()) {
            return new Credentials.Basic(username, password);
        }
        return Credentials.ANONYMOUS;
    }

    private static Credentials fromHelper(String helper, String serverUrl) {
        try {
            Process p = new ProcessBuilder("docker-credential-" + helper, "get").redirectErrorStream(false).start();
            try (var in = p.getOutputStream()) {
                in.write(serverUrl.getBytes(StandardCharsets.UTF_8));
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Credentials.ANONYMOUS;
            }
            JsonNode json = JSON.readTree(out);
            String user = json.path("Username").asString("");
            String secret = json.path("Secret").asString("");
            if ("<token>".equals(user)) {
                return new Credentials.IdentityToken(secret);
            }
            return user.isEmpty() ? Credentials.ANONYMOUS : new Credentials.Basic(user, secret);
        } catch (IOException | RuntimeException e) {
            return Credentials.ANONYMOUS;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Credentials.ANONYMOUS;
        }
    }

    private ObjectNode read() {
        if (!Files.exists(file)) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(Files.readAllBytes(file));
            if (node instanceof ObjectNode o) {
                return o;
            }
            throw new IllegalStateException(file + " is not a JSON object");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (RuntimeException e) {
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalStateException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private void write(ObjectNode root) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".config", ".json.tmp");
            try {
                try {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system
                }
                Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** {@code https://host:port/v1/} and {@code host:port} name the same registry. */
    static String normalize(String key) {
        String k = key.trim().toLowerCase(Locale.ROOT);
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        int slash = k.indexOf('/');
        if (slash >= 0) {
            k = k.substring(0, slash);
        }
        return isDockerHub(k) ? "docker.io" : k;
    }

    private static boolean isDockerHub(String host) {
        return host.equals("docker.io") || host.equals("index.docker.io") || host.equals("registry-1.docker.io");
    }
}
