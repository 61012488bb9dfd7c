package dev.wharf.server.management;

import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.auth.account.Accounts;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/repositories/<name>}: a repository's visibility (docs/API.md). */
@RestController
@RequestMapping("/api/v1/repositories")
class RepositoryEndpoints {

    record VisibilityChange(String visibility) {
    }

    private final Accounts accounts;
    private final AccessPolicy access;

    RepositoryEndpoints(Accounts accounts, AccessPolicy access) {
        this.accounts = accounts;
        this.access = access;
    }

    @GetMapping("/{*name}")
    Accounts.RepositoryView get(@PathVariable String name) {
        return accounts.repository(access.current(), strip(name));
    }

    @PatchMapping("/{*name}")
    Accounts.RepositoryView update(@PathVariable String name, @RequestBody(required = false) VisibilityChange body) {
        Bodies.required(body);
        return accounts.setVisibility(access.current(), strip(name), body.visibility());
    }

    private static String strip(String captured) {
        return captured.startsWith("/") ? captured.substring(1) : captured;
    }
}
