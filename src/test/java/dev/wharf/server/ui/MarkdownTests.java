package dev.wharf.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MarkdownTests {

    @Test
    void rendersCommonMarkWithTables() {
        String html = Markdown.toSafeHtml("# Title\n\nSome *text* and `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assertThat(html).contains("<h1>Title</h1>", "<em>text</em>", "<code>code</code>", "<table>", "<td>1</td>");
    }

    @Test
    void rawHtmlAndScriptNeverSurvive() {
        String html = Markdown.toSafeHtml("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
                + "<a href=\"#\" onclick=\"alert(1)\">x</a><style>body{}</style><iframe src=\"/\"></iframe>");
        assertThat(html).doesNotContain("<script", "<img", "onerror=", "onclick=", "<style", "<iframe");
    }

    @Test
    void javascriptLinksAreDroppedAndOthersGetRelNoopener() {
        String html = Markdown.toSafeHtml("[bad](javascript:alert(1)) [good](https://example.org/x)");
        assertThat(html).doesNotContain("javascript:");
        assertThat(html).contains("href=\"https://example.org/x\"").contains("noopener").contains("nofollow");
    }

    @Test
    void imagesAreNotShown() {
        assertThat(Markdown.toSafeHtml("![logo](https://example.org/logo.png)")).doesNotContain("<img");
    }

    @Test
    void emptyDescriptionIsEmpty() {
        assertThat(Markdown.toSafeHtml(null)).isEmpty();
        assertThat(Markdown.toSafeHtml("  \n")).isEmpty();
    }
}
