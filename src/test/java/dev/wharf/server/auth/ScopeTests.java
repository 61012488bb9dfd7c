package dev.wharf.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.oci.OciException;
import dev.wharf.oci.RepositoryName;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assertions;
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
    void pathologicalPatternsMatchInLinearTime() {
        String pattern = "carol/*a*a*a*a*a*a*a*a*a*a*a*a*b";
        String name = "carol/" + "a".repeat(234);
        // a backtracking matcher does not return from this in any time a test can wait for
        boolean matched = Assertions.assertTimeoutPreemptively(Duration.ofSeconds(5), () -> Scope.matches(pattern, name));
        assertThat(matched).isFalse();
        assertThat(Assertions.assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> Scope.matches("**a**a**a**a**a**a**a**a**b", "a/".repeat(120) + "b"))).isTrue();
    }

    @Test
    void patternsWithTooManyWildcardsAreRefusedAtCreation() {
        assertThat(new Scope("carol/*a*a*a*a*a*a*a*a", EnumSet.of(Action.PULL)).repositories()).hasSize(22);
        assertThatThrownBy(() -> new Scope("carol/*a*a*a*a*a*a*a*a*a*a*a*a*b", EnumSet.of(Action.PULL)))
                .isInstanceOfSatisfying(OciException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("at most 8 wildcards");
                });
    }

    @Test
    void linearMatcherAgreesWithTheBacktrackingDefinition() {
        Random random = new Random(7);
        char[] patternAlphabet = {'a', 'b', '/', '*'};
        char[] nameAlphabet = {'a', 'b', '/'};
        int matches = 0;
        for (int round = 0; round < 50_000; round++) {
            String pattern = randomString(random, patternAlphabet, 1 + random.nextInt(8));
            String name = randomString(random, nameAlphabet, random.nextInt(10));
            boolean expected = backtracking(pattern, 0, name, 0);
            assertThat(Scope.matches(pattern, name)).as("%s against %s", pattern, name).isEqualTo(expected);
            matches += expected ? 1 : 0;
        }
        assertThat(matches).as("the sample has both outcomes").isBetween(1_000, 49_000);
    }

    private static String randomString(Random random, char[] alphabet, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append(alphabet[random.nextInt(alphabet.length)]);
        }
        return b.toString();
    }

    /** The definition, as the old matcher implemented it: exponential, fine for short inputs. */
    private static boolean backtracking(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '*') {
                boolean any = pi + 1 < p.length() && p.charAt(pi + 1) == '*';
                int next = any ? pi + 2 : pi + 1;
                for (int k = si; k <= s.length(); k++) {
                    if (backtracking(p, next, s, k)) {
                        return true;
                    }
                    if (k < s.length() && !any && s.charAt(k) == '/') {
                        return false;
                    }
                }
                return false;
            }
            if (si >= s.length() || s.charAt(si) != c) {
                return false;
            }
            pi++;
            si++;
        }
        return si == s.length();
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
