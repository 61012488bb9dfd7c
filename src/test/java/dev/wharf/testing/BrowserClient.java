package dev.wharf.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The web UI as a browser uses it, without a browser: a cookie jar (the session), the sign-in form,
 * and forms posted with the CSRF token a page of the same session carries. Redirects are not
 * followed, so tests see them.
 */
public final class BrowserClient {

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    private final URI base;
    private final HttpClient client;

    public BrowserClient(URI base) {
        this(base, new CookieManager(null, CookiePolicy.ACCEPT_ALL));
    }

    /** A client sharing {@code cookies} with others: a browser whose tabs reach several replicas on one host. */
    public BrowserClient(URI base, CookieManager cookies) {
        this.base = base;
        this.client = HttpClient.newBuilder().cookieHandler(cookies).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    public HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).GET();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    /** Posts a form ({@code name, value, name, value...}) with this session's CSRF token. */
    public HttpResponse<String> post(String path, String... fields) {
        List<String> all = new ArrayList<>(List.of(fields));
        all.add("_csrf");
        all.add(csrfToken());
        return postRaw(path, all.toArray(String[]::new));
    }

    /** Posts a form exactly as given: without a CSRF token unless the fields hold one. */
    public HttpResponse<String> postRaw(String path, String... fields) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i + 1 < fields.length; i += 2) {
            if (body.length() > 0) {
                body.append('&');
            }
            body.append(URLEncoder.encode(fields[i], StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(fields[i + 1], StandardCharsets.UTF_8));
        }
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
    }

    /** Signs in through the form; fails unless it is accepted. */
    public BrowserClient signIn(String user, String password) {
        HttpResponse<String> r = post("/login", "username", user, "password", password);
        assertThat(r.statusCode()).as("sign-in of " + user).isEqualTo(302);
        assertThat(r.headers().firstValue("Location").orElse("")).as("sign-in of " + user).doesNotContain("error");
        return this;
    }

    /** The CSRF token of this session, read from the first page that has a form. */
    public String csrfToken() {
        for (String page : List.of("/", "/login", "/n")) {
            Matcher m = CSRF.matcher(get(page).body());
            if (m.find()) {
                return m.group(1);
            }
        }
        throw new AssertionError("no page carries a CSRF token");
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
