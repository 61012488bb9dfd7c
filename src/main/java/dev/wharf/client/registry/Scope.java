package dev.wharf.client.registry;

import dev.wharf.oci.RepositoryName;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One access scope of the Docker token protocol, e.g. {@code repository:team/app:pull,push}: what a
 * request needs a bearer token to be good for.
 *
 * @param type    the resource type: {@code repository} or {@code registry}
 * @param name    the resource name: a repository name, or {@code catalog}
 * @param actions the actions, sorted: {@code pull}, {@code push}, {@code delete}, {@code *}
 * @see <a href="https://distribution.github.io/distribution/spec/auth/scope/">Token scope documentation</a>
 */
public record Scope(String type, String name, List<String> actions) {

    public Scope {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        actions = List.copyOf(new TreeSet<>(actions));
    }

    public static Scope pull(RepositoryName repository) {
        return new Scope("repository", repository.value(), List.of("pull"));
    }

    public static Scope push(RepositoryName repository) {
        return new Scope("repository", repository.value(), List.of("pull", "push"));
    }

    public static Scope delete(RepositoryName repository) {
        return new Scope("repository", repository.value(), List.of("delete"));
    }

    public static Scope catalog() {
        return new Scope("registry", "catalog", List.of("*"));
    }

    /** The scopes' wire forms joined by a space: the cache key of a token good for all of them. */
    static String key(Collection<Scope> scopes) {
        return scopes.stream().map(Scope::toString).sorted().collect(Collectors.joining(" "));
    }

    @Override
    public String toString() {
        return type + ":" + name + ":" + String.join(",", actions);
    }
}
