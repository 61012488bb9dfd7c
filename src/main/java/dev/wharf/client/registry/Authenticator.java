package dev.wharf.client.registry;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Authorization for one registry: anonymous, Basic, or bearer tokens from the Docker token
 * protocol. It learns the scheme from the registry's first {@code 401} challenge; from then on it
 * fetches tokens before they are needed, caches each per scope set until shortly before it expires,
 * and on a {@code 401} drops the token that failed and fetches a fresh one (tokens do expire in the
 * middle of long pushes).
 *
 * <p>Thread-safe: parallel transfers share tokens; one token fetch runs per scope set at a time.
 *
 * @see <a href="https://distribution.github.io/distribution/spec/auth/token/">Docker token authentication</a>
 */
final class Authenticator {

    /** Tokens are renewed this long before they expire. */
    private static final Duration MARGIN = Duration.ofSeconds(10);
    private static final JsonMapper JSON = Json.MAPPER;

    private record Token(String value, Instant expires) {
        boolean fresh() {
            return Instant.now().isBefore(expires);
        }
    }

    private final String registry;
    private final Credentials credentials;
    private final Function<URI, HttpClient> clients;
    private final RetryPolicy retry;
    private final String userAgent;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private volatile Challenge bearer;
    private volatile boolean basic;

    Authenticator(String registry, Credentials credentials, Function<URI, HttpClient> clients, RetryPolicy retry,
                  String userAgent) {
        this.registry = registry;
        this.credentials = credentials;
        this.clients = clients;
        this.retry = retry;
        this.userAgent = userAgent;
    }

    /** The {@code Authorization} value for a request needing {@code scopes}, or null to go anonymous. */
    String authorization(List<Scope> scopes) {
        if (basic && credentials instanceof Credentials.Basic b) {
            return b.header();
        }
        Challenge challenge = bearer;
        if (challenge == null) {
            return null;
        }
        return "Bearer " + token(challenge, scopes, null).value();
    }

    /**
     * Handles a {@code 401}: learns the challenge, drops the token that failed and gets a new one.
     *
     * @param sent the {@code Authorization} the failed request carried, or null
     * @return true when the request is worth sending again with {@link #authorization}
     * @throws RegistryException.AuthenticationRequired when the token endpoint refuses the credentials
     */
    boolean unauthorized(List<String> wwwAuthenticate, List<Scope> scopes, String sent) {
        List<Challenge> challenges = new ArrayList<>();
        wwwAuthenticate.forEach(h -> challenges.addAll(Challenge.parse(h)));
        for (Challenge c : challenges) {
            if (c.isBearer() && c.parameter("realm") != null) {
                bearer = c;
                String key = Scope.key(scopes);
                Token failed = tokens.get(key);
                if (failed != null && sent != null && sent.equals("Bearer " + failed.value())) {
                    tokens.remove(key, failed);
                }
                Token fresh = token(c, scopes, c.parameter("scope"));
                return sent == null || !sent.equals("Bearer " + fresh.value());
            }
        }
        for (Challenge c : challenges) {
            if (c.isBasic() && credentials instanceof Credentials.Basic b) {
                basic = true;
                // parallel first requests all went out anonymous: each is worth sending again,
                // but not one that carried the credentials already
                return !b.header().equals(sent);
            }
        }
        return false;
    }

    private Token token(Challenge challenge, List<Scope> scopes, String extraScope) {
        String key = Scope.key(scopes);
        Token cached = tokens.get(key);
        if (cached != null && cached.fresh()) {
            return cached;
        }
        synchronized (locks.computeIfAbsent(key, k -> new Object())) {
            cached = tokens.get(key);
            if (cached != null && cached.fresh()) {
                return cached;
            }
            Set<String> wanted = new LinkedHashSet<>();
            scopes.forEach(s -> wanted.add(s.toString()));
            if (extraScope != null && !extraScope.isBlank()) {
                for (String s : extraScope.trim().split("\\s+")) {
                    wanted.add(s);
                }
            }
            Token token = fetch(challenge, wanted);
            tokens.put(key, token);
            return token;
        }
    }

    private Token fetch(Challenge challenge, Set<String> scopes) {
        String realm = challenge.parameter("realm");
        String service = challenge.parameter("service");
        HttpRequest request;
        URI realmUri;
        try {
            realmUri = URI.create(realm);
        } catch (IllegalArgumentException e) {
            throw new RegistryException.ProtocolError(registry + " sent an unusable token realm: " + realm, e);
        }
        if (credentials instanceof Credentials.IdentityToken identity) {
            StringBuilder form = new StringBuilder("grant_type=refresh_token&client_id=wharf&refresh_token=")
                    .append(Endpoints.enc(identity.token()));
            if (service != null) {
                form.append("&service=").append(Endpoints.enc(service));
            }
            form.append("&scope=").append(Endpoints.enc(String.join(" ", scopes)));
            request = HttpRequest.newBuilder(realmUri).timeout(Duration.ofSeconds(60))
                    .header("User-Agent", userAgent)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build();
        } else {
            StringBuilder query = new StringBuilder();
            if (service != null) {
                query.append("service=").append(Endpoints.enc(service));
            }
            for (String scope : scopes) {
                query.append(query.length() == 0 ? "" : "&").append("scope=").append(Endpoints.enc(scope));
            }
            String base = realmUri.toString();
            URI uri = URI.create(query.length() == 0 ? base : base + (base.contains("?") ? "&" : "?") + query);
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                    .header("User-Agent", userAgent).GET();
            if (credentials instanceof Credentials.Basic basicCredentials) {
                b.header("Authorization", basicCredentials.header());
            }
            request = b.build();
        }
        for (int attempt = 1; ; attempt++) {
            HttpResponse<byte[]> response;
            try {
                response = clients.apply(request.uri()).send(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                if (attempt >= retry.attempts()) {
                    throw new RegistryException.Unavailable("cannot reach the token service " + realmUri.getHost()
                            + " of " + registry + ": " + e, 0, e);
                }
                RetryPolicy.sleep(retry.delay(attempt));
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException.Unavailable("interrupted", 0, e);
            }
            int status = response.statusCode();
            if (RegistryErrors.transientStatus(status) && attempt < retry.attempts()) {
                RetryPolicy.sleep(retry.delay(attempt));
                continue;
            }
            if (status == 401 || status == 403) {
                String why = credentials instanceof Credentials.Anonymous
                        ? "authentication required: run `wharf login " + registry + "`"
                        : "the credentials for " + registry + " were rejected: run `wharf login " + registry + "`";
                throw new RegistryException.AuthenticationRequired(registry, why, null);
            }
            if (status != 200) {
                throw RegistryErrors.map(status, response.body(), null, "token for " + String.join(" ", scopes), registry);
            }
            return parseToken(response.body());
        }
    }

    private Token parseToken(byte[] body) {
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (RuntimeException e) {
            throw new RegistryException.ProtocolError("the token service of " + registry + " sent malformed JSON", e);
        }
        String value = json.path("token").asString(null);
        if (value == null || value.isEmpty()) {
            value = json.path("access_token").asString(null);
        }
        if (value == null || value.isEmpty()) {
            throw new RegistryException.ProtocolError("the token service of " + registry + " sent no token", null);
        }
        long expiresIn = json.path("expires_in").asLong(60);
        // the spec's minimum lifetime is 60 s; renew a little early, never later than issued
        Duration life = Duration.ofSeconds(Math.max(expiresIn, 0)).minus(MARGIN);
        Instant expires = Instant.now().plus(life.isNegative() ? Duration.ZERO : life);
        return new Token(value, expires);
    }
}
