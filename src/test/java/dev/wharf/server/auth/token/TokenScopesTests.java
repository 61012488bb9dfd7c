package dev.wharf.server.auth.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.oci.OciException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The scope grammar of distribution's scope.md. */
class TokenScopesTests {

    @Test
    void parsesRepositoryScopesWithSeveralActions() {
        List<TokenScopes.Requested> scopes = TokenScopes.parse(List.of("repository:samalba/my-app:pull,push"));
        assertThat(scopes).containsExactly(new TokenScopes.Requested("repository", "samalba/my-app",
                Set.of("pull", "push")));
    }

    @Test
    void oneParameterMayHoldSeveralScopesSeparatedBySpaces() {
        assertThat(TokenScopes.parse(List.of("repository:a/b:pull repository:c/d:push", "registry:catalog:*")))
                .extracting(TokenScopes.Requested::name).containsExactly("a/b", "c/d", "catalog");
    }

    @Test
    void resourceClassIsIgnoredAndANameWithAPortIsKept() {
        TokenScopes.Requested plugin = TokenScopes.parse(List.of("repository(plugin):a/b:pull")).get(0);
        assertThat(plugin.type()).isEqualTo("repository");
        TokenScopes.Requested hosted = TokenScopes.parse(List.of("other:host:5000/a/b:pull")).get(0);
        assertThat(hosted.name()).isEqualTo("host:5000/a/b");
    }

    @Test
    void emptyScopeIsNoScope() {
        assertThat(TokenScopes.parse(List.of(""))).isEmpty();
    }

    @Test
    void malformedScopesAreRefused() {
        assertThatThrownBy(() -> TokenScopes.parse(List.of("repository"))).isInstanceOf(OciException.class);
        assertThatThrownBy(() -> TokenScopes.parse(List.of("repository:a/b"))).isInstanceOf(OciException.class);
        assertThatThrownBy(() -> TokenScopes.parse(List.of("repository:A/B:pull"))).isInstanceOf(OciException.class);
        assertThatThrownBy(() -> TokenScopes.parse(List.of("repository:a/b:pu$h"))).isInstanceOf(OciException.class);
    }
}
