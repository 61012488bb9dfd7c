package dev.wharf.server.management;

import dev.wharf.server.auth.AccessPolicy;
import dev.wharf.server.auth.token.TokenKeys;
import dev.wharf.server.events.EventType;
import dev.wharf.server.events.Events;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/keys}: token signing keys, their rotation and revocation (admins only; docs/API.md). */
@RestController
@RequestMapping("/api/v1/keys")
class KeyEndpoints {

    private final TokenKeys keys;
    private final AccessPolicy access;
    private final Events events;

    KeyEndpoints(TokenKeys keys, AccessPolicy access, Events events) {
        this.keys = keys;
        this.access = access;
        this.events = events;
    }

    @GetMapping
    List<TokenKeys.KeyInfo> list() {
        access.requireAdmin(access.current());
        return keys.list();
    }

    /** Rotates: a new key signs from now on; the previous ones verify for {@code wharf.auth.key-grace}. */
    @PostMapping
    ResponseEntity<TokenKeys.KeyInfo> rotate() {
        access.requireAdmin(access.current());
        TokenKeys.KeyInfo key = keys.rotate();
        events.record(EventType.SIGNING_KEY_ROTATED, null, null, key.kid(), Map.of());
        return ResponseEntity.status(HttpStatus.CREATED).body(key);
    }

    /**
     * Revokes a key (compromise): it verifies nothing from now on; a new key signs if it did.
     * 404 {@code NAME_UNKNOWN} for an unknown kid; revoking twice is harmless.
     */
    @PostMapping("/{kid}/revoke")
    TokenKeys.KeyInfo revoke(@PathVariable String kid) {
        access.requireAdmin(access.current());
        TokenKeys.KeyInfo key = keys.revoke(kid);
        events.record(EventType.SIGNING_KEY_REVOKED, null, null, key.kid(), Map.of());
        return key;
    }
}
