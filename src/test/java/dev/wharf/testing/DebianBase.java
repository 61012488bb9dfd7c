package dev.wharf.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A container base image with a headless JRE, made on this machine because no public image registry
 * can be reached from it: {@code debootstrap} writes a minimal Debian root filesystem with the
 * suite's default JRE, from the Debian mirror the machine's own apt sources name (read at run time,
 * so no mirror is written into the repository), and {@code docker import} turns it into an image.
 * The image is kept and reused by later runs (its tag names the suite and the recipe).
 */
public final class DebianBase {

    /** Bump when the recipe below changes, so that a cached image of the old recipe is not reused. */
    private static final String RECIPE = "minbase+default-jre-headless, apt caches, docs and locales removed, v1";
    private static final Path DEBOOTSTRAP_SCRIPTS = Path.of("/usr/share/debootstrap/scripts");

    private DebianBase() {
    }

    /** A Debian archive as an apt source names it. */
    public record Source(String uri, String suite, String keyring) {
    }

    /**
     * The image tag, building the image first unless it exists. Needs root (debootstrap), docker and
     * the network path to the mirror; takes about a minute and a half the first time.
     */
    public static String ensure() {
        Source source = fromAptSources(Path.of("/etc/apt"), suite -> Files.isRegularFile(DEBOOTSTRAP_SCRIPTS.resolve(suite)));
        String tag = "wharf-test-base:" + source.suite() + "-" + shortHash(source.suite() + "\n" + RECIPE);
        if (Tools.run(Path.of("."), 60, "docker", "image", "inspect", "--format", "{{.Id}}", tag).exitCode() == 0) {
            return tag;
        }
        Path work;
        try {
            work = Files.createTempDirectory("wharf-base-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path rootfs = work.resolve("rootfs");
        try {
            List<String> debootstrap = new ArrayList<>(List.of("debootstrap", "--variant=minbase",
                    "--include=default-jre-headless"));
            if (source.keyring() != null) {
                debootstrap.add("--keyring=" + source.keyring());
            }
            debootstrap.addAll(List.of(source.suite(), rootfs.toString(), source.uri()));
            Tools.run(work, 1200, debootstrap.toArray(String[]::new)).orFail();
            Tools.run(work, 300, "bash", "-c", "rm -rf rootfs/var/cache/apt/archives/*.deb rootfs/var/lib/apt/lists/* "
                    + "rootfs/usr/share/doc rootfs/usr/share/man rootfs/usr/share/info rootfs/usr/share/locale").orFail();
            Tools.run(work, 600, "bash", "-c", "set -o pipefail; tar -C rootfs -c . | docker import - " + tag).orFail();
            return tag;
        } finally {
            Tools.run(Path.of("/"), 300, "rm", "-rf", work.toString());
        }
    }

    /**
     * The first Debian archive in the apt sources under {@code aptDir} ({@code sources.list}, and
     * {@code sources.list.d/*.list} and {@code *.sources} in deb822 form) whose suite passes
     * {@code knownSuite} (one debootstrap has a script for): a binary ({@code deb}) source over
     * HTTP(S) with the {@code main} component.
     *
     * @throws IllegalStateException when there is none
     */
    public static Source fromAptSources(Path aptDir, Predicate<String> knownSuite) {
        List<Source> found = new ArrayList<>();
        Path list = aptDir.resolve("sources.list");
        if (Files.isRegularFile(list)) {
            found.addAll(oneLineStyle(read(list)));
        }
        Path dir = aptDir.resolve("sources.list.d");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.sorted().toList()) {
                    String name = file.getFileName().toString();
                    if (name.endsWith(".list")) {
                        found.addAll(oneLineStyle(read(file)));
                    } else if (name.endsWith(".sources")) {
                        found.addAll(deb822Style(read(file)));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return found.stream().filter(s -> knownSuite.test(s.suite())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no Debian archive that debootstrap knows in the apt sources under "
                        + aptDir + " (found " + found + ")"));
    }

    /** Entries of the one-line format: {@code deb [options] uri suite component...}. */
    static List<Source> oneLineStyle(String text) {
        List<Source> sources = new ArrayList<>();
        for (String raw : text.lines().toList()) {
            String line = raw.contains("#") ? raw.substring(0, raw.indexOf('#')) : raw;
            String keyring = null;
            int open = line.indexOf('[');
            int close = line.indexOf(']');
            if (open >= 0 && close > open) {
                for (String option : line.substring(open + 1, close).trim().split("\\s+")) {
                    if (option.toLowerCase(Locale.ROOT).startsWith("signed-by=")) {
                        keyring = option.substring("signed-by=".length());
                    }
                }
                line = line.substring(0, open) + line.substring(close + 1);
            }
            String[] words = line.trim().split("\\s+");
            if (words.length >= 4 && words[0].equals("deb") && List.of(words).subList(3, words.length).contains("main")) {
                add(sources, words[1], words[2], keyring);
            }
        }
        return sources;
    }

    /** Stanzas of the deb822 format ({@code Types:}, {@code URIs:}, {@code Suites:}, ...). */
    static List<Source> deb822Style(String text) {
        List<Source> sources = new ArrayList<>();
        for (String stanza : text.split("\\n\\s*\\n")) {
            String types = "";
            String uris = "";
            String suites = "";
            String components = "";
            String signedBy = null;
            String enabled = "yes";
            for (String raw : stanza.lines().toList()) {
                if (raw.startsWith("#") || raw.startsWith(" ") || raw.startsWith("\t") || !raw.contains(":")) {
                    continue; // comments, and continuation lines (an inline key in Signed-By)
                }
                String key = raw.substring(0, raw.indexOf(':')).trim().toLowerCase(Locale.ROOT);
                String value = raw.substring(raw.indexOf(':') + 1).trim();
                switch (key) {
                    case "types" -> types = value;
                    case "uris" -> uris = value;
                    case "suites" -> suites = value;
                    case "components" -> components = value;
                    case "signed-by" -> signedBy = value.startsWith("/") ? value : null;
                    case "enabled" -> enabled = value;
                    default -> { }
                }
            }
            if (!List.of(types.split("\\s+")).contains("deb") || enabled.equalsIgnoreCase("no")
                    || !List.of(components.split("\\s+")).contains("main")) {
                continue;
            }
            for (String uri : uris.split("\\s+")) {
                for (String suite : suites.split("\\s+")) {
                    add(sources, uri, suite, signedBy);
                }
            }
        }
        return sources;
    }

    private static void add(List<Source> sources, String uri, String suite, String keyring) {
        if ((uri.startsWith("http://") || uri.startsWith("https://")) && !suite.isEmpty()) {
            sources.add(new Source(uri, suite, keyring != null && Files.isRegularFile(Path.of(keyring)) ? keyring : null));
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
