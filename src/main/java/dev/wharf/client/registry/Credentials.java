package dev.wharf.client.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/** What a client presents to a registry. */
public sealed interface Credentials {

    /** No credentials: anonymous access. */
    Credentials ANONYMOUS = new Anonymous();

    /** No credentials. */
    record Anonymous() implements Credentials {
        @Override
        public String toString() {
            return "anonymous";
        }
    }

    /** A user name and password (or access token used as a password). */
    record Basic(String username, String password) implements Credentials {
        public Basic {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
        }

        /** The value of an {@code Authorization: Basic} header. */
        public String header() {
            return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "user " + username;
        }
    }

    /**
     * An OAuth2 refresh token from an earlier login (Docker's {@code identitytoken}), exchanged at
     * the token endpoint with {@code grant_type=refresh_token}.
     */
    record IdentityToken(String token) implements Credentials {
        @Override
        public String toString() {
            return "identity token";
        }
    }
}
