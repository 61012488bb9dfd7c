package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Repository patterns of robots and personal access tokens, and their stored form. */
class ScopeTests {

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
            "acme/app, acme/app, true",
            "acme/app, acme/app2, false",
            "acme/*, acme/app, true",
            "acme/*, acme/team/app, false",
            "acme/**, acme/team/app, true",
            "acme/**, acme, false",
            "acme/app-*, acme/app-web, true",
            "acme/app-*, acme/app, false",
            "acme/*/base, acme/x/base, true",
            "**, anything/at/all, true",
            "acme, acme, true",
            "acme*, acmex/app, false",
    })
    void patternMatching(String pattern, String name, boolean matches) {
        assertThat(new Scope(pattern, EnumSet.of(Action.PULL)).matches(RepositoryName.of(name))).isEqualTo(matches);
    }

    @Test
    void storedFormRoundTrips() {
        List<Scope> scopes = List.of(new Scope("acme/app", EnumSet.of(Action.PUSH, Action.PULL)),
                new Scope("acme/tools/**", EnumSet.of(Action.DELETE)));
        String stored = Scope.format(scopes);
        assertThat(stored).isEqualTo("acme/app:pull,push acme/tools/**:delete");
        assertThat(Scope.parse(stored)).isEqualTo(scopes);
    }

    @Test
    void actionsOfSeveralScopesAddUp() {
        List<Scope> scopes = List.of(new Scope("acme/*", EnumSet.of(Action.PULL)),
                new Scope("acme/app", EnumSet.of(Action.PUSH)));
        assertThat(Scope.actionsFor(scopes, RepositoryName.of("acme/app"))).containsExactly(Action.PULL, Action.PUSH);
        assertThat(Scope.actionsFor(scopes, RepositoryName.of("other/app"))).isEmpty();
    }

    @Test
    void namespaceIsTheLiteralFirstComponent() {
        assertThat(new Scope("acme/**", EnumSet.of(Action.PULL)).namespace()).isEqualTo("acme");
        assertThat(new Scope("ac*/x", EnumSet.of(Action.PULL)).namespace()).isNull();
    }

    @Test
    void invalidPatternsAndEmptyActionsAreRefused() {
        assertThatThrownBy(() -> new Scope("Acme/App", EnumSet.of(Action.PULL))).isInstanceOf(OciException.class);
        assertThatThrownBy(() -> new Scope("acme//app", EnumSet.of(Action.PULL))).isInstanceOf(OciException.class);
        assertThatThrownBy(() -> new Scope("acme/app", EnumSet.noneOf(Action.class))).isInstanceOf(OciException.class);
    }
}
