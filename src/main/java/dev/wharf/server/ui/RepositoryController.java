package dev.wharf.server.ui;

import dev.wharf.oci.Descriptor;
import dev.wharf.oci.Digest;
import dev.wharf.oci.ManifestPayload;
import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.oci.Tag;
import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.auth.account.Accounts;
import dev.wharf.server.auth.Action;
import dev.wharf.server.auth.Principal;
import dev.wharf.server.catalog.RepositoryListing;
import dev.wharf.server.manifest.ManifestService;
import dev.wharf.server.manifest.Manifests;
import dev.wharf.server.tag.TagListing;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The pages under {@code /r/<repository>}: the repository with its tags, an image by tag or digest
 * ({@code /-/<reference>}), the comparison of two ({@code /-/compare?from=&to=}), and the forms that
 * change them (delete a tag, edit the description, switch visibility). Repository names contain
 * {@code /}; {@code /-/} (a component no name can have) separates the name from what follows.
 *
 * <p>Every page first asks the access policy whether the viewer may pull the repository; when not,
 * the answer is the same "not found" as for a repository that does not exist.
 */
@Controller
class RepositoryController {

    static final int TAG_PAGE = 50;

    /** What a path under {@code /r/} names. */
    sealed interface Target {
        RepositoryName repository();
    }

    record RepositoryPage(RepositoryName repository) implements Target {
    }

    record ImagePage(RepositoryName repository, String reference) implements Target {
    }

    record DeleteTag(RepositoryName repository, Tag tag) implements Target {
    }

    record Action_(RepositoryName repository, String action) implements Target {
    }

    /** A tag as the repository page lists it. */
    record TagView(String name, Digest digest, String kind, List<String> platforms, long size,
                   java.time.Instant pushedAt, java.time.Instant lastPulledAt) {
    }

    private final AccessPolicy policy;
    private final RepositoryListing listing;
    private final TagListing tagListing;
    private final ManifestService tags;
    private final Manifests manifests;
    private final Images images;
    private final Accounts accounts;

    RepositoryController(AccessPolicy policy, RepositoryListing listing, TagListing tagListing, ManifestService tags,
                         Manifests manifests, Images images, Accounts accounts) {
        this.policy = policy;
        this.listing = listing;
        this.tagListing = tagListing;
        this.tags = tags;
        this.manifests = manifests;
        this.images = images;
        this.accounts = accounts;
    }

    /** Parses the path after {@code /r/}; null when it names nothing. */
    static Target parse(String rest, boolean post) {
        int separator = rest.indexOf("/-/");
        String name = separator < 0 ? rest : rest.substring(0, separator);
        if (name.endsWith("/") && separator < 0) {
            name = name.substring(0, name.length() - 1);
        }
        if (!RepositoryName.isValid(name)) {
            return null;
        }
        RepositoryName repository = RepositoryName.of(name);
        if (separator < 0) {
            return post ? null : new RepositoryPage(repository);
        }
        String sub = rest.substring(separator + 3);
        if (sub.endsWith("/delete")) {
            String tag = sub.substring(0, sub.length() - "/delete".length());
            return Tag.isValid(tag) ? new DeleteTag(repository, Tag.of(tag)) : null;
        }
        if (post) {
            return sub.equals("description") || sub.equals("visibility") ? new Action_(repository, sub) : null;
        }
        return Tag.isValid(sub) || Digest.looksLikeDigest(sub) ? new ImagePage(repository, sub) : null;
    }

    private static String rest(HttpServletRequest request) {
        String uri = request.getRequestURI().substring(request.getContextPath().length());
        return uri.length() <= 3 ? "" : uri.substring(3);
    }

    @GetMapping("/r/**")
    String get(HttpServletRequest request, @RequestParam(required = false) String after,
               @RequestParam(required = false) String from, @RequestParam(required = false) String to,
               @RequestParam(required = false) String platform, Model model) {
        Target target = parse(rest(request), false);
        if (target == null) {
            throw new UiErrors.NotFound("There is no page at this address.");
        }
        RepositoryName repository = target.repository();
        Principal viewer = policy.current();
        if (!policy.allows(viewer, repository, EnumSet.of(Action.PULL))) {
            throw notFound();
        }
        model.addAttribute("repository", repository.value());
        if (target instanceof ImagePage image && image.reference().equals("compare") && (from != null || to != null)) {
            return compare(repository, from, to, platform, model);
        }
        Optional<RepositoryListing.Summary> summary = listing.summary(repository.value());
        if (target instanceof RepositoryPage) {
            return repositoryPage(repository, summary, after, model);
        }
        RepositoryListing.Summary s = summary.orElseThrow(RepositoryController::notFound);
        if (target instanceof DeleteTag delete) {
            requireAllowed(viewer, repository, Action.DELETE, "delete tags in " + repository);
            manifests.findByTag(repository, delete.tag()).orElseThrow(() -> new UiErrors.NotFound(
                    "There is no tag " + delete.tag() + " in " + repository + "."));
            model.addAttribute("tag", delete.tag().value());
            return "ui/delete-tag";
        }
        return imagePage(repository, s, ((ImagePage) target).reference(), model);
    }

    private String repositoryPage(RepositoryName repository, Optional<RepositoryListing.Summary> summary, String after,
                                  Model model) {
        Principal viewer = policy.current();
        boolean canPush = policy.allows(viewer, repository, EnumSet.of(Action.PULL, Action.PUSH));
        if (summary.isEmpty()) {
            if (!canPush) {
                throw notFound();
            }
            model.addAttribute("empty", true);
            return "ui/repository";
        }
        if (after != null && !after.isEmpty() && !Tag.isValid(after)) {
            throw new UiErrors.BadInput("The page to start after is not a tag name.");
        }
        RepositoryListing.Summary s = summary.get();
        List<TagListing.TagRow> rows = new ArrayList<>(tagListing.page(s.id(), after, TAG_PAGE + 1));
        String next = null;
        if (rows.size() > TAG_PAGE) {
            rows = rows.subList(0, TAG_PAGE);
            next = rows.get(TAG_PAGE - 1).name();
        }
        List<ManifestPayload> parsed = rows.stream().map(r -> Images.parse(r.content(), r.mediaType())).toList();
        Map<Digest, ManifestPayload> children = images.children(repository, parsed);
        List<TagView> views = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            TagListing.TagRow r = rows.get(i);
            Images.Summary sum = images.summary(parsed.get(i), children);
            views.add(new TagView(r.name(), r.digest(), sum.kind(), sum.platforms(), sum.size(), r.updatedAt(),
                    r.lastPulledAt()));
        }
        model.addAttribute("summary", s);
        model.addAttribute("descriptionHtml", Markdown.toSafeHtml(s.description()));
        model.addAttribute("tags", views);
        model.addAttribute("firstPage", after == null || after.isEmpty());
        model.addAttribute("nextAfter", next);
        model.addAttribute("canPush", canPush);
        model.addAttribute("canDelete", policy.allows(viewer, repository, EnumSet.of(Action.DELETE)));
        model.addAttribute("canChangeVisibility", policy.ownsNamespace(viewer, repository.namespace()));
        model.addAttribute("maxDescription", RepositoryListing.MAX_DESCRIPTION);
        model.addAttribute("pullTag", views.isEmpty() ? null : views.stream().map(TagView::name)
                .filter("latest"::equals).findFirst().orElse(views.get(0).name()));
        return "ui/repository";
    }

    /** What the image page and the comparison read of one manifest. */
    record Image(Manifests.Stored stored, ManifestPayload manifest, ImageConfig config, List<Images.LayerStep> steps,
                 List<Images.PlatformEntry> platforms, long size) {

        public String kind() {
            return manifest == null ? "unreadable" : manifest.isIndex() ? "index" : Images.isImage(manifest) ? "image"
                    : "artifact";
        }
    }

    private Image read(RepositoryName repository, String reference) {
        Optional<Manifests.Stored> stored;
        if (Digest.looksLikeDigest(reference)) {
            Digest digest;
            try {
                digest = Digest.parse(reference);
            } catch (OciException e) {
                throw new UiErrors.BadInput("“" + Pages.shorten(reference) + "” is not a valid digest.");
            }
            stored = manifests.findByDigest(repository, digest);
        } else if (Tag.isValid(reference)) {
            stored = manifests.findByTag(repository, Tag.of(reference));
        } else {
            throw new UiErrors.BadInput("“" + Pages.shorten(reference) + "” is neither a tag nor a digest.");
        }
        Manifests.Stored s = stored.orElseThrow(() -> new UiErrors.NotFound(repository + " has no image "
                + Pages.shorten(reference) + "."));
        ManifestPayload manifest = Images.parse(s.content(), s.mediaType());
        if (manifest == null) {
            return new Image(s, null, ImageConfig.UNREADABLE, List.of(), List.of(), s.content().length);
        }
        if (manifest.isIndex()) {
            List<Images.PlatformEntry> platforms = images.platforms(manifest,
                    images.children(repository, List.of(manifest)));
            long size = platforms.stream().mapToLong(p -> Math.max(0, p.size())).sum();
            return new Image(s, manifest, ImageConfig.UNREADABLE, List.of(), platforms, size);
        }
        ImageConfig config = images.config(manifest);
        return new Image(s, manifest, config, Images.steps(manifest, config), List.of(), Images.size(manifest));
    }

    private String imagePage(RepositoryName repository, RepositoryListing.Summary summary, String reference,
                             Model model) {
        Image image = read(repository, reference);
        Digest digest = image.stored().digest();
        model.addAttribute("reference", reference);
        model.addAttribute("isTag", !Digest.looksLikeDigest(reference));
        model.addAttribute("image", image);
        model.addAttribute("digest", digest.toString());
        model.addAttribute("manifestJson", new String(image.stored().content(), StandardCharsets.UTF_8));
        model.addAttribute("tagsOfImage", tagListing.tagsOf(image.stored().id(), 20));
        Descriptor subject = image.manifest() == null ? null : image.manifest().subject();
        model.addAttribute("subject", subject == null ? null : subject.digest().toString());
        model.addAttribute("referrers", Images.groupReferrers(manifests.referrers(repository, digest, null, null, 200)));
        model.addAttribute("annotations", image.manifest() == null ? Map.of() : image.manifest().annotations());
        return "ui/image";
    }

    private String compare(RepositoryName repository, String from, String to, String platform, Model model) {
        if (from == null || from.isBlank() || to == null || to.isBlank()) {
            throw new UiErrors.BadInput("Comparing needs two tags or digests: from and to.");
        }
        Image a = read(repository, from.strip());
        Image b = read(repository, to.strip());
        List<String> platforms = new ArrayList<>();
        for (Image i : List.of(a, b)) {
            i.platforms().stream().filter(p -> !p.attestation()).map(Images.PlatformEntry::platform)
                    .filter(p -> !platforms.contains(p)).forEach(platforms::add);
        }
        String chosen = platform != null && platforms.contains(platform) ? platform : null;
        if (chosen == null && !platforms.isEmpty()) {
            chosen = platforms.stream().filter(p -> hasPlatform(a, p) && hasPlatform(b, p)).findFirst()
                    .orElse(platforms.get(0));
        }
        Image left = resolvePlatform(repository, a, chosen);
        Image right = resolvePlatform(repository, b, chosen);
        model.addAttribute("from", from.strip());
        model.addAttribute("to", to.strip());
        model.addAttribute("left", left);
        model.addAttribute("right", right);
        model.addAttribute("platforms", platforms);
        model.addAttribute("platform", chosen);
        model.addAttribute("comparison", Comparison.of(left, right));
        return "ui/compare";
    }

    private static boolean hasPlatform(Image image, String platform) {
        return image.platforms().isEmpty() ? platform.equals(image.config().platform())
                : image.platforms().stream().anyMatch(p -> p.platform().equals(platform));
    }

    /** The child of an index for {@code platform} (the first one when it has none such); an image as it is. */
    private Image resolvePlatform(RepositoryName repository, Image image, String platform) {
        if (image.platforms().isEmpty()) {
            return image;
        }
        Images.PlatformEntry entry = image.platforms().stream().filter(p -> p.platform().equals(platform)).findFirst()
                .orElse(image.platforms().get(0));
        return read(repository, entry.digest().toString());
    }

    @PostMapping("/r/**")
    String post(HttpServletRequest request, @RequestParam(required = false) String description,
                @RequestParam(required = false) String visibility, RedirectAttributes redirect) {
        Target target = parse(rest(request), true);
        if (target == null) {
            throw new UiErrors.NotFound("There is no page at this address.");
        }
        RepositoryName repository = target.repository();
        Principal viewer = policy.current();
        if (!policy.allows(viewer, repository, EnumSet.of(Action.PULL))) {
            throw notFound();
        }
        String back = "redirect:/r/" + repository;
        if (target instanceof DeleteTag delete) {
            requireAllowed(viewer, repository, Action.DELETE, "delete tags in " + repository);
            if (!tags.deleteTag(repository, delete.tag())) {
                throw new UiErrors.NotFound("There is no tag " + delete.tag() + " in " + repository + ".");
            }
            redirect.addFlashAttribute("notice", "Tag " + delete.tag() + " deleted. The image stays, by digest, "
                    + "until garbage collection finds nothing uses it.");
            return back;
        }
        Action_ action = (Action_) target;
        if (action.action().equals("description")) {
            requireAllowed(viewer, repository, Action.PUSH, "edit the description of " + repository);
            String text = description == null ? "" : description.replace("\r\n", "\n");
            if (text.length() > RepositoryListing.MAX_DESCRIPTION) {
                redirect.addFlashAttribute("error", "A description has at most "
                        + RepositoryListing.MAX_DESCRIPTION + " characters; this one has " + text.length() + ".");
                return back;
            }
            if (text.indexOf('\0') >= 0) {
                redirect.addFlashAttribute("error", "A description cannot contain NUL characters.");
                return back;
            }
            if (!listing.describe(repository.value(), text)) {
                throw notFound();
            }
            redirect.addFlashAttribute("notice", "Description saved.");
            return back;
        }
        try {
            accounts.setVisibility(viewer, repository.value(), visibility);
            redirect.addFlashAttribute("notice", repository + " is now " + visibility + ".");
        } catch (OciException e) {
            if (e.status() == 403) {
                throw e;
            }
            redirect.addFlashAttribute("error", e.getMessage());
        }
        return back;
    }

    private void requireAllowed(Principal viewer, RepositoryName repository, Action action, String what) {
        Action[] needed = action == Action.PUSH ? new Action[] {Action.PULL, Action.PUSH} : new Action[] {action};
        if (!policy.allows(viewer, repository, EnumSet.of(needed[0], needed))) {
            throw AccessPolicyDenied.of("You may not " + what + ".");
        }
    }

    static UiErrors.NotFound notFound() {
        return new UiErrors.NotFound("There is no such repository, or you may not see it. "
                + "Private repositories show only to those who may pull them: sign in to see yours.");
    }

    /** The layer and config differences between two images. */
    record Comparison(List<LayerChange> layers, List<ConfigChange> config, int shared, int added, int removed) {

        record LayerChange(String change, Descriptor layer, String instruction) {
        }

        record ConfigChange(String field, String from, String to) {
            public boolean changed() {
                return !java.util.Objects.equals(from, to);
            }
        }

        static Comparison of(Image from, Image to) {
            Map<Digest, Images.LayerStep> before = new LinkedHashMap<>();
            for (Images.LayerStep s : from.steps()) {
                if (s.layer() != null) {
                    before.putIfAbsent(s.layer().digest(), s);
                }
            }
            java.util.Set<Digest> after = new java.util.HashSet<>();
            List<LayerChange> layers = new ArrayList<>();
            int shared = 0;
            int added = 0;
            for (Images.LayerStep s : to.steps()) {
                if (s.layer() == null) {
                    continue;
                }
                after.add(s.layer().digest());
                boolean same = before.containsKey(s.layer().digest());
                layers.add(new LayerChange(same ? "shared" : "added", s.layer(), s.instruction()));
                if (same) {
                    shared++;
                } else {
                    added++;
                }
            }
            int removed = 0;
            for (Images.LayerStep s : before.values()) {
                if (!after.contains(s.layer().digest())) {
                    layers.add(new LayerChange("removed", s.layer(), s.instruction()));
                    removed++;
                }
            }
            ImageConfig a = from.config();
            ImageConfig b = to.config();
            List<ConfigChange> config = List.of(
                    new ConfigChange("Digest", from.stored().digest().toString(), to.stored().digest().toString()),
                    new ConfigChange("Compressed size", Formats.humanBytes(from.size()) + " (" + from.size() + " bytes)",
                            Formats.humanBytes(to.size()) + " (" + to.size() + " bytes)"),
                    new ConfigChange("Created", a.created(), b.created()),
                    new ConfigChange("Platform", a.platform(), b.platform()),
                    new ConfigChange("Entrypoint", join(a.entrypoint()), join(b.entrypoint())),
                    new ConfigChange("Command", join(a.cmd()), join(b.cmd())),
                    new ConfigChange("Environment", String.join("\n", a.env()), String.join("\n", b.env())),
                    new ConfigChange("Labels", labels(a.labels()), labels(b.labels())),
                    new ConfigChange("Exposed ports", String.join(", ", a.exposedPorts()),
                            String.join(", ", b.exposedPorts())),
                    new ConfigChange("User", a.user(), b.user()),
                    new ConfigChange("Working directory", a.workingDir(), b.workingDir()));
            return new Comparison(layers, config, shared, added, removed);
        }

        private static String join(List<String> parts) {
            return parts.isEmpty() ? null : String.join(" ", parts);
        }

        private static String labels(Map<String, String> labels) {
            StringBuilder sb = new StringBuilder();
            labels.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
            return sb.isEmpty() ? null : sb.toString().strip();
        }
    }

    /** A 403 in the error model, for a viewer who may see the repository but not change it this way. */
    static final class AccessPolicyDenied {
        private AccessPolicyDenied() {
        }

        static OciException of(String message) {
            return new OciException(dev.wharf.oci.OciErrorCode.DENIED, message);
        }
    }
}
