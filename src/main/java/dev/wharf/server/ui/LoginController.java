package dev.wharf.server.ui;

import dev.wharf.server.auth.AccessPolicy;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.ModelAndView;

/**
 * {@code /login}: the sign-in form (Spring Security checks what it posts) and {@code /denied},
 * where a refused form (a missing or stale CSRF token) is explained.
 */
@Controller
class LoginController {

    private final AccessPolicy policy;

    LoginController(AccessPolicy policy) {
        this.policy = policy;
    }

    @GetMapping("/login")
    String login(@RequestParam(required = false) String error, @RequestParam(required = false) String throttled,
                 @RequestParam(required = false) String changed, Model model) {
        if (policy.current() instanceof dev.wharf.server.auth.Principal.User) {
            return "redirect:/";
        }
        model.addAttribute("error", error != null);
        model.addAttribute("changed", changed != null);
        if (throttled != null && throttled.matches("[0-9]{1,6}")) {
            model.addAttribute("throttled", Long.parseLong(throttled));
        }
        return "ui/login";
    }

    @RequestMapping("/denied")
    ModelAndView denied(HttpServletResponse response) {
        return UiErrors.page(response, 403, "This form has expired",
                "The form you sent was not accepted: it came from another site, or the page was open for too long. "
                        + "Go back, reload the page and try again.");
    }
}
