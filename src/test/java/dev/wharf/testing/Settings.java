package dev.wharf.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings README.md documents (its "Settings" table), so that deployment files can be checked
 * to set only real settings.
 */
public final class Settings {

    private static final Pattern NAME = Pattern.compile("`([a-z0-9.\\-]+)`");

    private Settings() {
    }

    /**
     * The property names in the first column of README.md's settings table. A cell may list
     * several: {@code `wharf.auth.service` / `.issuer`} is {@code wharf.auth.service} and
     * {@code wharf.auth.issuer}.
     */
    public static Set<String> documented() {
        String readme;
        try {
            readme = Files.readString(Path.of("README.md"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<String> names = new TreeSet<>();
        for (String line : readme.lines().toList()) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String cell = line.substring(1, line.indexOf('|', 1));
            Matcher m = NAME.matcher(cell);
            String first = null;
            while (m.find()) {
                String name = m.group(1);
                if (first == null) {
                    first = name;
                    names.add(name);
                } else if (name.startsWith(".")) {
                    names.add(first.substring(0, first.lastIndexOf('.')) + name);
                }
            }
        }
        return names;
    }

    /** The environment variable of a property, as README.md spells it ({@code a.b-c} → {@code A_B_C}). */
    public static String environmentName(String property) {
        return property.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** The environment variables of every documented setting. */
    public static Set<String> documentedEnvironment() {
        Set<String> env = new TreeSet<>();
        documented().forEach(p -> env.add(environmentName(p)));
        return env;
    }
}
