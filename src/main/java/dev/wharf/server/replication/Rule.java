package dev.wharf.server.replication;

import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.Action;
import dev.wharf.server.auth.Scope;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;

/**
 * A replication rule as the workers use it (its target password opened).
 *
 * @param repositories which repositories: for {@code push} local names, for {@code pull} the
 *                     target's (a pattern as in access scopes: {@code acme/**}, {@code acme/app-*})
 * @param targetPrefix put in front of a name on the other side ({@code ""}: the same names)
 */
record Rule(long id, String name, String repositories, URI targetUrl, String username, String password,
            String targetPrefix, String trigger, Duration schedule, boolean deletes, String direction, boolean enabled) {

    static final String PUSH = "push";
    static final String PULL = "pull";
    static final String ON_PUSH = "on-push";
    static final String SCHEDULE = "schedule";
    static final String MANUAL = "manual";

    boolean push() {
        return PUSH.equals(direction);
    }

    Scope pattern() {
        return new Scope(repositories, EnumSet.of(Action.PULL));
    }

    boolean matches(RepositoryName name) {
        return pattern().matches(name);
    }

    /** The name on the other side of {@code name}. */
    RepositoryName across(RepositoryName name) {
        return RepositoryName.of(targetPrefix + name.value());
    }

    /** {@code host[:port]}, as the client library names registries. */
    String registry() {
        return targetUrl.getPort() < 0 ? targetUrl.getHost() : targetUrl.getHost() + ":" + targetUrl.getPort();
    }

    @Override
    public String toString() {
        return "replication " + name + " (" + direction + " " + targetUrl + ")";
    }
}
