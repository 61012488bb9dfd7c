package dev.wharf.server.auth;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Where clients reach this registry ({@code wharf.external-url}), for the token realm. When unset
 * it is taken from the request: scheme, host and port as the container sees them, which honours
 * {@code X-Forwarded-*} only when {@code server.forward-headers-strategy} says so. Set it behind
 * a proxy or ingress: a realm derived from the Host header is only as trustworthy as that header.
 */
@Component
public class ExternalUrl {

    private final String configured;

    ExternalUrl(@Value("${wharf.external-url:}") String configured) {
        String c = configured == null ? "" : configured.strip();
        while (c.endsWith("/")) {
            c = c.substring(0, c.length() - 1);
        }
        this.configured = c;
    }

    /** Where clients reach this registry, without a trailing slash. */
    public String base(HttpServletRequest request) {
        if (!configured.isEmpty()) {
            return configured;
        }
        String scheme = request.getScheme();
        int port = request.getServerPort();
        boolean defaultPort = ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
        String host = request.getServerName();
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return scheme + "://" + host + (defaultPort || port <= 0 ? "" : ":" + port) + request.getContextPath();
    }

    /** The token endpoint: {@code <external URL>/token}. */
    String realm(HttpServletRequest request) {
        return base(request) + "/token";
    }
}
