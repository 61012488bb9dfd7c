package dev.wharf.client.archive;

import dev.wharf.client.registry.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the {@code manifest.json} of a {@code docker save} archive (or its extracted directory):
 * for each image, its config file, its tags and its layer files, in order.
 *
 * @see <a href="https://github.com/moby/moby/blob/master/image/spec/v1.2.md">Docker image specification v1.2: combined image JSON + filesystem changeset format</a>
 */
public final class DockerArchive {

    /** One image of the archive. */
    public record Image(String config, List<String> repoTags, List<String> layers) {
        public Image {
            repoTags = List.copyOf(repoTags);
            layers = List.copyOf(layers);
        }
    }

    private static final JsonMapper JSON = Json.MAPPER;

    private DockerArchive() {
    }

    /** True when the files look like a {@code docker save} archive. */
    public static boolean isArchive(LocalFiles files) throws IOException {
        return files.exists("manifest.json");
    }

    public static List<Image> images(LocalFiles files) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(files.read("manifest.json", 16 * 1024 * 1024));
        } catch (RuntimeException e) {
            throw new IOException(files.describe() + ": manifest.json is not valid JSON", e);
        }
        if (root == null || !root.isArray() || root.isEmpty()) {
            throw new IOException(files.describe() + ": manifest.json lists no image");
        }
        List<Image> out = new ArrayList<>();
        for (JsonNode image : root) {
            String config = image.path("Config").asString("");
            if (config.isEmpty()) {
                throw new IOException(files.describe() + ": an image in manifest.json has no Config");
            }
            List<String> tags = new ArrayList<>();
            image.path("RepoTags").forEach(t -> tags.add(t.asString()));
            List<String> layers = new ArrayList<>();
            image.path("Layers").forEach(l -> layers.add(l.asString()));
            out.add(new Image(config, tags, layers));
        }
        return out;
    }
}
