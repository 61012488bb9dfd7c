package dev.wharf.server.management;

import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.auth.account.Accounts;
import dev.wharf.server.auth.account.MachineCredentials;
import java.time.Clock;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/user}, {@code /api/v1/users} and their personal access tokens (docs/API.md). */
@RestController
@RequestMapping("/api/v1")
class UserEndpoints {

    record NewUser(String name, String password, Boolean admin) {
    }

    record UserChange(String currentPassword, String password, Boolean admin, Boolean enabled) {
    }

    record NewToken(String name, List<Bodies.ScopeBody> scopes, String expiresAt, Integer expiresInDays, Boolean api) {
    }

    private final Accounts accounts;
    private final MachineCredentials credentials;
    private final AccessPolicy access;
    private final Clock clock;

    UserEndpoints(Accounts accounts, MachineCredentials credentials, AccessPolicy access, Clock authClock) {
        this.accounts = accounts;
        this.credentials = credentials;
        this.access = access;
        this.clock = authClock;
    }

    @GetMapping("/user")
    Accounts.UserView me() {
        return accounts.me(access.current());
    }

    @GetMapping("/users")
    List<Accounts.UserView> list() {
        return accounts.users(access.current());
    }

    @PostMapping("/users")
    ResponseEntity<Accounts.UserView> create(@RequestBody(required = false) NewUser body) {
        Bodies.required(body);
        return ResponseEntity.status(HttpStatus.CREATED).body(accounts.createUser(access.current(), body.name(),
                body.password(), Boolean.TRUE.equals(body.admin())));
    }

    @GetMapping("/users/{name}")
    Accounts.UserView get(@PathVariable String name) {
        return accounts.user(access.current(), name);
    }

    @PatchMapping("/users/{name}")
    Accounts.UserView update(@PathVariable String name, @RequestBody(required = false) UserChange body) {
        Bodies.required(body);
        return accounts.updateUser(access.current(), name, body.currentPassword(), body.password(), body.admin(),
                body.enabled());
    }

    @DeleteMapping("/users/{name}")
    ResponseEntity<Void> delete(@PathVariable String name) {
        accounts.deleteUser(access.current(), name);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/users/{name}/tokens")
    List<MachineCredentials.TokenView> tokens(@PathVariable String name) {
        return credentials.tokens(access.current(), name);
    }

    @PostMapping("/users/{name}/tokens")
    ResponseEntity<MachineCredentials.TokenView> createToken(@PathVariable String name,
                                                            @RequestBody(required = false) NewToken body) {
        Bodies.required(body);
        return ResponseEntity.status(HttpStatus.CREATED).body(credentials.createToken(access.current(), name,
                Bodies.text("name", body.name(), Bodies.MAX_LABEL), Bodies.scopes(body.scopes()), Bodies.expiry(body.expiresAt(), body.expiresInDays(), clock),
                Boolean.TRUE.equals(body.api())));
    }

    @DeleteMapping("/users/{name}/tokens/{id}")
    ResponseEntity<Void> deleteToken(@PathVariable String name, @PathVariable String id) {
        credentials.deleteToken(access.current(), name, id);
        return ResponseEntity.noContent().build();
    }
}
