package dev.wharf.server.replication;

import dev.wharf.client.ClientOptions;
import dev.wharf.client.RegistryClient;
import dev.wharf.client.TransferListener;
import dev.wharf.client.registry.Credentials;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The other registries of the rules, spoken to through the companion client: its authentication
 * (anonymous, Basic, the token flow), retries with backoff, resumed uploads, and the blob
 * locations it learns (so a blob already copied to one repository of a target is mounted into the
 * next instead of sent again). One client per rule, made anew when its target changes.
 */
@Component
class Targets implements DisposableBean {

    private record Client(String url, String username, String password, RegistryClient client) {
    }

    private final ConcurrentHashMap<Long, Client> clients = new ConcurrentHashMap<>();

    RegistryClient client(Rule rule) {
        String url = rule.targetUrl().toString();
        return clients.compute(rule.id(), (id, old) -> old != null && old.url().equals(url)
                && Objects.equals(old.username(), rule.username()) && Objects.equals(old.password(), rule.password())
                ? old : new Client(url, rule.username(), rule.password(), create(rule))).client();
    }

    private static RegistryClient create(Rule rule) {
        ClientOptions options = ClientOptions.defaults()
                .withParallelism(4)
                .withPlainHttp("http".equalsIgnoreCase(rule.targetUrl().getScheme()) ? Set.of(rule.registry()) : Set.of())
                .withUserAgent("wharf-replication");
        Credentials credentials = rule.username() == null ? Credentials.ANONYMOUS
                : new Credentials.Basic(rule.username(), rule.password() == null ? "" : rule.password());
        return new RegistryClient(options, registry -> credentials, TransferListener.NONE);
    }

    @Override
    public void destroy() {
        clients.values().forEach(c -> c.client().close());
        clients.clear();
    }
}
