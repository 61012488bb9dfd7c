package dev.wharf.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.account.AccessTokens;
import dev.wharf.server.auth.account.Memberships;
import dev.wharf.server.auth.account.Namespaces;
import dev.wharf.server.auth.account.Organizations;
import dev.wharf.server.auth.account.RobotAccount;
import dev.wharf.server.auth.account.Robots;
import dev.wharf.server.auth.account.Role;
import dev.wharf.server.auth.account.UserAccount;
import dev.wharf.server.auth.account.Users;
import dev.wharf.server.catalog.CatalogFilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;

/**
 * The one place that decides access (DESIGN.md, invariant 7). For a {@link Principal} and a
 * repository it gives the allowed {@link Action}s; the token endpoint grants the intersection of
 * these and what was asked, the {@code /v2} check compares them with what a request needs (see
 * {@link RequiredAccess}), and the management API asks it who may manage what.
 *
 * <ul>
 *   <li>Admins may do everything.</li>
 *   <li>A user owns the namespace of their name; organization members get their role's actions
 *       (owner and maintainer: pull, push, delete; reader: pull).</li>
 *   <li>Public repositories allow pull to everyone, anonymous included. A repository that does
 *       not exist yet is private.</li>
 *   <li>A personal access token allows what its user may do, limited to its scopes; a robot what
 *       its scopes allow within its own namespace.</li>
 *   <li>A bearer token allows exactly its {@code access} claim.</li>
 *   <li>A pull-through cache's namespace ({@link CacheNamespaces}): admins as anywhere, every
 *       signed-in user may pull, and everyone when the cache is public.</li>
 *   <li>With {@code wharf.auth.enabled=false} everything is allowed to everyone.</li>
 * </ul>
 *
 * Visibility and roles are cached for a few seconds per replica; changes made through this replica
 * apply at once.
 */
@Component
public class AccessPolicy {

    private static final Duration CACHE_TTL = Duration.ofSeconds(5);

    private final boolean enabled;
    private final Visibilities visibilities;
    private final Memberships memberships;
    private final Organizations organizations;
    private final Namespaces namespaces;
    private final Users users;
    private final Robots robots;
    private final AccessTokens accessTokens;
    private final ObjectProvider<CacheNamespaces> caches;
    private final Cache<String, Boolean> publicCache = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(CACHE_TTL).build();
    private final Cache<String, Optional<Role>> roleCache = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(CACHE_TTL).build();

    AccessPolicy(AuthProperties properties, Visibilities visibilities, Memberships memberships,
                 Organizations organizations, Namespaces namespaces, Users users, Robots robots,
                 AccessTokens accessTokens, ObjectProvider<CacheNamespaces> caches) {
        this.enabled = properties.enabled();
        this.visibilities = visibilities;
        this.memberships = memberships;
        this.organizations = organizations;
        this.namespaces = namespaces;
        this.users = users;
        this.robots = robots;
        this.accessTokens = accessTokens;
        this.caches = caches;
    }

    /** False when {@code wharf.auth.enabled=false}: everything is allowed. */
    public boolean enabled() {
        return enabled;
    }

    /** The principal of the current request (anonymous when none was authenticated). */
    public Principal current() {
        Authentication a = SecurityContextHolder.getContext().getAuthentication();
        return a instanceof PrincipalAuthentication p ? p.wharfPrincipal() : new Principal.Anonymous();
    }

    /** What {@code principal} may do with {@code repository}. */
    public Set<Action> allowed(Principal principal, RepositoryName repository) {
        if (!enabled) {
            return Action.all();
        }
        Set<Action> actions;
        if (principal instanceof Principal.Bearer b) {
            actions = EnumSet.copyOf(b.access().getOrDefault(repository, Action.none()));
        } else if (principal instanceof Principal.User u) {
            actions = userActions(u, repository);
        } else if (principal instanceof Principal.PersonalToken t) {
            actions = userActions(t.owner(), repository);
            actions.retainAll(Scope.actionsFor(t.scopes(), repository));
        } else if (principal instanceof Principal.Robot r && repository.namespace().equals(r.namespace())) {
            actions = Scope.actionsFor(r.scopes(), repository);
        } else {
            actions = Action.none();
        }
        if (!(principal instanceof Principal.Bearer) && !actions.contains(Action.PULL) && isPublic(repository)) {
            actions.add(Action.PULL);
        }
        return actions;
    }

    /** True when {@code principal} may do every one of {@code needed} on {@code repository}. */
    public boolean allows(Principal principal, RepositoryName repository, Set<Action> needed) {
        return allowed(principal, repository).containsAll(needed);
    }

    /** True when the current principal may pull {@code repository}. */
    public boolean mayPull(RepositoryName repository) {
        return allows(current(), repository, EnumSet.of(Action.PULL));
    }

    /** Whether {@code principal} may list the catalog at all (any authenticated principal). */
    public boolean mayListCatalog(Principal principal) {
        if (!enabled) {
            return true;
        }
        if (principal instanceof Principal.Bearer b) {
            return b.catalog();
        }
        return !(principal instanceof Principal.Anonymous);
    }

    /**
     * Which catalog entries the current principal sees: the repositories it may pull (as
     * {@link #allowed} says), as ranges of names the catalog reads by index: a user's own namespace
     * and those of their organizations; for a personal access token, the part of those (any
     * namespace, for an admin's) its pull scopes cover, each pattern read from its literal prefix
     * on; for a robot, its pull scopes within its namespace; and the public repositories for
     * everyone. A bearer token is resolved to the account it was issued to, so the catalog shows
     * what that account may pull now.
     */
    public CatalogFilter catalogFilter() {
        Principal principal = current();
        if (!enabled || isAdmin(principal)) {
            return CatalogFilter.all();
        }
        Principal resolved = principal instanceof Principal.Bearer b ? resolve(b) : principal;
        if (resolved instanceof Principal.User u && u.admin()) {
            return CatalogFilter.all();
        }
        List<CatalogFilter.Range> ranges = new ArrayList<>();
        if (resolved instanceof Principal.User u) {
            for (String namespace : namespacesOf(u)) {
                ranges.addAll(CatalogFilter.Range.namespace(namespace, name -> true));
            }
        } else if (resolved instanceof Principal.PersonalToken t) {
            ranges.addAll(scopeRanges(t.scopes(), t.owner().admin() ? null : namespacesOf(t.owner())));
        } else if (resolved instanceof Principal.Robot r) {
            ranges.addAll(scopeRanges(r.scopes(), Set.of(r.namespace())));
        }
        if (!(resolved instanceof Principal.User)) {
            for (CacheNamespaces.CacheNamespace c : caches().all()) {
                if (c.isPublic()) {
                    ranges.addAll(CatalogFilter.Range.namespace(c.name(), name -> true));
                }
            }
        }
        return CatalogFilter.of(ranges, true);
    }

    /** The namespaces whose every repository {@code user} may pull: their own and their organizations'. */
    private Set<String> namespacesOf(Principal.User user) {
        Set<String> names = new LinkedHashSet<>();
        names.add(user.name());
        organizations.findByMember(user.id()).forEach(o -> names.add(o.name()));
        caches().all().forEach(c -> names.add(c.name()));
        return names;
    }

    /**
     * The names the pull scopes among {@code scopes} match, within {@code namespaces} (null: any),
     * as ranges: the pattern's literal prefix when it fixes the namespace, else each namespace the
     * prefix may start.
     */
    private static List<CatalogFilter.Range> scopeRanges(List<Scope> scopes, Set<String> namespaces) {
        List<CatalogFilter.Range> ranges = new ArrayList<>();
        for (Scope s : scopes) {
            if (!s.actions().contains(Action.PULL)) {
                continue;
            }
            String prefix = s.literalPrefix();
            Predicate<String> matches = s::matches;
            int slash = prefix.indexOf('/');
            String namespace = slash >= 0 ? prefix.substring(0, slash) : prefix;
            boolean literal = prefix.equals(s.repositories());
            if (literal || slash >= 0) {
                if (namespaces == null || namespaces.contains(namespace)) {
                    ranges.add(literal ? CatalogFilter.Range.exactly(prefix, matches)
                            : CatalogFilter.Range.prefix(prefix, matches));
                }
            } else if (namespaces == null) {
                ranges.add(CatalogFilter.Range.prefix(prefix, matches));
            } else {
                for (String candidate : namespaces) {
                    if (candidate.startsWith(prefix)) {
                        ranges.addAll(CatalogFilter.Range.namespace(candidate, matches));
                    }
                }
            }
        }
        return ranges;
    }

    /**
     * Which repositories a principal may pull, as data a query can filter with (the web UI lists
     * and counts repositories with it, and never one the viewer could not pull): every one, or the
     * public ones plus every one in {@code namespaces}.
     */
    public record Visible(boolean all, Set<String> namespaces) {

        public Visible {
            namespaces = Set.copyOf(namespaces);
        }

        /** Whether a repository in {@code namespace} with this visibility is included. */
        public boolean includes(String namespace, boolean isPublic) {
            return all || isPublic || namespaces.contains(namespace);
        }
    }

    /**
     * What {@code principal} may pull, in the form of {@link Visible}: the rules of {@link #allowed}
     * for a user (their own namespace, every organization they belong to, whatever the role, as
     * every role pulls, and every pull-through cache) and an admin (everything); anyone else gets
     * the public repositories and the public caches only.
     */
    public Visible visibleTo(Principal principal) {
        if (!enabled || isAdmin(principal)) {
            return new Visible(true, Set.of());
        }
        Set<String> namespaces = new java.util.TreeSet<>();
        for (CacheNamespaces.CacheNamespace c : caches().all()) {
            if (c.isPublic() || principal instanceof Principal.User) {
                namespaces.add(c.name());
            }
        }
        if (principal instanceof Principal.User u) {
            namespaces.addAll(memberships.organizationsOf(u.id()));
            namespaces.add(u.name());
        }
        return new Visible(false, namespaces);
    }

    /**
     * Whether {@code principal} owns {@code namespace} (its user, an owner of the organization, an
     * admin) with nothing limiting it there: what managing members, robots and visibility needs.
     */
    public boolean ownsNamespace(Principal principal, String namespace) {
        return owns(principal, namespace) && tokenCovers(principal, namespace, Action.all());
    }

    /** Whether the account a bearer token was issued to may, as it is now, pull {@code repository}. */
    public boolean accountMayPull(Principal.Bearer bearer, RepositoryName repository) {
        return allowed(resolve(bearer), repository).contains(Action.PULL);
    }

    /** The account a bearer token was issued to, as it is now; anonymous when it is gone. */
    private Principal resolve(Principal.Bearer bearer) {
        String subject = bearer.subject();
        if (subject == null) {
            return new Principal.Anonymous();
        }
        int plus = subject.indexOf(Principal.Robot.SEPARATOR);
        if (plus > 0) {
            return robots.findByNamespaceAndName(subject.substring(0, plus), subject.substring(plus + 1))
                    .<Principal>map(RobotAccount::principal).orElse(new Principal.Anonymous());
        }
        Optional<UserAccount> user = users.findByName(subject).filter(UserAccount::enabled);
        if (user.isEmpty()) {
            return new Principal.Anonymous();
        }
        if (bearer.tokenId() != null) {
            return accessTokens.findByPublicId(bearer.tokenId())
                    .filter(t -> t.userId() == user.get().id())
                    .<Principal>map(t -> new Principal.PersonalToken(user.get().principal(), t.id(), t.publicId(),
                            t.scopes(), t.api()))
                    .orElse(new Principal.Anonymous());
        }
        return user.get().principal();
    }

    // ---- management -----------------------------------------------------------------------------

    public boolean isAdmin(Principal principal) {
        return !enabled || principal instanceof Principal.User u && u.admin();
    }

    /** The user a management request acts as, or null (robots, bearer tokens, anonymous, non-API PATs). */
    public Principal.User apiUser(Principal principal) {
        if (principal instanceof Principal.User u) {
            return u;
        }
        if (principal instanceof Principal.PersonalToken t && t.api()) {
            return t.owner();
        }
        return null;
    }

    /** Whether {@code principal} may call the management API at all. */
    public boolean mayUseApi(Principal principal) {
        return !enabled || apiUser(principal) != null;
    }

    /** 403 unless the principal is an admin. */
    public void requireAdmin(Principal principal) {
        if (!isAdmin(principal)) {
            throw denied("only an administrator may do this");
        }
    }

    /** 403 unless the principal is {@code user} (authenticated by password) or an admin. */
    public void requireSelfOrAdmin(Principal principal, String user) {
        if (isAdmin(principal)) {
            return;
        }
        Principal.User u = apiUser(principal);
        if (u == null || !u.name().equals(user)) {
            throw denied("you may manage only your own account");
        }
    }

    /**
     * 403 unless the principal logged in with a password (or is an admin): new credentials (access
     * tokens, robots, robot secrets, passwords) and changes of a robot's scopes are never made with
     * a token, so a token cannot widen itself or make anything wider than itself.
     */
    public void requirePassword(Principal principal) {
        if (!isAdmin(principal) && !(principal instanceof Principal.User)) {
            throw denied("this needs your password, not an access token");
        }
    }

    /**
     * 403 unless the principal owns {@code namespace} (its user, an owner of its organization, or an
     * admin) and, for a personal access token, the token's scopes cover the whole namespace with
     * pull, push and delete (see {@link #tokenCovers}). For changes in a namespace: members, robots,
     * deleting an organization.
     */
    public void requireOwner(Principal principal, String namespace) {
        if (!owns(principal, namespace)) {
            throw denied("you do not own namespace " + namespace);
        }
        requireTokenCovers(principal, namespace, Action.all());
    }

    /** As {@link #requireOwner}, for reading what the owners manage (robots): a token needs pull over the namespace. */
    public void requireOwnerToRead(Principal principal, String namespace) {
        if (!owns(principal, namespace)) {
            throw denied("you do not own namespace " + namespace);
        }
        requireTokenCovers(principal, namespace, EnumSet.of(Action.PULL));
    }

    /**
     * 403 unless the principal is a member of organization {@code organization} (any role) or an
     * admin, and a personal access token's scopes cover the organization's namespace with pull.
     */
    public void requireMember(Principal principal, String organization) {
        Principal.User u = apiUser(principal);
        if (!isAdmin(principal) && (u == null || role(u, organization).isEmpty())) {
            throw denied("you are not a member of " + organization);
        }
        requireTokenCovers(principal, organization, EnumSet.of(Action.PULL));
    }

    /**
     * 403 unless the principal owns the namespace of {@code repository} and, for a personal access
     * token, the token grants pull, push and delete on that repository. For changes to one
     * repository's settings (visibility).
     */
    public void requireRepositoryOwner(Principal principal, RepositoryName repository) {
        if (!owns(principal, repository.namespace())) {
            throw denied("you do not own namespace " + repository.namespace());
        }
        if (principal instanceof Principal.PersonalToken t
                && !Scope.actionsFor(t.scopes(), repository).containsAll(Action.all())) {
            throw denied("this access token's scopes do not grant pull, push and delete on " + repository);
        }
    }

    /** 403 unless {@link #tokenCovers} the namespace with {@code actions}. */
    public void requireTokenCovers(Principal principal, String namespace, Set<Action> actions) {
        if (!tokenCovers(principal, namespace, actions)) {
            throw denied("this access token's scopes do not cover " + namespace + "/** with "
                    + String.join(", ", actions.stream().map(Action::wire).toList()));
        }
    }

    /**
     * Whether the principal's own limits allow {@code actions} over every repository of
     * {@code namespace}. Always true but for personal access tokens, which need scopes whose
     * patterns cover the whole namespace ({@code <namespace>/**}, or a pattern whose first
     * component has wildcards matching the namespace followed by {@code /**}, or {@code **}) and
     * that grant the actions together. Whether the token's user has the rights is asked apart.
     */
    public boolean tokenCovers(Principal principal, String namespace, Set<Action> actions) {
        if (!enabled || !(principal instanceof Principal.PersonalToken t)) {
            return true;
        }
        Set<Action> granted = Action.none();
        for (Scope s : t.scopes()) {
            if (coversNamespace(s.repositories(), namespace)) {
                granted.addAll(s.actions());
            }
        }
        return granted.containsAll(actions);
    }

    private static boolean coversNamespace(String pattern, String namespace) {
        if (pattern.equals("**")) {
            return true;
        }
        if (!pattern.endsWith("/**") || !RepositoryName.isValid(namespace)) {
            return false;
        }
        String head = pattern.substring(0, pattern.length() - 3);
        return head.equals(namespace)
                || head.indexOf('/') < 0 && new Scope(head, EnumSet.of(Action.PULL)).matches(RepositoryName.of(namespace));
    }

    /**
     * True when the account behind the principal owns {@code namespace} (for a personal access
     * token: its user, whatever the token's scopes; see {@link #tokenCovers}).
     */
    boolean owns(Principal principal, String namespace) {
        if (isAdmin(principal)) {
            return true;
        }
        Principal.User u = apiUser(principal);
        return u != null && (u.name().equals(namespace) || role(u, namespace).orElse(null) == Role.OWNER);
    }

    /** Forgets cached roles and visibility after a change (other replicas follow within seconds). */
    public void changed() {
        publicCache.invalidateAll();
        roleCache.invalidateAll();
    }

    private Set<Action> userActions(Principal.User user, RepositoryName repository) {
        if (user.admin()) {
            return Action.all();
        }
        String namespace = repository.namespace();
        if (namespace.equals(user.name())) {
            return Action.all();
        }
        if (caches().cache(namespace).isPresent()) {
            return EnumSet.of(Action.PULL);
        }
        return role(user, namespace).<Set<Action>>map(r -> EnumSet.copyOf(r.actions())).orElse(Action.none());
    }

    private Optional<Role> role(Principal.User user, String organization) {
        return roleCache.get(user.id() + "/" + organization,
                k -> memberships.roleIn(organization, user.id()).map(Role::fromWire));
    }

    private boolean isPublic(RepositoryName repository) {
        if (caches().cache(repository.namespace()).map(CacheNamespaces.CacheNamespace::isPublic).orElse(false)) {
            return true;
        }
        return publicCache.get(repository.value(), visibilities::isPublic);
    }

    private CacheNamespaces caches() {
        return caches.getIfAvailable(() -> CacheNamespaces.NONE);
    }

    public boolean namespaceExists(String namespace) {
        return namespaces.kind(namespace).isPresent();
    }

    public static OciException denied(String message) {
        return new OciException(OciErrorCode.DENIED, message);
    }
}
