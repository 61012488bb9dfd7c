package dev.wharf.server.ui;

import dev.wharf.oci.OciException;
import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.auth.account.Accounts;
import dev.wharf.server.auth.account.MachineCredentials;
import dev.wharf.server.management.Bodies;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.time.Clock;
import java.util.List;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * {@code /settings/tokens}: the signed-in user's personal access tokens (made with scopes and an
 * expiry, the secret shown once; revoked) and their password.
 */
@Controller
class SettingsController {

    private final AccessPolicy policy;
    private final Accounts accounts;
    private final MachineCredentials credentials;
    private final Clock clock = Clock.systemUTC();

    SettingsController(AccessPolicy policy, Accounts accounts, MachineCredentials credentials) {
        this.policy = policy;
        this.accounts = accounts;
        this.credentials = credentials;
    }

    @GetMapping("/settings")
    String settings() {
        return "redirect:/settings/tokens";
    }

    @GetMapping("/settings/tokens")
    String tokens(Model model) {
        Viewer viewer = Viewer.of(policy);
        if (viewer.signedIn()) {
            model.addAttribute("tokens", credentials.tokens(viewer.principal(), viewer.name()));
        }
        return "ui/tokens";
    }

    @PostMapping("/settings/tokens")
    String createToken(@RequestParam(required = false) String name, @RequestParam(required = false) String repositories,
                       @RequestParam(required = false) List<String> actions, @RequestParam(required = false) String days,
                       @RequestParam(required = false) String api, Model model, HttpServletResponse response,
                       RedirectAttributes redirect) {
        Viewer viewer = signedIn();
        MachineCredentials.TokenView token;
        try {
            token = credentials.createToken(viewer.principal(), viewer.name(),
                    Bodies.text("name", name == null ? null : name.strip(), Bodies.MAX_LABEL),
                    Forms.scopes(repositories, actions), Forms.expiry(days, clock), "on".equals(api) || "true".equals(api));
        } catch (OciException e) {
            return refused(e, redirect);
        }
        return NamespaceController.secret(model, response, "Access token " + token.name() + " created", viewer.name(),
                token.token(), "/settings/tokens");
    }

    @PostMapping("/settings/tokens/{id}/delete")
    String deleteToken(@PathVariable String id, RedirectAttributes redirect) {
        Viewer viewer = signedIn();
        try {
            credentials.deleteToken(viewer.principal(), viewer.name(), id);
            redirect.addFlashAttribute("notice", "Token revoked: it works no more.");
        } catch (OciException e) {
            return refused(e, redirect);
        }
        return "redirect:/settings/tokens";
    }

    @PostMapping("/settings/password")
    String changePassword(@RequestParam(required = false) String current, @RequestParam(required = false) String password,
                          @RequestParam(required = false) String confirm, HttpServletRequest request,
                          RedirectAttributes redirect) {
        Viewer viewer = signedIn();
        if (password == null || !password.equals(confirm)) {
            redirect.addFlashAttribute("error", "The new password and its confirmation differ.");
            return "redirect:/settings/tokens";
        }
        try {
            accounts.updateUser(viewer.principal(), viewer.name(), current == null ? "" : current, password, null, null);
        } catch (OciException e) {
            if (e.status() == 403) {
                redirect.addFlashAttribute("error", "The current password is not right.");
                return "redirect:/settings/tokens";
            }
            return refused(e, redirect);
        }
        // every session of this user ends with the old password, this one too
        SecurityContextHolder.clearContext();
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.invalidate();
        }
        return "redirect:/login?changed";
    }

    private Viewer signedIn() {
        Viewer viewer = Viewer.of(policy);
        if (!viewer.signedIn()) {
            throw new UiErrors.BadInput("Tokens and passwords belong to accounts; with authentication off there are none.");
        }
        return viewer;
    }

    private static String refused(OciException e, RedirectAttributes redirect) {
        if (e.status() == 403 && !e.getMessage().contains("holds")) {
            throw e;
        }
        redirect.addFlashAttribute("error", e.getMessage());
        return "redirect:/settings/tokens";
    }
}
