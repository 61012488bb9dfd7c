package dev.wharf.server.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.oci.OciException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tag patterns, retention rules and how sizes read in quota messages. */
class PolicyRulesTests {

    private static final Instant NOW = Instant.parse("2026-12-06T00:00:00Z");

    @Test
    void tagPatternsMatchAnyCharactersWithStarAndNothingElse() {
        assertThat(TagPatterns.matches("v*", "v1.2.3")).isTrue();
        assertThat(TagPatterns.matches("v*", "latest")).isFalse();
        assertThat(TagPatterns.matches("release-*-rc*", "release-2026-rc1")).isTrue();
        assertThat(TagPatterns.matches("stable", "stable")).isTrue();
        assertThat(TagPatterns.matches("stable", "stable2")).isFalse();
        assertThat(TagPatterns.firstMatch(List.of("a*", "v*"), "v1")).isEqualTo("v*");
        assertThat(TagPatterns.validate("v**")).isEqualTo("v*");
    }

    @Test
    void aPatternWithManyWildcardsIsMatchedInLinearTime() {
        String pattern = "*a*a*a*a*a*a*a*b";
        String tag = "a".repeat(128);
        long start = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            assertThat(TagPatterns.matches(pattern, tag)).isFalse();
        }
        assertThat(System.nanoTime() - start).as("1000 matches").isLessThan(2_000_000_000L);
    }

    @Test
    void badPatternsAreRefusedWith400() {
        for (String bad : List.of("", "a/b", "a b", "ä", "x".repeat(129), "*a*b*c*d*e*f*g*h*i")) {
            assertThatThrownBy(() -> TagPatterns.validate(bad)).isInstanceOf(OciException.class)
                    .satisfies(e -> assertThat(((OciException) e).status()).isEqualTo(400));
        }
    }

    @Test
    void aRuleKeepsByRankByPushAgeOrByPullAge() {
        RetentionRule last = new RetentionRule(null, "nightly-*", 2, null, null).validated();
        assertThat(last.repositories()).isEqualTo("**");
        assertThat(last.matches("acme/app", "nightly-7")).isTrue();
        assertThat(last.matches("acme/app", "v1")).isFalse();
        assertThat(last.keeps(1, NOW, null, NOW)).isTrue();
        assertThat(last.keeps(2, NOW, null, NOW)).isFalse();

        RetentionRule pushed = new RetentionRule("acme/*", null, null, 14, null).validated();
        assertThat(pushed.matches("acme/app", "x")).isTrue();
        assertThat(pushed.matches("acme/team/app", "x")).isFalse();
        assertThat(pushed.keeps(99, NOW.minusSeconds(13 * 86_400), null, NOW)).isTrue();
        assertThat(pushed.keeps(0, NOW.minusSeconds(15 * 86_400), null, NOW)).isFalse();

        RetentionRule pulled = new RetentionRule(null, null, null, null, 30).validated();
        assertThat(pulled.keeps(0, NOW, null, NOW)).as("never pulled").isFalse();
        assertThat(pulled.keeps(0, NOW.minusSeconds(90 * 86_400), NOW.minusSeconds(86_400), NOW)).isTrue();
    }

    @Test
    void aRuleHasExactlyOneWayToKeep() {
        for (RetentionRule bad : List.of(new RetentionRule(null, null, null, null, null),
                new RetentionRule(null, null, 1, 1, null), new RetentionRule(null, null, -1, null, null),
                new RetentionRule(null, null, null, 0, null), new RetentionRule("UPPER", null, 1, null, null))) {
            assertThatThrownBy(bad::validated).isInstanceOf(OciException.class);
        }
    }

    @Test
    void sizesReadAsPeopleWriteThem() {
        assertThat(Quotas.size(1000)).isEqualTo("1000 B");
        assertThat(Quotas.size(1024)).isEqualTo("1.0 KiB");
        assertThat(Quotas.size(99_857_203)).isEqualTo("95.2 MiB");
        assertThat(Quotas.size(100L << 20)).isEqualTo("100.0 MiB");
        assertThat(Quotas.size(Long.MAX_VALUE)).isEqualTo("8.0 EiB");
    }
}
