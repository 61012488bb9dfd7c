package dev.wharf.server.auth;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.server.auth.account.ActiveAccounts;
import dev.wharf.server.auth.account.CredentialChecker;
import dev.wharf.server.auth.token.TokenKeys;
import dev.wharf.server.auth.token.TokenVerifier;
import dev.wharf.server.web.ErrorResponses;
import dev.wharf.server.events.Events;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * Spring Security for the registry: stateless, no sessions, cookies, CSRF, form or HTTP Basic
 * login of Spring's own. One filter reads the credentials ({@link CredentialsFilter}), one
 * authorization step decides ({@link RegistryAuthorization} asking {@link AccessPolicy}), and
 * {@link Challenges} answers refusals in the registry's error model. Everything outside
 * {@code /v2} and {@code /api} (the token endpoint, health) is open. With
 * {@code wharf.auth.enabled=false} every request is let through anonymously.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    @Bean
    Clock authClock() {
        // microseconds: what PostgreSQL keeps, so times read back compare equal
        return Clock.tick(Clock.systemUTC(), Duration.ofNanos(1000));
    }

    /**
     * No observation (trace span, timer) per security filter, authentication and authorization:
     * wrapping each of the chain's filters in one cost a fifth of a manifest GET's CPU
     * (docs/PERFORMANCE.md, "Issue 12, second pass"). The request itself is still observed
     * ({@code http.server.requests}, with its status).
     */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        // bcrypt, with the {id} prefix so the algorithm can change later without a migration
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    TokenVerifier tokenVerifier(TokenKeys keys, ActiveAccounts accounts, AuthProperties properties, Clock authClock) {
        return new TokenVerifier(keys, accounts, properties, authClock);
    }

    /** The resource-server decoder of the registry's tokens (also keeps Boot from making a default user). */
    @Bean
    JwtDecoder registryJwtDecoder(TokenVerifier verifier) {
        return verifier.decoder();
    }

    @Bean
    RequestRejectedHandler requestRejectedHandler(ErrorResponses errors) {
        return (request, response, e) -> errors.write(request, response,
                new OciException(OciErrorCode.UNSUPPORTED, 400, "request rejected: malformed URL", null));
    }

    @Bean
    SecurityFilterChain registrySecurity(HttpSecurity http, AuthProperties properties, AccessPolicy policy,
                                         TokenVerifier tokens, CredentialChecker credentials,
                                         ObjectProvider<UploadCreators> uploads, ErrorResponses errors,
                                         ExternalUrl externalUrl, Events events) throws Exception {
        http.csrf(c -> c.disable())
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable())
                .requestCache(c -> c.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                // blobs and manifests by digest are immutable; the registry sets caching itself
                .headers(h -> h.cacheControl(c -> c.disable()));
        if (!properties.enabled()) {
            http.authorizeHttpRequests(a -> a.anyRequest().permitAll());
            return http.build();
        }
        Challenges challenges = new Challenges(errors, externalUrl, properties.service());
        UploadCreators creators = uploads.getIfAvailable(() -> (repository, id) -> Optional.empty());
        http.addFilterBefore(new CredentialsFilter(tokens, credentials, creators, challenges),
                        AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(a -> a
                        .requestMatchers("/v2", "/v2/**", "/api", "/api/**").access(new RegistryAuthorization(policy, events))
                        .anyRequest().permitAll())
                .exceptionHandling(e -> e.authenticationEntryPoint(challenges).accessDeniedHandler(challenges));
        return http.build();
    }
}
