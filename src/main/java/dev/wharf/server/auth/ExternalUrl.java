package dev.wharf.server.auth;

import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Where clients reach this registry ({@code wharf.external-url}), for the token realm. When unset
 * it is taken from the request: scheme, host and port as the container sees them, which honours
 * {@code X-Forwarded-*} only when {@code server.forward-headers-strategy} says so. Set it behind
 * a proxy or ingress: a realm derived from the Host header is only as trustworthy as that header,
 * which is why a server that listens beyond the loopback interface without it warns at start.
 */
@Component
public class ExternalUrl {

    private static final Logger log = LoggerFactory.getLogger(ExternalUrl.class);

    private final String configured;
    private final String serverAddress;
    private final boolean authEnabled;

    @Autowired
    ExternalUrl(@Value("${wharf.external-url:}") String configured, @Value("${server.address:}") String serverAddress,
                AuthProperties properties) {
        this(configured, serverAddress, properties.enabled());
    }

    ExternalUrl(String configured, String serverAddress, boolean authEnabled) {
        String c = configured == null ? "" : configured.strip();
        while (c.endsWith("/")) {
            c = c.substring(0, c.length() - 1);
        }
        this.configured = c;
        this.serverAddress = serverAddress;
        this.authEnabled = authEnabled;
    }

    /** Logs {@link #warning} once the server is up, when there is one. */
    @EventListener(ApplicationReadyEvent.class)
    void warnWhenTheRealmFollowsTheHostHeader() {
        String warning = warning(authEnabled, configured, serverAddress);
        if (warning != null) {
            log.warn(warning);
        }
    }

    /**
     * The warning a server deserves when it authenticates, listens on {@code serverAddress} (empty:
     * every interface) beyond loopback and has no {@code externalUrl}: clients elsewhere are sent
     * to a token realm built from the {@code Host} header they sent, which anyone can set. Null when
     * there is nothing to warn about.
     */
    static String warning(boolean authEnabled, String externalUrl, String serverAddress) {
        if (!authEnabled || !externalUrl.isEmpty() || !beyondLoopback(serverAddress)) {
            return null;
        }
        String where = serverAddress == null || serverAddress.isBlank() ? "every interface" : serverAddress.strip();
        return "Wharf listens on " + where + " and wharf.external-url is not set: the token realm sent to clients "
                + "follows each request's Host header, which any client can set. Set wharf.external-url to the "
                + "URL clients use (e.g. https://registry.example.com).";
    }

    private static boolean beyondLoopback(String address) {
        if (address == null || address.isBlank()) {
            return true;
        }
        try {
            return !InetAddress.getByName(address.strip()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return true;
        }
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
