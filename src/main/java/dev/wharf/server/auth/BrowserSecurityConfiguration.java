package dev.wharf.server.auth;

import dev.wharf.oci.OciErrorCode;
import dev.wharf.oci.OciException;
import dev.wharf.server.auth.account.CredentialChecker;
import dev.wharf.server.auth.account.UserAccount;
import dev.wharf.server.auth.account.Users;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Optional;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandlerImpl;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Spring Security for the web UI's pages, a chain of its own that sees only their paths
 * ({@link #PATHS}); {@code /v2}, {@code /token} and {@code /api} stay with the stateless chain of
 * {@link SecurityConfiguration}, unchanged.
 *
 * <ul>
 *   <li>People sign in with the form at {@code /login} (fields {@code username} and
 *       {@code password}): their password only, never an access token or a robot secret, throttled
 *       by the same {@link LoginThrottle} as every other login.</li>
 *   <li>The session lives in PostgreSQL (Spring Session JDBC), so any replica serves any page; its
 *       cookie is HttpOnly, SameSite=Lax and Secure whenever the request came over HTTPS.</li>
 *   <li>Every form carries Spring Security's CSRF token; a POST without it is refused (403).
 *       Signing out is a POST.</li>
 *   <li>Each request re-reads the signed-in user: a user disabled, deleted or whose password changed
 *       since signing in is signed out at once, and admin rights follow the account as it is now.</li>
 *   <li>A strict Content-Security-Policy: scripts, styles and images from this origin only, no
 *       inline script or style, no framing.</li>
 * </ul>
 *
 * Who may see or do what is not decided here: the UI's controllers ask {@link AccessPolicy}, as the
 * API does. With {@code wharf.auth.enabled=false} nobody signs in and everyone may do everything,
 * in the UI as in the API (docs/AUTH.md).
 */
@Configuration(proxyBeanMethods = false)
class BrowserSecurityConfiguration {

    /** The UI's paths: pages, their form actions and static files. */
    static final String[] PATHS = {"/", "/login", "/logout", "/denied", "/r/**", "/n", "/n/**", "/settings/**",
            "/admin", "/admin/**", "/ui/**", "/favicon.ico"};

    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    @Bean
    @Order(1)
    SecurityFilterChain browserSecurity(HttpSecurity http, AuthProperties properties, CredentialChecker credentials,
                                        Users users) throws Exception {
        http.securityMatcher(PATHS)
                .httpBasic(b -> b.disable())
                .requestCache(c -> { })
                .headers(h -> h
                        .contentSecurityPolicy(c -> c.policyDirectives(CONTENT_SECURITY_POLICY))
                        .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN)))
                .exceptionHandling(e -> {
                    AccessDeniedHandlerImpl denied = new AccessDeniedHandlerImpl();
                    denied.setErrorPage("/denied");
                    e.accessDeniedHandler(denied).authenticationEntryPoint(new LoginUrlAuthenticationEntryPoint("/login"));
                })
                .logout(l -> l.logoutUrl("/logout").logoutSuccessUrl("/").deleteCookies(SESSION_COOKIE));
        if (!properties.enabled()) {
            http.formLogin(f -> f.disable()).authorizeHttpRequests(a -> a.anyRequest().permitAll());
            return http.build();
        }
        http.authenticationProvider(new PasswordLogin(credentials, users))
                .formLogin(f -> f.loginPage("/login").loginProcessingUrl("/login")
                        .usernameParameter("username").passwordParameter("password")
                        .defaultSuccessUrl("/", false)
                        .failureHandler((request, response, e) -> response.sendRedirect(request.getContextPath()
                                + (e instanceof Throttled t ? "/login?throttled=" + t.seconds : "/login?error"))))
                .addFilterAfter(new SessionUserCheck(users), SecurityContextHolderFilter.class)
                .authorizeHttpRequests(a -> a
                        .requestMatchers("/settings/**", "/admin", "/admin/**").authenticated()
                        .anyRequest().permitAll());
        return http.build();
    }

    /** The session cookie's name ({@code server.servlet.session.cookie.name}). */
    static final String SESSION_COOKIE = "WHARF_SESSION";

    /** A fingerprint of a password hash: a session ends when its user's password changes. */
    static String passwordStamp(String passwordHash) {
        return HexFormat.of().formatHex(Secrets.sha256(passwordHash), 0, 12);
    }

    /** Too many failed sign-ins from this client. */
    static final class Throttled extends AuthenticationException {
        final long seconds;

        Throttled(long seconds) {
            super("too many failed sign-ins");
            this.seconds = seconds;
        }
    }

    /** The sign-in form's check: a user's password, through {@link CredentialChecker#checkPassword}. */
    static final class PasswordLogin implements AuthenticationProvider {

        private final CredentialChecker credentials;
        private final Users users;

        PasswordLogin(CredentialChecker credentials, Users users) {
            this.credentials = credentials;
            this.users = users;
        }

        @Override
        public Authentication authenticate(Authentication authentication) {
            String name = authentication.getName();
            String password = authentication.getCredentials() == null ? null : authentication.getCredentials().toString();
            String address = authentication.getDetails() instanceof WebAuthenticationDetails d ? d.getRemoteAddress() : null;
            Principal.User user;
            try {
                user = credentials.checkPassword(name, password, address);
            } catch (OciException e) {
                if (e.code() == OciErrorCode.TOOMANYREQUESTS) {
                    throw new Throttled(Long.parseLong(e.headers().getOrDefault("Retry-After", "60")));
                }
                throw new BadCredentialsException("invalid user name or password");
            }
            PrincipalAuthentication result = new PrincipalAuthentication(user);
            result.setDetails(users.findById(user.id()).map(u -> passwordStamp(u.passwordHash())).orElse(""));
            return result;
        }

        @Override
        public boolean supports(Class<?> authentication) {
            return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
        }
    }

    /**
     * Re-reads the signed-in user on every request: signs out a session whose user is gone,
     * disabled, or changed password since signing in, and brings admin rights up to date.
     */
    static final class SessionUserCheck extends OncePerRequestFilter {

        private final Users users;

        SessionUserCheck(Users users) {
            this.users = users;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            Authentication a = SecurityContextHolder.getContext().getAuthentication();
            if (a instanceof PrincipalAuthentication p && p.wharfPrincipal() instanceof Principal.User user) {
                Optional<UserAccount> account = users.findById(user.id())
                        .filter(UserAccount::enabled)
                        .filter(u -> passwordStamp(u.passwordHash()).equals(p.getDetails()));
                if (account.isEmpty()) {
                    SecurityContextHolder.clearContext();
                    HttpSession session = request.getSession(false);
                    if (session != null) {
                        session.invalidate();
                    }
                } else if (account.get().admin() != user.admin()) {
                    PrincipalAuthentication fresh = new PrincipalAuthentication(account.get().principal());
                    fresh.setDetails(p.getDetails());
                    var context = SecurityContextHolder.createEmptyContext();
                    context.setAuthentication(fresh);
                    SecurityContextHolder.setContext(context);
                }
            }
            chain.doFilter(request, response);
        }
    }
}
