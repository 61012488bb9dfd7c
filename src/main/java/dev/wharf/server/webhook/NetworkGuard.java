package dev.wharf.server.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import org.springframework.security.web.util.matcher.IpAddressMatcher;
import org.springframework.stereotype.Component;

/**
 * Keeps webhooks away from {@code wharf.webhooks.denied-networks}. Checked when a webhook is saved
 * and again before every delivery (the name may resolve elsewhere by then). A name that resolves
 * differently between the check and the connection (DNS rebinding) is not caught: docs/SECURITY.md.
 */
@Component
class NetworkGuard {

    private final List<IpAddressMatcher> denied;

    NetworkGuard(WebhookProperties properties) {
        this.denied = properties.deniedNetworks().stream().map(IpAddressMatcher::new).toList();
    }

    /**
     * Why {@code host} may not be called, or empty when it may.
     *
     * @throws UnknownHostException when the name does not resolve
     */
    Optional<String> refusal(String host) throws UnknownHostException {
        if (denied.isEmpty()) {
            return Optional.empty();
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        for (InetAddress address : InetAddress.getAllByName(bare)) {
            for (IpAddressMatcher m : denied) {
                if (m.matches(address.getHostAddress())) {
                    return Optional.of(host + " resolves to " + address.getHostAddress()
                            + ", in a network webhooks may not reach (wharf.webhooks.denied-networks)");
                }
            }
        }
        return Optional.empty();
    }
}
