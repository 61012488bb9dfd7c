package dev.wharf.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * External programs end-to-end tests drive (docker, skopeo, docker-registry). On a laptop a test
 * whose tool is missing is skipped with a message saying what to install; in CI ({@code CI=true})
 * a missing tool fails the run, so nothing is silently skipped there.
 */
public final class Tools {

    private Tools() {
    }

    /** True when running in CI, where every end-to-end tool must be present. */
    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (or, in CI, fails) the test unless {@code program} is on the PATH. */
    public static void require(String program, String debianPackage) {
        if (find(program) == null) {
            unavailable(program + " is not installed (Debian package " + debianPackage + ")");
        }
    }

    /** Skips (or, in CI, fails) unless a Docker daemon answers. */
    public static void requireDocker() {
        require("docker", "docker.io");
        Result r = run(Path.of("."), 30, "docker", "info", "--format", "{{.ServerVersion}}");
        if (r.exitCode() != 0) {
            unavailable("no Docker daemon answers (start dockerd; see .ci/run): " + r.output().strip());
        }
    }

    /** Skips (or, in CI, fails) unless {@code file} exists, e.g. a static binary a test image needs. */
    public static void requireFile(java.nio.file.Path file, String debianPackage) {
        if (!Files.exists(file)) {
            unavailable(file + " is missing (Debian package " + debianPackage + ")");
        }
    }

    /** Skips (or, in CI, fails) unless the tests run as root, which {@code forWhat} needs. */
    public static void requireRoot(String forWhat) {
        Result id = run(Path.of("."), 30, "id", "-u");
        if (id.exitCode() != 0 || !id.output().strip().equals("0")) {
            unavailable(forWhat + " needs root");
        }
    }

    private static void unavailable(String why) {
        if (ci()) {
            fail("CI=true but " + why);
        }
        Assumptions.abort("skipped: " + why);
    }

    /** The program's path on the PATH, or null. */
    public static Path find(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** What a finished process did. */
    public record Result(int exitCode, String output) {
        public Result orFail() {
            if (exitCode != 0) {
                throw new AssertionError("command failed with exit code " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    /** Runs a command (stdout and stderr merged), killing it after {@code timeoutSeconds}. */
    public static Result run(Path workDir, long timeoutSeconds, String... command) {
        return runWithInput(workDir, timeoutSeconds, null, command);
    }

    /** Runs a command with {@code stdin} (may be null) fed to it. */
    public static Result runWithInput(Path workDir, long timeoutSeconds, String stdin, String... command) {
        List<String> cmd = new ArrayList<>(List.of(command));
        try {
            Path out = Files.createTempFile("wharf-cmd-", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                        .redirectOutput(out.toFile());
                if (stdin == null) {
                    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
                }
                Process p = pb.start();
                if (stdin != null) {
                    try (var in = p.getOutputStream()) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                }
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    return new Result(124, "timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd)
                            + "\n" + Files.readString(out));
                }
                return new Result(p.exitValue(), Files.readString(out));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return new Result(127, "cannot run " + String.join(" ", cmd) + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
