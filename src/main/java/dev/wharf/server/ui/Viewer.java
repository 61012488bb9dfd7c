package dev.wharf.server.ui;

import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.auth.Principal;

/**
 * Who is looking at a page, as the templates need it.
 *
 * @param authEnabled false with {@code wharf.auth.enabled=false}: nobody signs in, everyone may do everything
 * @param signedIn    whether a user signed in
 * @param name        the signed-in user's name, or null
 * @param admin       whether the viewer may administer (always, with auth off)
 */
record Viewer(Principal principal, boolean authEnabled, boolean signedIn, String name, boolean admin) {

    static Viewer of(AccessPolicy policy) {
        Principal p = policy.current();
        if (p instanceof Principal.User u) {
            return new Viewer(p, policy.enabled(), true, u.name(), policy.isAdmin(p));
        }
        return new Viewer(p, policy.enabled(), false, null, policy.isAdmin(p));
    }
}
