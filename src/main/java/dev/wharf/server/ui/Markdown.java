package dev.wharf.server.ui;

import java.util.List;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.owasp.html.HtmlPolicyBuilder;
import org.owasp.html.PolicyFactory;
import org.owasp.html.Sanitizers;

/**
 * Repository descriptions: CommonMark (with tables) to HTML, then through an allow-list sanitizer
 * (OWASP java-html-sanitizer), so a description can never carry script, styles, event handlers,
 * forms or frames, whatever its author wrote. Raw HTML in the Markdown is escaped before the
 * sanitizer sees it; links get {@code rel="nofollow noopener noreferrer"}; images are not shown
 * (the page's Content-Security-Policy would block outside ones anyway).
 */
final class Markdown {

    private static final List<org.commonmark.Extension> EXTENSIONS = List.of(TablesExtension.create());
    private static final Parser PARSER = Parser.builder().extensions(EXTENSIONS).build();
    private static final HtmlRenderer RENDERER = HtmlRenderer.builder().extensions(EXTENSIONS)
            .escapeHtml(true).sanitizeUrls(true).build();
    private static final PolicyFactory POLICY = Sanitizers.FORMATTING.and(Sanitizers.BLOCKS).and(Sanitizers.TABLES)
            .and(new HtmlPolicyBuilder()
                    .allowElements("a", "pre", "code", "hr", "br", "ul", "ol", "li", "dl", "dt", "dd")
                    .allowAttributes("href").onElements("a")
                    .allowStandardUrlProtocols()
                    .requireRelsOnLinks("nofollow", "noopener", "noreferrer")
                    .allowAttributes("start").matching(java.util.regex.Pattern.compile("[0-9]{1,6}")).onElements("ol")
                    .toFactory());

    private Markdown() {
    }

    /** Safe HTML for {@code markdown}; empty for null. */
    static String toSafeHtml(String markdown) {
        if (markdown == null || markdown.isBlank()) {
            return "";
        }
        return POLICY.sanitize(RENDERER.render(PARSER.parse(markdown)));
    }
}
