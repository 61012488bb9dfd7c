package dev.wharf.server.ui;

import dev.wharf.oci.OciException;
import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.auth.account.Accounts;
import dev.wharf.server.auth.token.TokenKeys;
import dev.wharf.server.catalog.RepositoryListing;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * {@code /admin}: users (create, disable and enable, reset a password), storage used per namespace,
 * and the token signing keys (rotate). Administrators only, as the access policy says.
 */
@Controller
class AdminController {

    private final AccessPolicy policy;
    private final Accounts accounts;
    private final TokenKeys keys;
    private final RepositoryListing listing;

    AdminController(AccessPolicy policy, Accounts accounts, TokenKeys keys, RepositoryListing listing) {
        this.policy = policy;
        this.accounts = accounts;
        this.keys = keys;
        this.listing = listing;
    }

    @GetMapping("/admin")
    String admin() {
        policy.requireAdmin(policy.current());
        return "redirect:/admin/users";
    }

    @GetMapping("/admin/users")
    String users(Model model) {
        model.addAttribute("users", accounts.users(policy.current()));
        model.addAttribute("section", "users");
        return "ui/admin-users";
    }

    @PostMapping("/admin/users")
    String createUser(@RequestParam(required = false) String name, @RequestParam(required = false) String password,
                      @RequestParam(required = false) String admin, RedirectAttributes redirect) {
        return change(redirect, "/admin/users", () -> {
            Accounts.UserView u = accounts.createUser(policy.current(), name == null ? "" : name.strip(), password,
                    "on".equals(admin) || "true".equals(admin));
            return "User " + u.name() + " created.";
        });
    }

    @PostMapping("/admin/users/{name}/enabled")
    String enable(@PathVariable String name, @RequestParam(required = false) String enabled, RedirectAttributes redirect) {
        boolean on = "true".equals(enabled);
        return change(redirect, "/admin/users", () -> {
            accounts.updateUser(policy.current(), name, null, null, null, on);
            return "User " + name + (on ? " enabled." : " disabled: their sessions, passwords and tokens stop working.");
        });
    }

    @PostMapping("/admin/users/{name}/password")
    String resetPassword(@PathVariable String name, @RequestParam(required = false) String password,
                         RedirectAttributes redirect) {
        return change(redirect, "/admin/users", () -> {
            policy.requireAdmin(policy.current());
            accounts.updateUser(policy.current(), name, null, password == null ? "" : password, null, null);
            return "Password of " + name + " reset; their sessions ended.";
        });
    }

    @GetMapping("/admin/storage")
    String storage(Model model) {
        policy.requireAdmin(policy.current());
        var rows = listing.storageByNamespace();
        model.addAttribute("rows", rows);
        model.addAttribute("total", rows.stream().mapToLong(RepositoryListing.NamespaceStorage::bytes).sum());
        model.addAttribute("section", "storage");
        return "ui/admin-storage";
    }

    @GetMapping("/admin/keys")
    String keys(Model model) {
        policy.requireAdmin(policy.current());
        model.addAttribute("keys", keys.list());
        model.addAttribute("section", "keys");
        return "ui/admin-keys";
    }

    @PostMapping("/admin/keys/rotate")
    String rotate(RedirectAttributes redirect) {
        policy.requireAdmin(policy.current());
        TokenKeys.KeyInfo key = keys.rotate();
        redirect.addFlashAttribute("notice", "New signing key " + key.kid() + " signs from now on; the previous ones "
                + "verify tokens until their grace period ends.");
        return "redirect:/admin/keys";
    }

    private String change(RedirectAttributes redirect, String back, java.util.function.Supplier<String> action) {
        try {
            redirect.addFlashAttribute("notice", action.get());
        } catch (OciException e) {
            if (e.status() == 403 && !policy.isAdmin(policy.current())) {
                throw e;
            }
            redirect.addFlashAttribute("error", e.getMessage());
        }
        return "redirect:" + back;
    }
}
