package dev.wharf.server.auth.account;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.auth.Action;
import dev.wharf.server.auth.Principal;
import dev.wharf.server.auth.Visibilities;
import dev.wharf.server.auth.token.RefreshTokens;
import dev.wharf.server.events.EventType;
import dev.wharf.server.events.Events;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Users, organizations, memberships and repository visibility, for the management API. Every
 * method takes the acting {@link Principal} and asks {@link AccessPolicy} whether it may; errors
 * are {@link OciException}s (403 {@code DENIED}, 404 {@code NAME_UNKNOWN}, 409 when a name is
 * taken, 400 for invalid input).
 */
@Service
public class Accounts {

    /** Names of users and organizations: one repository path component, without {@code +}. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*");
    private static final int MIN_PASSWORD = 8;

    /** A user as the API shows it. */
    public record UserView(String name, boolean admin, boolean enabled, Instant createdAt) {
    }

    /** An organization as the API shows it. */
    public record OrganizationView(String name, Instant createdAt) {
    }

    /** A member as the API shows it. */
    public record MemberView(String user, String role) {
    }

    /** A repository's visibility. */
    public record RepositoryView(String name, String visibility) {
    }

    private final Users users;
    private final Organizations organizations;
    private final Memberships memberships;
    private final Namespaces namespaces;
    private final Visibilities visibilities;
    private final NamespaceContents contents;
    private final RefreshTokens refreshTokens;
    private final PasswordEncoder passwords;
    private final AccessPolicy policy;
    private final CredentialChecker credentials;
    private final Clock clock;
    private final Events events;

    Accounts(Users users, Organizations organizations, Memberships memberships, Namespaces namespaces,
             Visibilities visibilities, NamespaceContents contents, RefreshTokens refreshTokens,
             PasswordEncoder passwords, AccessPolicy policy, CredentialChecker credentials, Clock authClock,
             Events events) {
        this.events = events;
        this.users = users;
        this.organizations = organizations;
        this.memberships = memberships;
        this.namespaces = namespaces;
        this.visibilities = visibilities;
        this.contents = contents;
        this.refreshTokens = refreshTokens;
        this.passwords = passwords;
        this.policy = policy;
        this.credentials = credentials;
        this.clock = authClock;
    }

    // ---- users ------------------------------------------------------------------------------------

    public List<UserView> users(Principal actor) {
        policy.requireAdmin(actor);
        return users.findAllByOrderByName().stream().map(Accounts::view).toList();
    }

    public UserView user(Principal actor, String name) {
        policy.requireSelfOrAdmin(actor, name);
        return view(findUser(name));
    }

    /** The user behind the acting principal. */
    public UserView me(Principal actor) {
        Principal.User u = policy.apiUser(actor);
        if (u == null) {
            throw AccessPolicy.denied("no user account behind these credentials");
        }
        return view(findUser(u.name()));
    }

    @Transactional
    public UserView createUser(Principal actor, String name, String password, boolean admin) {
        policy.requireAdmin(actor);
        checkName(name);
        checkPassword(password);
        if (!namespaces.claim(name, Namespaces.Kind.USER)) {
            throw taken(name);
        }
        UserView created = view(users.save(new UserAccount(name, passwords.encode(password), admin, clock.instant())));
        events.record(EventType.USER_CREATED, name, null, name, Map.of("admin", admin));
        return created;
    }

    /**
     * Changes a user. A user changing their own password must give the current one; only admins
     * change {@code admin} and {@code enabled}. Null leaves a field as it is.
     */
    @Transactional
    public UserView updateUser(Principal actor, String name, String currentPassword, String newPassword, Boolean admin,
                               Boolean enabled) {
        policy.requireSelfOrAdmin(actor, name);
        UserAccount user = findUser(name);
        Instant now = clock.instant();
        if (newPassword != null) {
            policy.requirePassword(actor);
            boolean self = actor instanceof Principal.User u && u.name().equals(name);
            if (self && (currentPassword == null || !passwords.matches(currentPassword, user.passwordHash()))) {
                throw new OciException(OciErrorCode.DENIED, "changing your password needs the current one (currentPassword)");
            }
            checkPassword(newPassword);
            user.password(passwords.encode(newPassword), now);
            refreshTokens.deleteForPassword(user.id());
        }
        if (admin != null || enabled != null) {
            policy.requireAdmin(actor);
            if (actor instanceof Principal.User u && u.name().equals(name)
                    && (Boolean.FALSE.equals(admin) || Boolean.FALSE.equals(enabled))) {
                throw new OciException(OciErrorCode.DENIED, "admins cannot demote or disable themselves");
            }
            if (admin != null) {
                user.admin(admin, now);
            }
            if (enabled != null) {
                user.enabled(enabled, now);
            }
        }
        users.save(user);
        credentials.forgetAll();
        Map<String, Object> changed = new LinkedHashMap<>();
        if (newPassword != null) {
            changed.put("password", "changed");
        }
        if (admin != null) {
            changed.put("admin", admin);
        }
        if (enabled != null) {
            changed.put("enabled", enabled);
        }
        events.record(EventType.USER_UPDATED, name, null, name, changed);
        return view(user);
    }

    /**
     * Deletes a user with their namespace: its repositories (see {@link NamespaceContents}), robots,
     * the user's tokens and memberships, in one transaction. The namespace's row is locked first,
     * so pushes into it finish before (and are deleted with it) or find it gone.
     */
    @Transactional
    public void deleteUser(Principal actor, String name) {
        policy.requireAdmin(actor);
        UserAccount user = findUser(name);
        if (actor instanceof Principal.User u && u.id() == user.id()) {
            throw new OciException(OciErrorCode.DENIED, "admins cannot delete themselves");
        }
        namespaces.lock(name);
        int repositories = contents.delete(name);
        namespaces.release(name);
        credentials.forgetAll();
        policy.changed();
        events.record(EventType.USER_DELETED, name, null, name, Map.of("repositoriesDeleted", repositories));
    }

    // ---- organizations ---------------------------------------------------------------------------

    public List<OrganizationView> organizations(Principal actor) {
        if (policy.isAdmin(actor)) {
            return organizations.findAllOrdered().stream().map(Accounts::view).toList();
        }
        Principal.User u = policy.apiUser(actor);
        return organizations.findByMember(u.id()).stream()
                .filter(o -> policy.tokenCovers(actor, o.name(), EnumSet.of(Action.PULL)))
                .map(Accounts::view).toList();
    }

    public OrganizationView organization(Principal actor, String name) {
        policy.requireMember(actor, name);
        return view(findOrganization(name));
    }

    /** Creates an organization; the creating user becomes its owner. */
    @Transactional
    public OrganizationView createOrganization(Principal actor, String name) {
        Principal.User creator = policy.apiUser(actor);
        if (creator == null && !policy.isAdmin(actor)) {
            throw AccessPolicy.denied("only users create organizations");
        }
        checkName(name);
        // the organization gives its creator everything in it: a token may make only what it covers
        policy.requireTokenCovers(actor, name, Action.all());
        if (!namespaces.claim(name, Namespaces.Kind.ORGANIZATION)) {
            throw taken(name);
        }
        Instant now = clock.instant();
        Organization org = organizations.save(new Organization(name, now));
        if (creator != null) {
            memberships.save(new Membership(org.id(), creator.id(), Role.OWNER, now));
        }
        policy.changed();
        events.record(EventType.ORGANIZATION_CREATED, name, null, name, Map.of());
        return view(org);
    }

    /** Deletes an organization with its repositories, robots and memberships, in one transaction. */
    @Transactional
    public void deleteOrganization(Principal actor, String name) {
        policy.requireOwner(actor, name);
        findOrganization(name);
        namespaces.lock(name);
        int repositories = contents.delete(name);
        namespaces.release(name);
        policy.changed();
        credentials.forgetAll();
        events.record(EventType.ORGANIZATION_DELETED, name, null, name, Map.of("repositoriesDeleted", repositories));
    }

    public List<MemberView> members(Principal actor, String organization) {
        policy.requireMember(actor, organization);
        Organization org = findOrganization(organization);
        List<MemberView> members = new ArrayList<>();
        for (Membership m : memberships.findByOrganizationId(org.id())) {
            users.findById(m.userId()).ifPresent(u -> members.add(new MemberView(u.name(), m.role().wire())));
        }
        members.sort((a, b) -> a.user().compareTo(b.user()));
        return members;
    }

    /** Adds {@code user} to the organization with {@code role}, or changes their role. */
    @Transactional
    public MemberView setMember(Principal actor, String organization, String user, String role) {
        policy.requireOwner(actor, organization);
        Organization org = findOrganization(organization);
        Role r = Role.fromWire(role == null ? "" : role);
        if (r == null) {
            throw new OciException(OciErrorCode.UNSUPPORTED, 400, "role must be owner, maintainer or reader", null);
        }
        UserAccount member = findUser(user);
        Membership m = memberships.findById(new Membership.Key(org.id(), member.id())).orElse(null);
        if (m == null) {
            m = new Membership(org.id(), member.id(), r, clock.instant());
        } else {
            if (m.role() == Role.OWNER && r != Role.OWNER && memberships.countOwners(org.id()) <= 1) {
                throw new OciException(OciErrorCode.DENIED, 409, "an organization keeps at least one owner", null);
            }
            m.role(r);
        }
        memberships.save(m);
        policy.changed();
        events.record(EventType.MEMBER_CHANGED, organization, null, member.name(),
                Map.of("user", member.name(), "role", r.wire()));
        return new MemberView(member.name(), r.wire());
    }

    @Transactional
    public void removeMember(Principal actor, String organization, String user) {
        policy.requireOwner(actor, organization);
        Organization org = findOrganization(organization);
        UserAccount member = findUser(user);
        Membership m = memberships.findById(new Membership.Key(org.id(), member.id()))
                .orElseThrow(() -> unknown(user + " is not a member of " + organization));
        if (m.role() == Role.OWNER && memberships.countOwners(org.id()) <= 1) {
            throw new OciException(OciErrorCode.DENIED, 409, "an organization keeps at least one owner", null);
        }
        memberships.delete(m);
        policy.changed();
        Map<String, Object> removed = new LinkedHashMap<>();
        removed.put("user", member.name());
        removed.put("role", null);
        events.record(EventType.MEMBER_CHANGED, organization, null, member.name(), removed);
    }

    // ---- repositories ----------------------------------------------------------------------------

    public RepositoryView repository(Principal actor, String name) {
        RepositoryName repository = RepositoryName.of(name);
        if (!policy.allowed(actor, repository).contains(Action.PULL)) {
            throw AccessPolicy.denied("you may not see " + name);
        }
        return new RepositoryView(name, visibilities.isPublic(name) ? "public" : "private");
    }

    /** Makes a repository public or private; it need not exist yet. */
    @Transactional
    public RepositoryView setVisibility(Principal actor, String name, String visibility) {
        RepositoryName repository = RepositoryName.of(name);
        policy.requireRepositoryOwner(actor, repository);
        if (!"public".equals(visibility) && !"private".equals(visibility)) {
            throw new OciException(OciErrorCode.UNSUPPORTED, 400, "visibility must be public or private", null);
        }
        visibilities.set(name, "public".equals(visibility));
        policy.changed();
        events.record(EventType.VISIBILITY_CHANGED, repository.namespace(), name, name, Map.of("visibility", visibility));
        return new RepositoryView(name, visibility);
    }

    /**
     * Whether {@code name} is a user's namespace ({@code "user"}), an organization's
     * ({@code "organization"}), a pull-through cache's ({@code "cache"}), or none.
     */
    public Optional<String> namespaceKind(String name) {
        return namespaces.kind(name).map(k -> switch (k) {
            case USER -> "user";
            case ORGANIZATION -> "organization";
            case CACHE -> "cache";
        });
    }

    // ---- helpers ---------------------------------------------------------------------------------

    static void checkName(String name) {
        if (name == null || name.length() > 64 || !NAME.matcher(name).matches()) {
            throw new OciException(OciErrorCode.NAME_INVALID, "names are lower-case letters and digits, "
                    + "separated by '.', '_' or '-', at most 64 characters: " + (name == null ? "(none)" : name));
        }
    }

    private static void checkPassword(String password) {
        if (password == null || password.length() < MIN_PASSWORD
                || password.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 72) {
            throw new OciException(OciErrorCode.UNSUPPORTED, 400,
                    "a password has " + MIN_PASSWORD + " to 72 characters (bytes in UTF-8)", null);
        }
    }

    private UserAccount findUser(String name) {
        return users.findByName(name).orElseThrow(() -> unknown("no such user: " + name));
    }

    private Organization findOrganization(String name) {
        return organizations.findByName(name).orElseThrow(() -> unknown("no such organization: " + name));
    }

    static OciException unknown(String message) {
        return new OciException(OciErrorCode.NAME_UNKNOWN, message);
    }

    static OciException taken(String name) {
        return new OciException(OciErrorCode.NAME_INVALID, 409, "the name " + name + " is taken", null);
    }

    private static UserView view(UserAccount u) {
        return new UserView(u.name(), u.admin(), u.enabled(), u.createdAt());
    }

    private static OrganizationView view(Organization o) {
        return new OrganizationView(o.name(), o.createdAt());
    }
}
