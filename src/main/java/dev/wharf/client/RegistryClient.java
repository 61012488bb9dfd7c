package dev.wharf.client;

import dev.wharf.client.registry.Credentials;
import dev.wharf.client.registry.DockerConfig;
import dev.wharf.client.registry.Endpoints;
import dev.wharf.client.registry.Registry;
import dev.wharf.client.registry.RegistryException;
import dev.wharf.oci.Descriptor;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.Reference;
import dev.wharf.oci.RepositoryName;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Wharf's registry client: push, pull and copy images, and the small operations around them (tags,
 * catalog, inspect, delete, referrers), against any OCI distribution registry.
 *
 * <pre>{@code
 * try (RegistryClient client = RegistryClient.withDockerConfig(ClientOptions.defaults(), TransferListener.NONE)) {
 *     client.push(Path.of("app.tar"), ImageReference.parse("registry.example/team/app:1.0"), PushOptions.defaults());
 *     client.copy(ImageReference.parse("registry.example/team/app:1.0"),
 *                 ImageReference.parse("mirror.example/team/app:1.0"), CopyOptions.defaults());
 * }
 * }</pre>
 *
 * <p>Thread-safe. Failures are {@link RegistryException}s (typed by what the caller can do),
 * {@link IllegalArgumentException} for unusable input, and {@link UncheckedIOException} for local
 * file problems.
 */
public final class RegistryClient implements AutoCloseable {

    private final ClientOptions options;
    private final Function<String, Credentials> credentials;
    private final TransferListener listener;
    private final Object httpLock = new Object();
    private HttpClient plainHttp;
    private HttpClient tls;
    private final BlobInfoCache cache;
    private final Map<String, Registry> registries = new ConcurrentHashMap<>();

    /**
     * @param options     how to talk to registries
     * @param credentials the credentials for a registry ({@code host[:port]})
     * @param listener    told about progress
     */
    public RegistryClient(ClientOptions options, Function<String, Credentials> credentials, TransferListener listener) {
        this.options = options;
        this.credentials = credentials;
        this.listener = listener;
        this.cache = BlobInfoCache.open(options.cacheDirectory());
    }

    /** A client with the credentials of {@code ~/.docker/config.json} (or {@code $DOCKER_CONFIG}). */
    public static RegistryClient withDockerConfig(ClientOptions options, TransferListener listener) {
        DockerConfig config = new DockerConfig(DockerConfig.defaultPath());
        return new RegistryClient(options, config::lookup, listener);
    }

    /**
     * The JDK client for a URL. Plain HTTP gets a client whose TLS context holds no trust anchors:
     * loading the JDK's CA certificates costs a quarter of a second at start-up, which a command
     * against a plain-HTTP registry need not pay.
     */
    private HttpClient http(URI uri) {
        boolean secure = "https".equalsIgnoreCase(uri.getScheme());
        synchronized (httpLock) {
            if (secure) {
                if (tls == null) {
                    tls = httpClient(options.tlsVerify() ? null : trustingEverything());
                }
                return tls;
            }
            if (plainHttp == null) {
                plainHttp = httpClient(noTrust());
            }
            return plainHttp;
        }
    }

    private static HttpClient httpClient(SSLContext context) {
        HttpClient.Builder b = HttpClient.newBuilder()
                // HTTP/1.1: parallel transfers get a connection each, and plain HTTP needs no upgrade dance
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(30));
        if (context != null) {
            b.sslContext(context);
        }
        return b.build();
    }

    private static SSLContext noTrust() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new javax.net.ssl.KeyManager[0], new TrustManager[0], null);
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS", e);
        }
    }

    private static SSLContext trustingEverything() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS", e);
        }
    }

    /** The registry session for {@code host[:port]}, shared by all operations of this client. */
    public Registry registry(String name) {
        return registries.computeIfAbsent(name, n -> new Registry(n, baseUri(n), credentials.apply(n), this::http,
                options.retry(), options.userAgent(), options.requestTimeout(), listener::retrying));
    }

    /** The API base URL of a registry: plain HTTP for loopback and configured hosts, else HTTPS. */
    public URI baseUri(String registry) {
        String scheme = plainHttp(registry) ? "http" : "https";
        return URI.create(scheme + "://" + ImageReference.apiHost(registry));
    }

    private boolean plainHttp(String registry) {
        if (options.plainHttp().contains(registry)) {
            return true;
        }
        String host = registry;
        if (host.startsWith("[")) {
            host = host.substring(1, host.indexOf(']'));
        } else if (host.indexOf(':') >= 0) {
            host = host.substring(0, host.indexOf(':'));
        }
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    // ---- transfers -----------------------------------------------------------------------------

    /**
     * Pushes an OCI image layout (directory or tar) or a {@code docker save} archive.
     *
     * @return the pushed manifest's digest and what moved
     */
    public TransferResult push(Path source, ImageReference target, PushOptions pushOptions) {
        TransferStats stats = new TransferStats(listener);
        try {
            return new Pusher(registry(target.registry()), options, cache, stats).push(source, target, pushOptions);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        } finally {
            cache.save();
        }
    }

    /**
     * Pulls an image into an OCI layout directory or a docker archive tar; every blob is verified
     * as it streams and nothing unverified is left in place.
     */
    public TransferResult pull(ImageReference source, Path target, PullOptions pullOptions) {
        TransferStats stats = new TransferStats(listener);
        try {
            return new Puller(registry(source.registry()), options, stats).pull(source, target, pullOptions);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Copies an image between registries or repositories, streaming, without temporary files. */
    public TransferResult copy(ImageReference source, ImageReference target, CopyOptions copyOptions) {
        TransferStats stats = new TransferStats(listener);
        try {
            return new Copier(ImageSource.of(registry(source.registry())), registry(target.registry()), options, cache,
                    stats).copy(source.repository(), source.reference(), target, copyOptions);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        } finally {
            cache.save();
        }
    }

    /**
     * Copies an image from any {@link ImageSource} (a registry's own storage, say) to a registry,
     * as {@link #copy(ImageReference, ImageReference, CopyOptions)} does between registries.
     */
    public TransferResult copy(ImageSource source, RepositoryName repository, Reference reference,
                               ImageReference target, CopyOptions copyOptions) {
        TransferStats stats = new TransferStats(listener);
        try {
            return new Copier(source, registry(target.registry()), options, cache, stats)
                    .copy(repository, reference, target, copyOptions);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        } finally {
            cache.save();
        }
    }

    // ---- small operations ----------------------------------------------------------------------

    /** Checks that {@code registry} accepts these credentials (without storing them). */
    public void login(String registry, Credentials.Basic basic) {
        Registry r = new Registry(registry, baseUri(registry), basic, this::http, options.retry(), options.userAgent(),
                options.requestTimeout(), listener::retrying);
        r.send(new Endpoints.Ping());
    }

    /** The tags of the reference's repository. */
    public List<String> tags(ImageReference repository) {
        return registry(repository.registry()).all(next -> new Endpoints.ListTags(repository.repository(), next));
    }

    /** The repositories of a registry. */
    public List<String> catalog(String registry) {
        return registry(registry).all(Endpoints.Catalog::new);
    }

    /** The manifest at a reference, verified. */
    public ManifestPayload manifest(ImageReference reference) {
        return registry(reference.registry()).send(new Endpoints.GetManifest(reference.repository(), reference.reference()));
    }

    /** The descriptor of the manifest at a reference (a HEAD request). */
    public Descriptor resolve(ImageReference reference) {
        return registry(reference.registry()).send(new Endpoints.ResolveManifest(reference.repository(),
                reference.reference()));
    }

    /**
     * The manifest at a reference and, for an image (or the chosen platform of an index), its
     * config.
     *
     * @param platform the platform to describe from an index; null to describe the index itself
     */
    public Inspection inspect(ImageReference reference, Descriptor.Platform platform) {
        Registry registry = registry(reference.registry());
        ManifestPayload manifest = manifest(reference);
        ManifestPayload image = manifest;
        if (manifest.isIndex()) {
            image = null;
            if (platform != null) {
                Descriptor entry = ImageGraph.select(manifest, platform, reference.toString());
                image = registry.send(new Endpoints.GetManifest(reference.repository(),
                        new Reference.ByDigest(entry.digest())));
            }
        }
        byte[] config = null;
        if (image != null && image.config() != null) {
            config = readBlob(registry, reference, image.config());
        }
        return new Inspection(reference, manifest, manifest.manifests(), image, config);
    }

    private static byte[] readBlob(Registry registry, ImageReference reference, Descriptor blob) {
        if (blob.size() > 16 * 1024 * 1024) {
            throw new IllegalArgumentException("the config of " + reference + " is " + blob.size() + " bytes");
        }
        Endpoints.BlobStream stream = registry.send(new Endpoints.GetBlob(reference.repository(), blob.digest(), 0));
        try (InputStream in = stream.body()) {
            byte[] bytes = in.readNBytes((int) blob.size() + 1);
            if (bytes.length != blob.size()
                    || !dev.wharf.oci.Digest.of(blob.digest().algorithm(), bytes).equals(blob.digest())) {
                throw new RegistryException.IntegrityFailure("the config " + blob.digest() + " of " + reference
                        + " does not match its digest");
            }
            return bytes;
        } catch (IOException e) {
            throw new RegistryException.Unavailable("cannot read the config of " + reference + ": " + e.getMessage(), 0, e);
        }
    }

    /**
     * Deletes what a reference names: by digest, the manifest; by tag, the tag (where the registry
     * supports deleting tags), or with {@code wholeManifest} the manifest the tag points to.
     */
    public void delete(ImageReference reference, boolean wholeManifest) {
        Registry registry = registry(reference.registry());
        Reference target = reference.reference();
        if (wholeManifest && reference.digest() == null) {
            target = new Reference.ByDigest(resolve(reference).digest());
        }
        try {
            registry.send(new Endpoints.DeleteManifest(reference.repository(), target));
        } catch (RegistryException.Rejected e) {
            if (target.digestOrNull() != null) {
                throw e;
            }
            // distribution answers 400 DIGEST_INVALID, others 405: they delete manifests only
            throw new RegistryException.Rejected(e.getMessage() + "; this registry cannot delete a tag on its own:"
                    + " `wharf rm --manifest` deletes the manifest and every tag on it", e.status(), e.code(), null);
        }
    }

    /**
     * The manifests that refer to the reference's manifest (signatures, SBOMs...), through the
     * referrers API or the tag fallback.
     *
     * @param artifactType only these, when not null
     */
    public List<Descriptor> referrers(ImageReference reference, String artifactType) {
        dev.wharf.oci.Digest subject = reference.digest() != null ? reference.digest() : resolve(reference).digest();
        return ReferrersSupport.list(registry(reference.registry()), reference.repository(), subject, artifactType);
    }

    /**
     * Saves what this client learned (see {@link ClientOptions#cacheDirectory()}) and stops its
     * HTTP clients; the client cannot be used afterwards.
     */
    @Override
    public void close() {
        cache.save();
        synchronized (httpLock) {
            shutdown(plainHttp);
            shutdown(tls);
            plainHttp = null;
            tls = null;
        }
    }

    /**
     * Stops a JDK HTTP client's selector thread. Java 21 has {@code HttpClient.shutdownNow()}; on
     * Java 17 the thread waits in {@code epoll} until the client is garbage collected, and the
     * JVM's exit waits 300 ms for every thread in native code, which a command line pays each time.
     * There the selector is closed through the JDK's internals when they are open to us
     * ({@code --add-opens java.net.http/jdk.internal.net.http=ALL-UNNAMED}, which {@code bin/wharf}
     * passes); otherwise nothing happens.
     */
    private static void shutdown(HttpClient client) {
        if (client == null) {
            return;
        }
        try {
            HttpClient.class.getMethod("shutdownNow").invoke(client);
            return;
        } catch (ReflectiveOperationException | RuntimeException notJava21) {
            // fall through
        }
        try {
            Object impl = field(client, "impl");
            Object selector = field(impl, "selmgr");
            java.lang.reflect.Method stop = selector.getClass().getDeclaredMethod("shutdown");
            stop.setAccessible(true);
            stop.invoke(selector);
        } catch (ReflectiveOperationException | RuntimeException notOpen) {
            // the JVM exits a little later, that is all
        }
    }

    private static Object field(Object owner, String name) throws ReflectiveOperationException {
        java.lang.reflect.Field f = owner.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(owner);
    }
}
