package dev.wharf.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RepositoryNameTests {

    @ParameterizedTest
    @ValueSource(strings = {"a", "library/ubuntu", "a/b/c/d", "my-app", "my--app", "my_app", "my__app", "my.app",
            "0", "team1/app2.v3", "a-b_c.d/e"})
    void acceptsNamesOfTheSpecGrammar(String name) {
        assertThat(RepositoryName.of(name).value()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Upper", "library/Ubuntu", "a//b", "/a", "a/", "a/../b", "..", "a..b", "a___b",
            "-a", "a-", "_a", "a_", ".a", "a.", "a b", "a:b", "a@b", "a/./b", "ä"})
    void rejectsNamesOutsideTheGrammarWithNameInvalid(String name) {
        assertThatThrownBy(() -> RepositoryName.of(name))
                .isInstanceOfSatisfying(OciException.class, e -> assertThat(e.code()).isEqualTo(OciErrorCode.NAME_INVALID));
    }

    @Test
    void acceptsNamesUpToTheLengthLimit() {
        String name = "a".repeat(RepositoryName.MAX_LENGTH);
        assertThat(RepositoryName.isValid(name)).isTrue();
        assertThat(RepositoryName.isValid(name + "a")).isFalse();
    }

    @Test
    void namespaceIsTheFirstComponent() {
        assertThat(RepositoryName.of("team/app/web").namespace()).isEqualTo("team");
        assertThat(RepositoryName.of("app").namespace()).isEqualTo("app");
    }
}
