package dev.wharf.server.management;

import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.auth.account.Accounts;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/orgs}: organizations and their members (docs/API.md). */
@RestController
@RequestMapping("/api/v1/orgs")
class OrganizationEndpoints {

    record NewOrganization(String name) {
    }

    record MemberRole(String role) {
    }

    private final Accounts accounts;
    private final AccessPolicy access;

    OrganizationEndpoints(Accounts accounts, AccessPolicy access) {
        this.accounts = accounts;
        this.access = access;
    }

    @GetMapping
    List<Accounts.OrganizationView> list() {
        return accounts.organizations(access.current());
    }

    @PostMapping
    ResponseEntity<Accounts.OrganizationView> create(@RequestBody(required = false) NewOrganization body) {
        Bodies.required(body);
        return ResponseEntity.status(HttpStatus.CREATED).body(accounts.createOrganization(access.current(), body.name()));
    }

    @GetMapping("/{org}")
    Accounts.OrganizationView get(@PathVariable String org) {
        return accounts.organization(access.current(), org);
    }

    @DeleteMapping("/{org}")
    ResponseEntity<Void> delete(@PathVariable String org) {
        accounts.deleteOrganization(access.current(), org);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/{org}/members")
    List<Accounts.MemberView> members(@PathVariable String org) {
        return accounts.members(access.current(), org);
    }

    @PutMapping("/{org}/members/{user}")
    Accounts.MemberView setMember(@PathVariable String org, @PathVariable String user,
                                  @RequestBody(required = false) MemberRole body) {
        Bodies.required(body);
        return accounts.setMember(access.current(), org, user, body.role());
    }

    @DeleteMapping("/{org}/members/{user}")
    ResponseEntity<Void> removeMember(@PathVariable String org, @PathVariable String user) {
        accounts.removeMember(access.current(), org, user);
        return ResponseEntity.noContent().build();
    }
}
