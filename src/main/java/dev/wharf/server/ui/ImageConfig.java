package dev.wharf.server.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * What people read in an image's config: how it runs and how it was built. Fields missing from the
 * config are null or empty; a config that is not JSON gives {@link #UNREADABLE}.
 *
 * @see <a href="https://github.com/opencontainers/image-spec/blob/main/config.md">image-spec: config</a>
 */
record ImageConfig(boolean readable, String created, String os, String architecture, String variant,
                   List<String> entrypoint, List<String> cmd, List<String> env, Map<String, String> labels,
                   List<String> exposedPorts, String user, String workingDir, List<Step> history, String json) {

    static final ImageConfig UNREADABLE = new ImageConfig(false, null, null, null, null, List.of(), List.of(),
            List.of(), Map.of(), List.of(), null, null, List.of(), null);

    /** One build step of the config's history. */
    record Step(String created, String createdBy, String comment, boolean emptyLayer) {

        /** The step as a Dockerfile line, as far as the history says: {@code RUN ...}, {@code COPY ...}. */
        public String instruction() {
            String s = createdBy == null ? "" : createdBy.strip();
            if (s.startsWith("/bin/sh -c #(nop) ")) {
                s = s.substring("/bin/sh -c #(nop) ".length()).strip();
            } else if (s.startsWith("/bin/sh -c ")) {
                s = "RUN " + s.substring("/bin/sh -c ".length()).strip();
            } else if (s.startsWith("|")) {
                // build arguments before the command: "|2 A=1 B=2 /bin/sh -c ..."
                int sh = s.indexOf("/bin/sh -c ");
                s = sh < 0 ? s : "RUN " + s.substring(sh + "/bin/sh -c ".length()).strip();
            }
            if (s.endsWith("# buildkit")) {
                s = s.substring(0, s.length() - "# buildkit".length()).strip();
            }
            return s.isEmpty() ? (comment == null ? "" : comment) : s;
        }
    }

    /** {@code os/architecture[/variant]}, or null when the config does not say. */
    public String platform() {
        if (os == null || architecture == null) {
            return null;
        }
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }

    static ImageConfig parse(JsonNode root, String json) {
        if (root == null || !root.isObject()) {
            return UNREADABLE;
        }
        JsonNode config = root.path("config");
        List<Step> history = new ArrayList<>();
        for (JsonNode h : root.path("history")) {
            history.add(new Step(text(h.path("created")), text(h.path("created_by")), text(h.path("comment")),
                    h.path("empty_layer").asBoolean(false)));
        }
        Map<String, String> labels = new TreeMap<>();
        config.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString("")));
        List<String> ports = new ArrayList<>();
        config.path("ExposedPorts").properties().forEach(e -> ports.add(e.getKey()));
        return new ImageConfig(true, text(root.path("created")), text(root.path("os")), text(root.path("architecture")),
                text(root.path("variant")), strings(config.path("Entrypoint")), strings(config.path("Cmd")),
                strings(config.path("Env")), labels, ports, text(config.path("User")), text(config.path("WorkingDir")),
                history, json);
    }

    private static String text(JsonNode node) {
        return node == null || !node.isString() || node.asString().isEmpty() ? null : node.asString();
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node != null && node.isArray()) {
            for (JsonNode n : node) {
                out.add(n.asString(""));
            }
        }
        return out;
    }
}
