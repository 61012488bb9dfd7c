package dev.wharf.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Container images for end-to-end tests, made locally (nothing can be pulled here): a one-layer
 * base imported from Debian's static busybox, and multi-layer images built on it with
 * {@code COPY}-only Dockerfiles.
 */
public final class TestImages {

    /** The imported base image. */
    public static final String BASE = "wharf-test/busybox:1";

    private TestImages() {
    }

    /** Imports the base image once per daemon; needs {@code busybox-static}. */
    public static synchronized String base() {
        Tools.requireDocker();
        if (Tools.run(Path.of("."), 30, "docker", "image", "inspect", BASE).exitCode() == 0) {
            return BASE;
        }
        Path busybox = Path.of("/bin/busybox");
        Tools.requireFile(busybox, "busybox-static");
        try {
            Path rootfs = Files.createTempDirectory("wharf-rootfs-");
            Path bin = Files.createDirectories(rootfs.resolve("bin"));
            Files.copy(busybox, bin.resolve("busybox"));
            for (String applet : new String[] {"sh", "ls", "cat", "echo", "true", "sha256sum"}) {
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
            Tools.run(rootfs, 120, "sh", "-c", "tar -C " + rootfs + " -c . | docker import - " + BASE).orFail();
            Tools.run(Path.of("/"), 30, "rm", "-rf", rootfs.toString());
            return BASE;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Builds {@code tag} from the base image plus {@code layers} COPY layers of random bytes
     * ({@code layerBytes} each), so every call makes a new, unique image.
     */
    public static String build(String tag, int layers, int layerBytes) {
        base();
        try {
            Path context = Files.createTempDirectory("wharf-image-");
            StringBuilder dockerfile = new StringBuilder("FROM " + BASE + "\n");
            for (int i = 0; i < layers; i++) {
                Files.write(context.resolve("layer" + i + ".bin"), TestData.random(layerBytes));
                dockerfile.append("COPY layer").append(i).append(".bin /data/layer").append(i).append(".bin\n");
            }
            dockerfile.append("CMD [\"/bin/cat\", \"/data/layer0.bin\"]\n");
            Files.writeString(context.resolve("Dockerfile"), dockerfile);
            Tools.run(context, 300, "env", "DOCKER_BUILDKIT=0", "docker", "build", "-q", "-t", tag, ".").orFail();
            Tools.run(Path.of("/"), 30, "rm", "-rf", context.toString());
            return tag;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
