package dev.wharf.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An HTTP proxy on a free loopback port in front of a real registry, for the cases a client must
 * handle that a healthy registry never shows: Docker token authentication (this proxy is its own
 * token service, since Wharf has no token auth yet), tokens that expire in the middle of a push,
 * transient 5xx answers, and blob bodies that do not match their digest.
 *
 * <p>Everything it does not intercept is forwarded unchanged, streaming.
 */
public final class RegistryProxy implements AutoCloseable {

    private static final Set<String> HOP_HEADERS = Set.of("host", "connection", "content-length", "transfer-encoding",
            "expect", "keep-alive", "upgrade", "te", "trailer", "proxy-connection");

    private final HttpServer server;
    private final URI upstream;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();

    private volatile String user;
    private volatile String password;
    private final Set<String> validTokens = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private final AtomicInteger unauthorized = new AtomicInteger();
    private final List<String> tokenScopes = new CopyOnWriteArrayList<>();
    private volatile Predicate<HttpExchange> expireTokensWhen = e -> false;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile Predicate<HttpExchange> failWhen = e -> false;
    private volatile boolean corruptBlobs;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private RegistryProxy(HttpServer server, URI upstream) {
        this.server = server;
        this.upstream = upstream;
    }

    public static RegistryProxy start(URI upstream) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            RegistryProxy proxy = new RegistryProxy(server, upstream);
            server.createContext("/", proxy::handle);
            server.setExecutor(Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "registry-proxy");
                t.setDaemon(true);
                return t;
            }));
            server.start();
            return proxy;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code 127.0.0.1:<port>} */
    public String hostPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Requires bearer tokens from this proxy's token service ({@code /token}), which issues them to
     * {@code user}/{@code password} over Basic authentication.
     */
    public RegistryProxy requireTokens(String user, String password) {
        this.user = user;
        this.password = password;
        return this;
    }

    /** Invalidates every token issued so far when a request matches (once, then the predicate is cleared). */
    public RegistryProxy expireTokensWhen(Predicate<HttpExchange> when) {
        this.expireTokensWhen = when;
        return this;
    }

    /** Answers the next {@code count} matching requests with 503. */
    public RegistryProxy failWith503(int count, Predicate<HttpExchange> when) {
        failuresLeft.set(count);
        failWhen = when;
        return this;
    }

    /** Flips a byte in the middle of every blob body served. */
    public RegistryProxy corruptBlobs() {
        corruptBlobs = true;
        return this;
    }

    public int tokensIssued() {
        return tokensIssued.get();
    }

    /** 401 answers given to registry requests (not counting the token service). */
    public int unauthorizedAnswers() {
        return unauthorized.get();
    }

    public List<String> tokenScopes() {
        return tokenScopes;
    }

    /** {@code METHOD path} of every request, in order. */
    public List<String> requests() {
        return requests;
    }

    public static boolean isUpload(HttpExchange e) {
        String m = e.getRequestMethod();
        return (m.equals("PATCH") || m.equals("PUT")) && e.getRequestURI().getPath().contains("/blobs/uploads/");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            if (exchange.getRequestURI().getPath().equals("/token")) {
                token(exchange);
                return;
            }
            if (user != null && !authorized(exchange)) {
                drain(exchange);
                unauthorized.incrementAndGet();
                exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + hostPort()
                        + "/token\",service=\"proxy-test\"" + scope(exchange));
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                send(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
                return;
            }
            if (expireTokensWhen.test(exchange)) {
                expireTokensWhen = e -> false;
                validTokens.clear();
            }
            if (failWhen.test(exchange) && failuresLeft.getAndDecrement() > 0) {
                drain(exchange);
                send(exchange, 503, "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"try again\"}]}");
                return;
            }
            forward(exchange);
        }
    }

    private boolean authorized(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        return header != null && header.startsWith("Bearer ") && validTokens.contains(header.substring(7));
    }

    private static String scope(HttpExchange exchange) {
        String path = exchange.getRequestURI().getPath();
        int cut = -1;
        for (String marker : new String[] {"/blobs/", "/manifests/", "/tags/", "/referrers/"}) {
            int i = path.indexOf(marker);
            if (i > 0 && (cut < 0 || i < cut)) {
                cut = i;
            }
        }
        if (!path.startsWith("/v2/") || cut < 0) {
            return "";
        }
        String name = path.substring(4, cut);
        String actions = exchange.getRequestMethod().equals("GET") || exchange.getRequestMethod().equals("HEAD")
                ? "pull" : "pull,push";
        return ",scope=\"repository:" + name + ":" + actions + "\"";
    }

    private void token(HttpExchange exchange) throws IOException {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(header)) {
            send(exchange, 401, "{\"details\":\"incorrect username or password\"}");
            return;
        }
        String query = exchange.getRequestURI().getRawQuery();
        tokenScopes.add(query == null ? "" : java.net.URLDecoder.decode(query, StandardCharsets.UTF_8));
        String token = UUID.randomUUID().toString();
        validTokens.add(token);
        tokensIssued.incrementAndGet();
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        send(exchange, 200, "{\"token\":\"" + token + "\",\"expires_in\":300}");
    }

    private void forward(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        URI target = URI.create(upstream.toString() + exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()));
        HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(Duration.ofMinutes(5));
        for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
            if (HOP_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT)) || h.getKey().equalsIgnoreCase("authorization")) {
                continue;
            }
            for (String v : h.getValue()) {
                b.header(h.getKey(), v);
            }
        }
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        String chunked = exchange.getRequestHeaders().getFirst("Transfer-Encoding");
        HttpRequest.BodyPublisher body;
        if (length != null && Long.parseLong(length) > 0) {
            body = HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(exchange::getRequestBody), Long.parseLong(length));
        } else if (chunked != null) {
            body = HttpRequest.BodyPublishers.ofInputStream(exchange::getRequestBody);
        } else {
            body = method.equals("GET") || method.equals("HEAD") || method.equals("DELETE")
                    ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(new byte[0]);
        }
        b.method(method, body);
        HttpResponse<InputStream> response;
        try {
            response = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        for (Map.Entry<String, List<String>> h : response.headers().map().entrySet()) {
            if (HOP_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT)) || h.getKey().startsWith(":")) {
                continue;
            }
            for (String v : h.getValue()) {
                exchange.getResponseHeaders().add(h.getKey(), v.replace(upstream.getAuthority(), hostPort()));
            }
        }
        long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        int status = response.statusCode();
        boolean noBody = method.equals("HEAD") || status == 204 || status == 304 || declared == 0;
        boolean corrupt = corruptBlobs && method.equals("GET") && status == 200 && target.getPath().contains("/blobs/sha");
        try (InputStream in = response.body()) {
            if (noBody) {
                if (method.equals("HEAD") && declared > 0) {
                    exchange.getResponseHeaders().set("Content-Length", Long.toString(declared));
                }
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.sendResponseHeaders(status, declared > 0 ? declared : 0);
            OutputStream out = exchange.getResponseBody();
            byte[] buffer = new byte[64 * 1024];
            long position = 0;
            long flip = declared > 0 ? declared / 2 : 0;
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (corrupt && flip >= position && flip < position + n) {
                    buffer[(int) (flip - position)] ^= 0x5a;
                }
                out.write(buffer, 0, n);
                position += n;
            }
        }
    }

    private static void drain(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
