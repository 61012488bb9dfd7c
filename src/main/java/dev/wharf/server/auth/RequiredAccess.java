package dev.wharf.server.auth;

import dev.wharf.oci.RepositoryName;
import dev.wharf.server.route.Route;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a {@code /v2} request needs, from its parsed {@link Route} and HTTP method alone. Like
 * distribution: reads (GET, HEAD) need {@code pull}, writes (POST, PUT, PATCH) need {@code pull}
 * and {@code push}, DELETE needs {@code delete} (but cancelling an upload is part of pushing); the
 * catalog needs an authenticated principal (and is filtered), and {@code /v2/} any authenticated
 * principal, so that an anonymous {@code docker login} gets the challenge it starts from. Any
 * other method on a repository route needs what a write needs, and then gets its 405.
 *
 * <p>A cross-repository mount ({@code POST ?mount=&from=}) additionally needs {@code pull} on
 * {@code from}; without it the mount is not attempted and the client gets an upload session, as
 * for any blob the registry cannot mount (so nothing is learnt about {@code from}).
 */
sealed interface RequiredAccess {

    /** Any authenticated principal. */
    record Authenticated() implements RequiredAccess {
    }

    /** {@code registry:catalog:*}. */
    record Catalog() implements RequiredAccess {
    }

    /** Actions on one repository. */
    record Repository(RepositoryName name, Set<Action> actions) implements RequiredAccess {
    }

    static RequiredAccess of(Route route, String method) {
        if (route instanceof Route.Base) {
            return new Authenticated();
        }
        if (route instanceof Route.Catalog) {
            return new Catalog();
        }
        return new Repository(route.repository(), actions(route, method));
    }

    private static Set<Action> actions(Route route, String method) {
        return switch (method) {
            case "GET", "HEAD" -> EnumSet.of(Action.PULL);
            case "DELETE" -> route instanceof Route.Upload
                    ? EnumSet.of(Action.PULL, Action.PUSH) : EnumSet.of(Action.DELETE);
            default -> EnumSet.of(Action.PULL, Action.PUSH);
        };
    }

    /** The challenge's {@code scope}: {@code repository:<name>:pull,push}, {@code registry:catalog:*}, or null. */
    static String scope(RequiredAccess required) {
        if (required instanceof Catalog) {
            return "registry:catalog:*";
        }
        if (required instanceof Repository r) {
            StringBuilder actions = new StringBuilder();
            for (Action a : Action.values()) {
                if (r.actions().contains(a)) {
                    actions.append(actions.length() == 0 ? "" : ",").append(a.wire());
                }
            }
            return "repository:" + r.name() + ":" + actions;
        }
        return null;
    }
}
