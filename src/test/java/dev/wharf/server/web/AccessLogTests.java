package dev.wharf.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessLogTests {

    @Test
    void queryKeepsTheApisHarmlessParametersAndHidesEverythingElse() {
        assertThat(AccessLog.sanitizedQuery(null)).isNull();
        assertThat(AccessLog.sanitizedQuery("")).isNull();
        assertThat(AccessLog.sanitizedQuery("digest=sha256:ab")).isEqualTo("digest=sha256:ab");
        assertThat(AccessLog.sanitizedQuery("mount=sha256:ab&from=a/b")).isEqualTo("mount=sha256:ab&from=a/b");
        assertThat(AccessLog.sanitizedQuery("n=10&last=x")).isEqualTo("n=10&last=x");
        assertThat(AccessLog.sanitizedQuery("service=wharf&scope=repository:a/b:pull&scope=registry:catalog:*"))
                .isEqualTo("service=wharf&scope=repository:a/b:pull&scope=registry:catalog:*");
        assertThat(AccessLog.sanitizedQuery("username=dana&password=hunter2")).isEqualTo("username=dana&***");
        assertThat(AccessLog.sanitizedQuery("refresh_token=abc&access_token=def&wharf_pat_1_x"))
                .isEqualTo("***&***&***");
        assertThat(AccessLog.sanitizedQuery("pass%77ord=x&&digest")).isEqualTo("***&digest");
    }

    @Test
    void requestIdsFromClientsAreBoundedAndMadeOfSafeCharacters() {
        assertThat(AccessLog.acceptableRequestId("0f8fad5b-d9cb-469f-a165-70867728950e")).isTrue();
        assertThat(AccessLog.acceptableRequestId("Root=1-5e1b4151-5ac6c58f;Self=x")).isFalse();
        assertThat(AccessLog.acceptableRequestId("Root=1-5e1b4151-5ac6c58f")).isTrue();
        assertThat(AccessLog.acceptableRequestId("a".repeat(AccessLog.MAX_REQUEST_ID_LENGTH))).isTrue();
        assertThat(AccessLog.acceptableRequestId("a".repeat(AccessLog.MAX_REQUEST_ID_LENGTH + 1))).isFalse();
        for (String bad : new String[] {null, "", "a b", "a\"b", "a\nb", "a\tb", "<script>", "ä", "a,b", "a%20b"}) {
            assertThat(AccessLog.acceptableRequestId(bad)).as(String.valueOf(bad)).isFalse();
        }
    }

    @Test
    void madeRequestIdsAre32HexDigitsAndDoNotRepeat() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = AccessLog.newRequestId();
            assertThat(id).matches("[0-9a-f]{32}");
            assertThat(AccessLog.acceptableRequestId(id)).isTrue();
            seen.add(id);
        }
        assertThat(seen).hasSize(10_000);
    }
}
