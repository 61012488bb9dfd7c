package dev.wharf.server.ui;

import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.auth.ExternalUrl;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/** What every page's layout needs: the viewer and the registry's host for docker commands. */
@ControllerAdvice(basePackageClasses = UiModel.class)
class UiModel {

    private final AccessPolicy policy;
    private final ExternalUrl externalUrl;

    UiModel(AccessPolicy policy, ExternalUrl externalUrl) {
        this.policy = policy;
        this.externalUrl = externalUrl;
    }

    @ModelAttribute("viewer")
    Viewer viewer() {
        return Viewer.of(policy);
    }

    /** {@code host:port} as docker names this registry. */
    @ModelAttribute("registry")
    String registry(HttpServletRequest request) {
        String base = externalUrl.base(request);
        int scheme = base.indexOf("://");
        String host = scheme < 0 ? base : base.substring(scheme + 3);
        return host.endsWith("/") ? host.substring(0, host.length() - 1) : host;
    }
}
