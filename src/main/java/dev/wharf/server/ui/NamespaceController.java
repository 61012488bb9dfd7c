package dev.wharf.server.ui;

import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.auth.account.Accounts;
import dev.wharf.server.auth.account.MachineCredentials;
import dev.wharf.server.auth.Principal;
import dev.wharf.server.catalog.RepositoryListing;
import dev.wharf.server.management.Bodies;
import dev.wharf.server.policy.NamespacePolicies;
import dev.wharf.server.policy.Quotas;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * {@code /n}: the viewer's namespaces and new organizations; {@code /n/<namespace>}: its
 * repositories with their visibility, an organization's members and roles, and its robots —
 * created, rotated (the secret shown once, with a ready {@code docker login} line) and deleted.
 * Every change goes through the same services as {@code /api/v1}, which ask the access policy.
 */
@Controller
class NamespaceController {

    private final AccessPolicy policy;
    private final Accounts accounts;
    private final MachineCredentials credentials;
    private final RepositoryListing listing;
    private final NamespacePolicies policies;
    private final Clock clock = Clock.systemUTC();

    NamespaceController(AccessPolicy policy, Accounts accounts, MachineCredentials credentials,
                        RepositoryListing listing, NamespacePolicies policies) {
        this.policies = policies;
        this.policy = policy;
        this.accounts = accounts;
        this.credentials = credentials;
        this.listing = listing;
    }

    @GetMapping("/n")
    String namespaces(Model model) {
        Viewer viewer = Viewer.of(policy);
        if (viewer.authEnabled() && !viewer.signedIn()) {
            return "redirect:/login";
        }
        model.addAttribute("organizations", accounts.organizations(viewer.principal()));
        return "ui/namespaces";
    }

    @PostMapping("/n")
    String createOrganization(@RequestParam(required = false) String name, RedirectAttributes redirect) {
        Viewer viewer = Viewer.of(policy);
        if (viewer.authEnabled() && !viewer.signedIn()) {
            return "redirect:/login";
        }
        try {
            Accounts.OrganizationView org = accounts.createOrganization(viewer.principal(), name == null ? "" : name.strip());
            redirect.addFlashAttribute("notice", "Organization " + org.name() + " created; you are its owner.");
            return "redirect:/n/" + org.name();
        } catch (OciException e) {
            redirect.addFlashAttribute("error", e.getMessage());
            return "redirect:/n";
        }
    }

    @GetMapping("/n/{namespace}")
    String namespace(@PathVariable String namespace, @RequestParam(required = false) String after, Model model) {
        check(namespace);
        Principal actor = policy.current();
        AccessPolicy.Visible visible = policy.visibleTo(actor);
        boolean member = visible.all() || visible.namespaces().contains(namespace);
        if (after != null && !after.isEmpty() && !RepositoryName.isValid(after)) {
            throw new UiErrors.BadInput("The page to start after is not a repository name.");
        }
        RepositoryListing.Page page = listing.list(new RepositoryListing.Filter(visible.all(), visible.namespaces()),
                null, namespace, RepositoryListing.Sort.NAME,
                after == null || after.isEmpty() ? null : new RepositoryListing.Cursor(after, null), 50);
        Optional<String> kind = accounts.namespaceKind(namespace);
        if (kind.isEmpty() && page.rows().isEmpty() || !member && page.rows().isEmpty() && after == null) {
            throw new UiErrors.NotFound("There is no such namespace, or nothing in it you may see.");
        }
        boolean owner = policy.ownsNamespace(actor, namespace);
        model.addAttribute("namespace", namespace);
        model.addAttribute("kind", kind.orElse("namespace"));
        model.addAttribute("page", page);
        model.addAttribute("firstPage", after == null || after.isEmpty());
        model.addAttribute("owner", owner);
        model.addAttribute("member", member);
        if (member) {
            NamespacePolicies.Policy p = policies.get(namespace);
            model.addAttribute("usage", usage(p));
            if (owner && (!p.immutableTags().isEmpty() || !p.retention().isEmpty())) {
                model.addAttribute("rules", rules(p));
            }
        }
        if ("organization".equals(kind.orElse(null)) && member) {
            model.addAttribute("members", accounts.members(actor, namespace));
        }
        if (owner && kind.isPresent() && !"cache".equals(kind.get())) {
            model.addAttribute("robots", credentials.robots(actor, namespace));
        }
        return "ui/namespace";
    }

    @PostMapping("/n/{namespace}/members")
    String setMember(@PathVariable String namespace, @RequestParam(required = false) String user,
                     @RequestParam(required = false) String role, RedirectAttributes redirect) {
        check(namespace);
        return change(namespace, redirect, () -> {
            Accounts.MemberView m = accounts.setMember(policy.current(), namespace, user == null ? "" : user.strip(), role);
            return m.user() + " is now " + m.role() + " of " + namespace + ".";
        });
    }

    @PostMapping("/n/{namespace}/members/{user}/remove")
    String removeMember(@PathVariable String namespace, @PathVariable String user, RedirectAttributes redirect) {
        check(namespace);
        return change(namespace, redirect, () -> {
            accounts.removeMember(policy.current(), namespace, user);
            return user + " is no longer a member of " + namespace + ".";
        });
    }

    @PostMapping("/n/{namespace}/robots")
    String createRobot(@PathVariable String namespace, @RequestParam(required = false) String name,
                       @RequestParam(required = false) String description,
                       @RequestParam(required = false) String repositories,
                       @RequestParam(required = false) List<String> actions,
                       @RequestParam(required = false) String days, Model model, HttpServletResponse response,
                       RedirectAttributes redirect) {
        check(namespace);
        MachineCredentials.RobotView robot;
        try {
            robot = credentials.createRobot(policy.current(), namespace, name == null ? "" : name.strip(),
                    Bodies.text("description", description == null || description.isBlank() ? null : description,
                            Bodies.MAX_DESCRIPTION),
                    Forms.scopes(repositories, actions), Forms.expiry(days, clock));
        } catch (OciException e) {
            return refused(namespace, e, redirect);
        }
        return secret(model, response, "Robot " + robot.username() + " created", robot.username(), robot.secret(),
                "/n/" + namespace);
    }

    @PostMapping("/n/{namespace}/robots/{name}/rotate")
    String rotateRobot(@PathVariable String namespace, @PathVariable String name,
                       @RequestParam(required = false) String days, Model model, HttpServletResponse response,
                       RedirectAttributes redirect) {
        check(namespace);
        MachineCredentials.RobotView robot;
        try {
            robot = credentials.rotateRobotSecret(policy.current(), namespace, name, Forms.expiry(days, clock));
        } catch (OciException e) {
            return refused(namespace, e, redirect);
        }
        return secret(model, response, "New secret for " + robot.username(), robot.username(), robot.secret(),
                "/n/" + namespace);
    }

    @PostMapping("/n/{namespace}/robots/{name}/delete")
    String deleteRobot(@PathVariable String namespace, @PathVariable String name, RedirectAttributes redirect) {
        check(namespace);
        return change(namespace, redirect, () -> {
            credentials.deleteRobot(policy.current(), namespace, name);
            return "Robot " + namespace + "+" + name + " deleted: its secret works no more.";
        });
    }

    /** Usage against quota for people: {@code 95.2 MiB of 100.0 MiB (95%)}, or {@code 1.2 GiB, no quota}. */
    static String usage(NamespacePolicies.Policy p) {
        if (p.quotaBytes() == null) {
            return Quotas.size(p.usedBytes()) + ", no quota";
        }
        long percent = p.quotaBytes() == 0 ? 100 : Math.round(100.0 * p.usedBytes() / p.quotaBytes());
        return Quotas.size(p.usedBytes()) + " of " + Quotas.size(p.quotaBytes()) + " (" + percent + "%)";
    }

    /** The policy's rules in a line: {@code immutable tags v*, release-*; 2 retention rules}. */
    static String rules(NamespacePolicies.Policy p) {
        List<String> parts = new java.util.ArrayList<>();
        if (!p.immutableTags().isEmpty()) {
            parts.add("immutable tags " + String.join(", ", p.immutableTags()));
        }
        if (!p.retention().isEmpty()) {
            parts.add(p.retention().size() + (p.retention().size() == 1 ? " retention rule" : " retention rules"));
        }
        return String.join("; ", parts);
    }

    static String secret(Model model, HttpServletResponse response, String title, String username, String secret,
                         String back) {
        Pages.noStore(response);
        model.addAttribute("title", title);
        model.addAttribute("username", username);
        model.addAttribute("secret", secret);
        model.addAttribute("back", back);
        return "ui/secret";
    }

    private String change(String namespace, RedirectAttributes redirect, java.util.function.Supplier<String> action) {
        try {
            redirect.addFlashAttribute("notice", action.get());
        } catch (OciException e) {
            return refused(namespace, e, redirect);
        }
        return "redirect:/n/" + namespace;
    }

    private static String refused(String namespace, OciException e, RedirectAttributes redirect) {
        if (e.status() == 403 && !e.getMessage().contains("holds")) {
            throw e;
        }
        redirect.addFlashAttribute("error", e.getMessage());
        return "redirect:/n/" + namespace;
    }

    private static void check(String namespace) {
        if (namespace.contains("/") || !RepositoryName.isValid(namespace) || namespace.length() > 64) {
            throw new UiErrors.NotFound("There is no such namespace.");
        }
    }
}
