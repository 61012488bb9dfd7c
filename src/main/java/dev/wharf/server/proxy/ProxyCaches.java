package dev.wharf.server.proxy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.CacheNamespaces;
import dev.wharf.server.auth.account.NamespaceClaims;
import dev.wharf.server.events.EventType;
import dev.wharf.server.events.Events;
import dev.wharf.server.secrets.SecretSealer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The pull-through caches: those of the settings ({@code wharf.proxy.caches.*}, fixed for the
 * process) and those made through the API (table {@code proxy_caches}, read by every replica:
 * changes made here apply at once, others' within {@link #REFRESH}). Each cache owns the namespace
 * of its name; a settings cache claims it at start, and the start fails when a user or an
 * organization holds it. Upstream passwords of API caches are sealed ({@link SecretSealer}) and
 * never shown.
 *
 * <p>Also the mirror rule ({@code wharf.proxy.mirror}): which names are read through the mirror.
 * Thread-safe.
 */
@Service
public class ProxyCaches implements CacheNamespaces, SmartInitializingSingleton {

    /** What the API shows of a cache (never its password). */
    public record View(String name, String url, String username, boolean hasPassword, String tagTtl, long maxBytes,
                       boolean libraryPrefix, @JsonProperty("public") boolean isPublic, String source, boolean mirror) {
    }

    /** What to change; null keeps a field (an empty {@code username} removes the credentials). */
    public record Changes(String url, String username, String password, String tagTtl, String maxBytes,
                          Boolean libraryPrefix, Boolean isPublic) {
    }

    static final Duration REFRESH = Duration.ofSeconds(5);
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*");
    private static final Logger log = LoggerFactory.getLogger(ProxyCaches.class);

    private record Snapshot(Map<String, Cache> fromApi, long loadedAt, boolean valid) {
        boolean fresh() {
            return valid && System.nanoTime() - loadedAt < REFRESH.toNanos();
        }
    }

    private final Map<String, Cache> fromSettings;
    private final String mirror;
    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final SecretSealer sealer;
    private final NamespaceClaims claims;
    private final Events events;
    private final boolean namespaces;
    private final Object reloadLock = new Object();
    private volatile Snapshot snapshot = new Snapshot(Map.of(), 0, false);
    private final LoadingCache<String, Boolean> localNamespaces;
    private final com.github.benmanes.caffeine.cache.Cache<String, Boolean> localRepositories = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(REFRESH.toMillis(), TimeUnit.MILLISECONDS).build();

    ProxyCaches(ProxyProperties properties, JdbcClient jdbc, TransactionTemplate transactions, SecretSealer sealer,
                NamespaceClaims claims, Events events, @Value("${wharf.auth.enabled:true}") boolean auth) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.sealer = sealer;
        this.claims = claims;
        this.events = events;
        this.namespaces = auth;
        Map<String, Cache> settings = new TreeMap<>();
        properties.caches().forEach((name, s) -> settings.put(name, fromSettings(name, s)));
        this.fromSettings = Map.copyOf(settings);
        this.mirror = properties.mirror();
        if (mirror != null && !NAME.matcher(mirror).matches()) {
            throw new IllegalStateException("wharf.proxy.mirror names a cache: " + mirror + " is not a cache name");
        }
        this.localNamespaces = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(REFRESH.toMillis(),
                TimeUnit.MILLISECONDS).build(this::isLocalNamespace);
    }

    private static Cache fromSettings(String name, ProxyProperties.CacheSettings s) {
        String prefix = "wharf.proxy.caches." + name;
        if (!NAME.matcher(name).matches() || name.length() > 64) {
            throw new IllegalStateException(prefix + ": a cache is named like a namespace (lower-case letters and digits,"
                    + " separated by '.', '_' or '-', at most 64 characters)");
        }
        if (s.url() == null || s.url().isBlank()) {
            throw new IllegalStateException(prefix + ".url is required (the upstream registry, e.g. https://registry-1.docker.io)");
        }
        URI url;
        try {
            url = Addresses.url(s.url().strip());
        } catch (OciException e) {
            throw new IllegalStateException(prefix + ".url: " + e.getMessage());
        }
        if (s.tagTtl().isNegative()) {
            throw new IllegalStateException(prefix + ".tag-ttl must not be negative");
        }
        if (s.maxBytes().isNegative()) {
            throw new IllegalStateException(prefix + ".max-bytes must not be negative");
        }
        boolean hasUser = s.username() != null && !s.username().isEmpty();
        return new Cache(name, url, hasUser ? s.username() : null, hasUser ? s.password() : null, s.tagTtl(),
                s.maxBytes().toBytes(), s.libraryPrefix() != null ? s.libraryPrefix() : Cache.isDockerHub(url), s.isPublic(),
                Cache.SETTINGS);
    }

    /** Claims the namespaces of the settings caches: a start with a cache named like a user or organization fails. */
    @Override
    public void afterSingletonsInstantiated() {
        for (String name : fromSettings.keySet()) {
            Boolean claimed = transactions.execute(status -> claims.claimForCache(name));
            if (!Boolean.TRUE.equals(claimed)) {
                throw new IllegalStateException("wharf.proxy.caches." + name + ": " + name + " is a user or an organization;"
                        + " a cache owns the namespace of its name, so give the cache another name");
            }
        }
        if (mirror != null && cache(mirror).isEmpty()) {
            log.warn("wharf.proxy.mirror={} names no cache (yet): names are not mirrored until it exists", mirror);
        }
    }

    // ---- lookups (every /v2 request) -----------------------------------------------------------

    @Override
    public Optional<CacheNamespaces.CacheNamespace> cache(String namespace) {
        return find(namespace).map(c -> new CacheNamespaces.CacheNamespace(c.name(), c.isPublic()));
    }

    @Override
    public List<CacheNamespaces.CacheNamespace> all() {
        return caches().stream().map(c -> new CacheNamespaces.CacheNamespace(c.name(), c.isPublic())).toList();
    }

    /** The cache owning {@code namespace}, if any. */
    Optional<Cache> find(String namespace) {
        Cache c = fromSettings.get(namespace);
        return c != null ? Optional.of(c) : Optional.ofNullable(apiCaches().get(namespace));
    }

    /** Every cache, by name. */
    List<Cache> caches() {
        List<Cache> all = new ArrayList<>(fromSettings.values());
        all.addAll(apiCaches().values());
        all.sort(Comparator.comparing(Cache::name));
        return all;
    }

    /** The mirror cache's name, or null. */
    String mirror() {
        return mirror;
    }

    @Override
    public RepositoryName mirrored(RepositoryName name) {
        if (mirror == null || find(name.namespace()).isPresent() || find(mirror).isEmpty()) {
            return name;
        }
        try {
            boolean local = namespaces ? localNamespaces.get(name.namespace()) : isLocalRepository(name.value());
            if (local) {
                return name;
            }
        } catch (RuntimeException e) {
            // the database is away: the request finds out by itself
            return name;
        }
        String mapped = mirror + "/" + name.value();
        return RepositoryName.isValid(mapped) ? RepositoryName.of(mapped) : name;
    }

    private Boolean isLocalNamespace(String namespace) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM namespaces WHERE name = :name)").param("name", namespace)
                .query(Boolean.class).single();
    }

    /** Without namespaces (auth off): a repository that exists is local; known ones are remembered. */
    private boolean isLocalRepository(String name) {
        if (localRepositories.getIfPresent(name) != null) {
            return true;
        }
        boolean exists = jdbc.sql("SELECT EXISTS (SELECT 1 FROM repositories WHERE name = :name)").param("name", name)
                .query(Boolean.class).single();
        if (exists) {
            localRepositories.put(name, Boolean.TRUE);
        }
        return exists;
    }

    private Map<String, Cache> apiCaches() {
        Snapshot s = snapshot;
        if (s.fresh()) {
            return s.fromApi();
        }
        synchronized (reloadLock) {
            s = snapshot;
            if (s.fresh()) {
                return s.fromApi();
            }
            try {
                s = new Snapshot(load(), System.nanoTime(), true);
            } catch (RuntimeException e) {
                // keep serving what we knew; try again at the next refresh
                log.warn("could not read the pull-through caches: {}", e.toString());
                s = new Snapshot(s.fromApi(), System.nanoTime(), true);
            }
            snapshot = s;
            return s.fromApi();
        }
    }

    private void reload() {
        synchronized (reloadLock) {
            snapshot = new Snapshot(snapshot.fromApi(), 0, false);
        }
        localNamespaces.invalidateAll();
    }

    private Map<String, Cache> load() {
        Map<String, Cache> out = new LinkedHashMap<>();
        jdbc.sql("""
                        SELECT name, url, username, password, tag_ttl_seconds, max_bytes, library_prefix, public
                        FROM proxy_caches ORDER BY name""")
                .query((rs, n) -> {
                    String name = rs.getString(1);
                    String stored = rs.getString(4);
                    String password = null;
                    if (stored != null) {
                        try {
                            password = sealer.openSecret(sealId(name), stored);
                        } catch (IllegalStateException e) {
                            log.warn("cannot open the upstream password of cache {} ({}): it pulls anonymously",
                                    name, e.getMessage());
                        }
                    }
                    out.put(name, new Cache(name, URI.create(rs.getString(2)), rs.getString(3), password,
                            Duration.ofSeconds(rs.getLong(5)), rs.getLong(6), rs.getBoolean(7), rs.getBoolean(8), Cache.API));
                    return null;
                })
                .list();
        return out;
    }

    static String sealId(String name) {
        return "proxy-cache:" + name;
    }

    // ---- the admin API ---------------------------------------------------------------------------

    public List<View> list() {
        return caches().stream().map(this::view).toList();
    }

    /** @throws OciException 404 when there is no such cache */
    public View get(String name) {
        return view(require(name));
    }

    Cache require(String name) {
        return find(name).orElseThrow(() -> new OciException(OciErrorCode.NAME_UNKNOWN, 404,
                "there is no pull-through cache " + clip(name), null));
    }

    /**
     * Makes a cache. Its name becomes a namespace only it owns.
     *
     * @throws OciException 400 for anything unsound, 409 when the name is taken (a user, an
     *                      organization, another cache)
     */
    public View create(String name, String url, String username, String password, String tagTtl, String maxBytes,
                       Boolean libraryPrefix, Boolean isPublic) {
        if (name == null || name.length() > 64 || !NAME.matcher(name).matches()) {
            throw badRequest("name is a namespace name: lower-case letters and digits, separated by '.', '_' or '-',"
                    + " at most 64 characters");
        }
        if (url == null) {
            throw badRequest("url is required (the upstream registry, e.g. https://registry-1.docker.io)");
        }
        URI upstream = Addresses.url(url);
        String user = Addresses.credential("username", username);
        String secret = Addresses.credential("password", password);
        if ((user == null) != (secret == null)) {
            throw badRequest("give username and password together, or neither (anonymous)");
        }
        Duration ttl = tagTtl == null ? Duration.ofMinutes(10) : Addresses.duration(tagTtl);
        long max = maxBytes == null ? 0 : Addresses.size(maxBytes);
        boolean library = libraryPrefix != null ? libraryPrefix : Cache.isDockerHub(upstream);
        boolean open = isPublic != null && isPublic;
        String actor = events.currentActor().name();
        transactions.executeWithoutResult(status -> {
            if (fromSettings.containsKey(name) || !claims.claimForCache(name)
                    || jdbc.sql("SELECT EXISTS (SELECT 1 FROM proxy_caches WHERE name = :name)").param("name", name)
                    .query(Boolean.class).single()) {
                throw new OciException(OciErrorCode.NAME_INVALID, 409, "the name " + name
                        + " is taken by a user, an organization or another cache", null);
            }
            jdbc.sql("""
                            INSERT INTO proxy_caches (name, url, username, password, tag_ttl_seconds, max_bytes,
                                                      library_prefix, public, created_by)
                            VALUES (:name, :url, :username, :password, :ttl, :max, :library, :public, :actor)""")
                    .param("name", name)
                    .param("url", upstream.toString())
                    .param("username", user)
                    .param("password", secret == null ? null : sealer.sealSecret(sealId(name), secret))
                    .param("ttl", ttl.toSeconds())
                    .param("max", max)
                    .param("library", library)
                    .param("public", open)
                    .param("actor", actor)
                    .update();
            events.record(EventType.PROXY_CACHE_CREATED, null, null, name,
                    Map.of("url", upstream.toString(), "public", open));
        });
        reload();
        return get(name);
    }

    /** Changes a cache made through the API; a settings cache is changed in the settings (409). */
    public View update(String name, Changes changes) {
        Cache current = require(name);
        if (Cache.SETTINGS.equals(current.source())) {
            throw fromSettings(name);
        }
        URI upstream = changes.url() == null ? null : Addresses.url(changes.url());
        String user = changes.username() == null ? null : Addresses.credential("username", changes.username());
        boolean clearCredentials = "".equals(changes.username());
        String secret = changes.password() == null ? null : Addresses.credential("password", changes.password());
        if (!clearCredentials && (user != null || secret != null) && (user == null ? current.username() : user) == null) {
            throw badRequest("a password needs a username");
        }
        Duration ttl = changes.tagTtl() == null ? null : Addresses.duration(changes.tagTtl());
        Long max = changes.maxBytes() == null ? null : Addresses.size(changes.maxBytes());
        transactions.executeWithoutResult(status -> {
            int n = jdbc.sql("""
                            UPDATE proxy_caches SET url = COALESCE(:url, url),
                                username = CASE WHEN :clear THEN NULL ELSE COALESCE(:username, username) END,
                                password = CASE WHEN :clear THEN NULL ELSE COALESCE(:password, password) END,
                                tag_ttl_seconds = COALESCE(:ttl, tag_ttl_seconds), max_bytes = COALESCE(:max, max_bytes),
                                library_prefix = COALESCE(:library, library_prefix), public = COALESCE(:public, public),
                                updated_at = now()
                            WHERE name = :name""")
                    .param("url", upstream == null ? null : upstream.toString())
                    .param("clear", clearCredentials)
                    .param("username", user)
                    .param("password", secret == null ? null : sealer.sealSecret(sealId(name), secret))
                    .param("ttl", ttl == null ? null : ttl.toSeconds())
                    .param("max", max)
                    .param("library", changes.libraryPrefix())
                    .param("public", changes.isPublic())
                    .param("name", name)
                    .update();
            if (n == 0) {
                throw require404(name);
            }
            Map<String, Object> changed = new LinkedHashMap<>();
            if (upstream != null) {
                changed.put("url", upstream.toString());
            }
            if (clearCredentials || user != null || secret != null) {
                changed.put("credentials", clearCredentials ? "removed" : "changed");
            }
            if (changes.isPublic() != null) {
                changed.put("public", changes.isPublic());
            }
            events.record(EventType.PROXY_CACHE_UPDATED, null, null, name, changed);
        });
        reload();
        return get(name);
    }

    /** Deletes a cache made through the API with everything it cached, and frees its name. */
    public void delete(String name) {
        Cache current = require(name);
        if (Cache.SETTINGS.equals(current.source())) {
            throw fromSettings(name);
        }
        transactions.executeWithoutResult(status -> {
            int repositories = claims.releaseCache(name);
            events.record(EventType.PROXY_CACHE_DELETED, null, null, name, Map.of("repositories", repositories));
        });
        reload();
    }

    private View view(Cache c) {
        return new View(c.name(), c.url().toString(), c.username(), c.password() != null, Addresses.print(c.tagTtl()),
                c.maxBytes(), c.libraryPrefix(), c.isPublic(), c.source(), c.name().equals(mirror));
    }

    private static OciException fromSettings(String name) {
        return new OciException(OciErrorCode.DENIED, 409, "cache " + name
                + " is defined in the settings (wharf.proxy.caches." + name + ".*); change it there", null);
    }

    private static OciException require404(String name) {
        return new OciException(OciErrorCode.NAME_UNKNOWN, 404, "there is no pull-through cache " + clip(name), null);
    }

    static OciException badRequest(String message) {
        return Addresses.badRequest(message);
    }

    static String clip(String s) {
        return Addresses.clip(s);
    }
}
