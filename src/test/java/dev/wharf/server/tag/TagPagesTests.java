package dev.wharf.server.tag;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TagPagesTests {

    private static TagPages.Key key(String repository) {
        return new TagPages.Key(repository, "", 10);
    }

    private static TagPages.Page page(int names) {
        return new TagPages.Page(1, 1, IntStream.range(0, names).mapToObj(i -> "t" + i).toList());
    }

    @Test
    void keepsAPageUntilReplacedAndCountsItsNamesOnce() {
        TagPages pages = new TagPages(100, 10);
        pages.put(key("a"), page(3));
        pages.put(key("a"), page(5));

        assertThat(pages.get(key("a")).names()).hasSize(5);
        assertThat(pages.names()).isEqualTo(5);
        assertThat(pages.get(new TagPages.Key("a", "t0", 10))).as("another page of the same repository").isNull();
    }

    @Test
    void evictsTheLeastRecentlyUsedBeyondTheNamesAndPagesItHolds() {
        TagPages pages = new TagPages(10, 3);
        pages.put(key("a"), page(4));
        pages.put(key("b"), page(4));
        pages.get(key("a")); // b is now the least recently used
        pages.put(key("c"), page(4));

        assertThat(pages.get(key("b"))).isNull();
        assertThat(pages.get(key("a"))).isNotNull();
        assertThat(pages.get(key("c"))).isNotNull();
        assertThat(pages.names()).isEqualTo(8);

        pages.put(key("d"), page(1));
        pages.put(key("e"), page(1));
        assertThat(pages.size()).isEqualTo(3);
        assertThat(pages.get(key("a"))).isNull();
    }

    @Test
    void aPageOfMoreNamesThanTheBoundIsNotKeptAndDropsWhatWasKeptForItsKey() {
        TagPages pages = new TagPages(10, 3);
        pages.put(key("a"), page(2));
        pages.put(key("a"), page(11));

        assertThat(pages.get(key("a"))).isNull();
        assertThat(pages.names()).isZero();
        assertThat(pages.size()).isZero();
    }
}
