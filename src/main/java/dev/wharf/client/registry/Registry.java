package dev.wharf.client.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * One registry as the client sees it: its base URL, the credentials for it, and the one place
 * where requests are sent. {@link #send} authenticates ({@link Authenticator}), follows redirects
 * without leaking credentials to other hosts, retries transient failures of retryable steps with
 * backoff, and maps every unexpected status through {@link RegistryErrors}.
 *
 * <p>Thread-safe; share one instance per registry and credentials.
 */
public final class Registry {

    /** Told about retries, for progress output. */
    @FunctionalInterface
    public interface RetryListener {
        void retrying(String what, int attempt, Duration delay, String cause);

        RetryListener NONE = (what, attempt, delay, cause) -> {
        };
    }

    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final String host;
    private final URI base;
    private final Function<URI, HttpClient> clients;
    private final Authenticator auth;
    private final RetryPolicy retry;
    private final String userAgent;
    private final Duration requestTimeout;
    private final RetryListener listener;

    /**
     * @param host           the registry as named in references, e.g. {@code 127.0.0.1:5000}
     * @param base           the URL of its API, e.g. {@code http://127.0.0.1:5000}
     * @param credentials    what to present
     * @param clients        the JDK client for a URL (HTTP/1.1, redirects off): one without TLS set-up
     *                       may serve plain HTTP, the token service and redirects may need TLS
     * @param retry          the retry policy
     * @param userAgent      the User-Agent header
     * @param requestTimeout how long to wait for the response headers of requests without a large body
     * @param listener       told about retries
     */
    public Registry(String host, URI base, Credentials credentials, Function<URI, HttpClient> clients, RetryPolicy retry,
                    String userAgent, Duration requestTimeout, RetryListener listener) {
        this.host = Objects.requireNonNull(host);
        this.base = Objects.requireNonNull(base);
        this.clients = clients;
        this.retry = retry;
        this.userAgent = userAgent;
        this.requestTimeout = requestTimeout;
        this.listener = listener;
        this.auth = new Authenticator(host, credentials, clients, retry, userAgent);
    }

    public String host() {
        return host;
    }

    public URI base() {
        return base;
    }

    public RetryPolicy retryPolicy() {
        return retry;
    }

    public RetryListener retryListener() {
        return listener;
    }

    /**
     * Sends a step and reads its answer.
     *
     * @throws RegistryException for every failure: {@link RegistryException.Unavailable} after the
     *         retries of a retryable step ran out, or at once for a step that is not retryable
     */
    public <T> T send(Endpoint<T> endpoint) {
        String what = endpoint.describe(host);
        boolean reauthenticated = false;
        for (int attempt = 1; ; attempt++) {
            Response response;
            String authorization = auth.authorization(endpoint.scopes());
            try {
                response = exchange(endpoint, authorization);
            } catch (IOException e) {
                if (!endpoint.retryable() || attempt >= retry.attempts()) {
                    throw new RegistryException.Unavailable(unreachable(what, e), 0, e);
                }
                pause(what, attempt, null, e.toString());
                continue;
            }
            int status = response.status();
            if (endpoint.accepts(status)) {
                try {
                    return endpoint.read(response);
                } catch (IOException e) {
                    closeQuietly(response.body());
                    if (!endpoint.retryable() || attempt >= retry.attempts()) {
                        throw new RegistryException.Unavailable(unreachable(what, e), status, e);
                    }
                    pause(what, attempt, null, e.toString());
                    continue;
                }
            }
            byte[] body = errorBody(response);
            if (status == 401 && !reauthenticated
                    && auth.unauthorized(response.headers().allValues("WWW-Authenticate"), endpoint.scopes(), authorization)) {
                reauthenticated = true;
                if (endpoint.retryable()) {
                    attempt--;
                    continue;
                }
                // the body is gone: the caller resumes (an upload asks the session where it stands)
                throw new RegistryException.Unavailable("credentials for " + host + " expired during " + what
                        + "; renewed them", 401, null, null);
            }
            if (status == 401 && response.headers().allValues("WWW-Authenticate").stream()
                    .anyMatch(h -> h.contains("insufficient_scope"))) {
                throw new RegistryException.Denied("access denied to " + what + ": the token service of " + host
                        + " did not grant " + endpoint.scopes() + "; log in as a user who may (`wharf login " + host + "`)",
                        null);
            }
            if (RegistryErrors.transientStatus(status) && endpoint.retryable() && attempt < retry.attempts()) {
                pause(what, attempt, retry.retryAfter(response.header("Retry-After").orElse(null)), "status " + status);
                continue;
            }
            throw RegistryErrors.map(status, body, response.header("Range").orElse(null), what, host);
        }
    }

    private void pause(String what, int attempt, Duration asked, String cause) {
        Duration delay = asked != null ? asked : retry.delay(attempt);
        listener.retrying(what, attempt, delay, cause);
        RetryPolicy.sleep(delay);
    }

    private Response exchange(Endpoint<?> endpoint, String authorization) throws IOException {
        URI uri = resolve(endpoint.target());
        String method = endpoint.method();
        RequestBody body = endpoint.body();
        boolean bodyless = body == null;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("User-Agent", userAgent);
            for (Map.Entry<String, String> h : endpoint.headers().entrySet()) {
                b.header(h.getKey(), h.getValue());
            }
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            HttpRequest.BodyPublisher publisher = bodyless ? HttpRequest.BodyPublishers.noBody() : body.publisher();
            b.method(method, publisher);
            boolean large = body != null && (body.length() < 0 || body.length() > 1024 * 1024);
            if (large) {
                // a 401 or 404 arrives before the body is sent, not after it was wasted
                b.expectContinue(true);
            } else {
                // only the wait for the response headers: a long blob download is not cut short
                b.timeout(requestTimeout);
            }
            HttpResponse<InputStream> r;
            try {
                r = clients.apply(uri).send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException.Unavailable("interrupted", 0, e);
            }
            int status = r.statusCode();
            boolean follow = REDIRECTS.contains(status) && !endpoint.accepts(status)
                    && ("GET".equals(method) || "HEAD".equals(method)) && hop < MAX_REDIRECTS;
            if (follow) {
                String location = r.headers().firstValue("Location").orElse(null);
                if (location != null) {
                    closeQuietly(r.body());
                    URI next = uri.resolve(location);
                    if (!sameOrigin(next, uri)) {
                        // presigned storage URLs carry their own authorization
                        authorization = null;
                    }
                    uri = next;
                    continue;
                }
            }
            return new Response(status, r.headers(), r.body(), r.uri());
        }
    }

    private URI resolve(String target) {
        if (target.startsWith("http://") || target.startsWith("https://")) {
            return URI.create(target);
        }
        return base.resolve(target);
    }

    private static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getHost(), b.getHost())
                && a.getPort() == b.getPort();
    }

    private static byte[] errorBody(Response response) {
        try {
            return response.bytes(MAX_ERROR_BODY);
        } catch (IOException e) {
            closeQuietly(response.body());
            return new byte[0];
        }
    }

    private String unreachable(String what, IOException e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof java.net.ConnectException) {
            reason = "connection refused";
        }
        return "cannot reach " + host + " (" + base + ") for " + what + ": " + reason;
    }

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing more to learn from a body we are discarding
        }
    }

    /** Convenience for list steps: all pages. */
    public <T> List<T> all(Function<String, Endpoint<Endpoints.Page<T>>> page) {
        List<T> out = new ArrayList<>();
        String next = null;
        do {
            Endpoints.Page<T> p = send(page.apply(next));
            out.addAll(p.items());
            next = p.next();
        } while (next != null);
        return out;
    }
}
