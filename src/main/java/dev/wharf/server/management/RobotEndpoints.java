package dev.wharf.server.management;

import dev.wharf.server.auth.AccessPolicy;
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

/** {@code /api/v1/namespaces/{namespace}/robots}: CI robot accounts (docs/API.md). */
@RestController
@RequestMapping("/api/v1/namespaces/{namespace}/robots")
class RobotEndpoints {

    record NewRobot(String name, String description, List<Bodies.ScopeBody> scopes, String expiresAt,
                    Integer expiresInDays) {
    }

    record RobotChange(String description, List<Bodies.ScopeBody> scopes) {
    }

    record SecretRotation(String expiresAt, Integer expiresInDays) {
    }

    private final MachineCredentials credentials;
    private final AccessPolicy access;
    private final Clock clock;

    RobotEndpoints(MachineCredentials credentials, AccessPolicy access, Clock authClock) {
        this.credentials = credentials;
        this.access = access;
        this.clock = authClock;
    }

    @GetMapping
    List<MachineCredentials.RobotView> list(@PathVariable String namespace) {
        return credentials.robots(access.current(), namespace);
    }

    @PostMapping
    ResponseEntity<MachineCredentials.RobotView> create(@PathVariable String namespace,
                                                        @RequestBody(required = false) NewRobot body) {
        Bodies.required(body);
        return ResponseEntity.status(HttpStatus.CREATED).body(credentials.createRobot(access.current(), namespace,
                body.name(), Bodies.text("description", body.description(), Bodies.MAX_DESCRIPTION),
                Bodies.scopes(body.scopes()),
                Bodies.expiry(body.expiresAt(), body.expiresInDays(), clock)));
    }

    @GetMapping("/{name}")
    MachineCredentials.RobotView get(@PathVariable String namespace, @PathVariable String name) {
        return credentials.robot(access.current(), namespace, name);
    }

    @PatchMapping("/{name}")
    MachineCredentials.RobotView update(@PathVariable String namespace, @PathVariable String name,
                                        @RequestBody(required = false) RobotChange body) {
        Bodies.required(body);
        return credentials.updateRobot(access.current(), namespace, name,
                Bodies.text("description", body.description(), Bodies.MAX_DESCRIPTION), Bodies.scopes(body.scopes()));
    }

    @PostMapping("/{name}/secret")
    MachineCredentials.RobotView rotate(@PathVariable String namespace, @PathVariable String name,
                                        @RequestBody(required = false) SecretRotation body) {
        SecretRotation b = body == null ? new SecretRotation(null, null) : body;
        return credentials.rotateRobotSecret(access.current(), namespace, name,
                Bodies.expiry(b.expiresAt(), b.expiresInDays(), clock));
    }

    @DeleteMapping("/{name}")
    ResponseEntity<Void> delete(@PathVariable String namespace, @PathVariable String name) {
        credentials.deleteRobot(access.current(), namespace, name);
        return ResponseEntity.noContent().build();
    }
}
