package dev.wharf.server.ui;

import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.catalog.RepositoryListing;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * {@code /}: the repositories the viewer may pull, searched by any part of the name, filtered by
 * namespace, sorted by name or last push, a keyset page at a time.
 */
@Controller
class ExploreController {

    static final int PAGE = 25;
    /** What a search may contain: the characters of repository names. */
    private static final Pattern SEARCH = Pattern.compile("[a-z0-9._/-]{1,255}");

    private final AccessPolicy policy;
    private final RepositoryListing listing;

    ExploreController(AccessPolicy policy, RepositoryListing listing) {
        this.policy = policy;
        this.listing = listing;
    }

    @GetMapping("/")
    String explore(@RequestParam(required = false) String q, @RequestParam(required = false) String namespace,
                   @RequestParam(required = false) String sort, @RequestParam(required = false) String after,
                   @RequestParam(required = false) String at, Model model) {
        String search = q == null ? "" : q.strip().toLowerCase(java.util.Locale.ROOT);
        if (search.length() > 255) {
            throw new UiErrors.BadInput("A search has at most 255 characters.");
        }
        String ns = namespace == null || namespace.isBlank() ? null : namespace.strip();
        if (ns != null && (ns.contains("/") || !RepositoryName.isValid(ns))) {
            throw new UiErrors.BadInput("“" + Pages.shorten(ns) + "” is not a namespace name.");
        }
        RepositoryListing.Sort order = "pushed".equals(sort) ? RepositoryListing.Sort.PUSHED : RepositoryListing.Sort.NAME;
        RepositoryListing.Cursor cursor = cursor(after, at, order);
        Viewer viewer = Viewer.of(policy);
        RepositoryListing.Page page = !search.isEmpty() && !SEARCH.matcher(search).matches()
                ? new RepositoryListing.Page(java.util.List.of(), null)
                : listing.list(Pages.filter(policy, viewer), search, ns, order, cursor, PAGE);
        model.addAttribute("q", search);
        model.addAttribute("namespace", ns == null ? "" : ns);
        model.addAttribute("sort", order == RepositoryListing.Sort.PUSHED ? "pushed" : "name");
        model.addAttribute("page", page);
        model.addAttribute("first", cursor == null);
        model.addAttribute("viewerNamespaces", policy.visibleTo(viewer.principal()).namespaces());
        if (page.next() != null) {
            model.addAttribute("nextAfter", page.next().name());
            model.addAttribute("nextAt", page.next().pushedAt() == null ? null
                    : Long.toString(ChronoUnit.MICROS.between(Instant.EPOCH, page.next().pushedAt())));
        }
        return "ui/explore";
    }

    private static RepositoryListing.Cursor cursor(String after, String at, RepositoryListing.Sort order) {
        if (after == null || after.isEmpty()) {
            return null;
        }
        if (after.length() > 255 || !RepositoryName.isValid(after)) {
            throw new UiErrors.BadInput("The page to start after is not a repository name.");
        }
        if (order == RepositoryListing.Sort.NAME) {
            return new RepositoryListing.Cursor(after, null);
        }
        try {
            long micros = Long.parseLong(at == null ? "" : at);
            return new RepositoryListing.Cursor(after, Instant.EPOCH.plus(micros, ChronoUnit.MICROS));
        } catch (NumberFormatException | ArithmeticException | java.time.DateTimeException e) {
            throw new UiErrors.BadInput("The page to start after is not a time.");
        }
    }
}
