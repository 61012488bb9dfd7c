package dev.wharf.client.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChallengeTests {

    @Test
    void parsesABearerChallengeWithQuotedParameters() {
        List<Challenge> c = Challenge.parse(
                "Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\",scope=\"repository:team/app:pull,push\"");
        assertThat(c).hasSize(1);
        assertThat(c.get(0).isBearer()).isTrue();
        assertThat(c.get(0).parameter("realm")).isEqualTo("https://auth.example.com/token");
        assertThat(c.get(0).parameter("service")).isEqualTo("registry.example.com");
        assertThat(c.get(0).parameter("scope")).isEqualTo("repository:team/app:pull,push");
    }

    @Test
    void parsesSeveralChallengesAndUnquotedValues() {
        List<Challenge> c = Challenge.parse("Basic realm=Registry, Bearer realm=\"https://a/t\" , error=\"invalid_token\"");
        assertThat(c).extracting(Challenge::scheme).containsExactly("basic", "bearer");
        assertThat(c.get(0).parameter("realm")).isEqualTo("Registry");
        assertThat(c.get(1).parameter("error")).isEqualTo("invalid_token");
    }

    @Test
    void unescapesQuotedCharactersAndIgnoresCase() {
        Challenge c = Challenge.parse("BEARER Realm=\"a \\\"quoted\\\" realm\"").get(0);
        assertThat(c.isBearer()).isTrue();
        assertThat(c.parameter("realm")).isEqualTo("a \"quoted\" realm");
    }

    @Test
    void nothingToParseGivesNoChallenge() {
        assertThat(Challenge.parse(null)).isEmpty();
        assertThat(Challenge.parse("  ")).isEmpty();
    }

    @Test
    void scopesHaveTheirWireFormWithSortedActions() {
        Scope push = new Scope("repository", "team/app", List.of("push", "pull"));
        assertThat(push).hasToString("repository:team/app:pull,push");
        assertThat(Scope.catalog()).hasToString("registry:catalog:*");
        assertThat(Scope.key(List.of(push, Scope.catalog()))).isEqualTo("registry:catalog:* repository:team/app:pull,push");
    }
}
