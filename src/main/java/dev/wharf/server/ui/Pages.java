package dev.wharf.server.ui;

import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.catalog.RepositoryListing;
import org.springframework.http.CacheControl;
import jakarta.servlet.http.HttpServletResponse;

/** Small things several pages share. */
final class Pages {

    private Pages() {
    }

    /** The listing filter of what the viewer may pull: the access policy's answer, as data. */
    static RepositoryListing.Filter filter(AccessPolicy policy, Viewer viewer) {
        AccessPolicy.Visible visible = policy.visibleTo(viewer.principal());
        return new RepositoryListing.Filter(visible.all(), visible.namespaces());
    }

    /** User input cut to a length a page may echo. */
    static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    /** A page showing a secret once: never stored by the browser or a proxy. */
    static void noStore(HttpServletResponse response) {
        response.setHeader("Cache-Control", CacheControl.noStore().getHeaderValue());
    }
}
