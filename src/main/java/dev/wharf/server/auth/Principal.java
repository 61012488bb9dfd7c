package dev.wharf.server.auth;

import dev.wharf.oci.RepositoryName;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who is asking, as {@link AccessPolicy} sees it. {@link #subject()} is the name tokens carry in
 * {@code sub} and upload sessions record as their creator.
 */
public sealed interface Principal {

    /** The token subject; null for {@link Anonymous}. */
    String subject();

    /** No credentials (or auth is disabled, see {@link AccessPolicy}). */
    record Anonymous() implements Principal {
        @Override
        public String subject() {
            return null;
        }
    }

    /** A user who gave their password (serializable: a browser session keeps it, see BrowserSecurityConfiguration). */
    record User(long id, String name, boolean admin) implements Principal, java.io.Serializable {
        @Override
        public String subject() {
            return name;
        }
    }

    /** A user acting through a personal access token, limited to its scopes. */
    record PersonalToken(User owner, long tokenId, String publicId, List<Scope> scopes, boolean api)
            implements Principal {
        @Override
        public String subject() {
            return owner.name();
        }
    }

    /**
     * A robot account of {@code namespace}, limited to its scopes within that namespace.
     *
     * @param secretId the public id of its current secret (a new one with each rotation)
     */
    record Robot(long id, String namespace, String name, List<Scope> scopes, Instant secretRotatedAt, String secretId)
            implements Principal {

        /** The user name robots log in with. */
        public static final String SEPARATOR = "+";

        @Override
        public String subject() {
            return namespace + SEPARATOR + name;
        }
    }

    /**
     * A verified bearer token: what it may do is exactly its {@code access} claim.
     *
     * @param subject    the token's {@code sub} (null for an anonymous token)
     * @param access     repository name to granted actions
     * @param catalog    whether the token grants {@code registry:catalog:*}
     * @param tokenId    the PAT the token was issued for, or null
     * @param expiresAt  the token's {@code exp}
     */
    record Bearer(String subject, Map<RepositoryName, Set<Action>> access, boolean catalog, String tokenId,
                  Instant expiresAt) implements Principal {
    }
}
