package dev.wharf.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.client.registry.RegistryException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class WharfCliTests {

    @Test
    void helpListsEveryClientCommandAndTheExitCodes() {
        CliRun run = CliRun.of("--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("serve", "push", "pull", "copy", "login", "logout", "tags", "catalog", "inspect",
                "rm", "referrers", "4   not found");
    }

    @Test
    void versionAnswersWithoutBuildingTheSubcommands() {
        CliRun run = CliRun.of("--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("wharf ");
    }

    @Test
    void missingArgumentIsAUsageErrorWithExitCode2() {
        CliRun run = CliRun.of("push", "only-one-argument");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("Missing required parameter", "wharf push --help");
    }

    @Test
    void invalidReferenceIsAUsageErrorNamingTheBadPart() {
        CliRun run = CliRun.of("tags", "127.0.0.1:5000/UPPER/case");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("invalid repository name", "lower case");
    }

    @Test
    void invalidPlatformIsAUsageError() {
        CliRun run = CliRun.of("pull", "--platform", "linux", "127.0.0.1:5000/a:b", "out");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("os/arch");
    }

    @Test
    void aliasesRunTheirCommands() {
        assertThat(CliRun.of("cp", "--help").out()).contains("Usage: wharf copy");
        assertThat(CliRun.of("delete", "--help").out()).contains("Usage: wharf rm");
    }

    @Test
    void everyKindOfFailureHasItsOwnExitCode() {
        assertThat(ExitCodes.of(new RegistryException.AuthenticationRequired("h", "m", null))).isEqualTo(3);
        assertThat(ExitCodes.of(new RegistryException.Denied("m", null))).isEqualTo(3);
        assertThat(ExitCodes.of(new RegistryException.NotFound("m", null))).isEqualTo(4);
        assertThat(ExitCodes.of(new UncheckedIOException(new NoSuchFileException("x")))).isEqualTo(4);
        assertThat(ExitCodes.of(new RegistryException.Unavailable("m", 0, null))).isEqualTo(5);
        assertThat(ExitCodes.of(new RegistryException.IntegrityFailure("m"))).isEqualTo(6);
        assertThat(ExitCodes.of(new IllegalArgumentException("m"))).isEqualTo(2);
        assertThat(ExitCodes.of(new RegistryException.Rejected("m", 400, null, null))).isEqualTo(1);
    }

    @Test
    void sizesAreHumanReadable() {
        assertThat(Sizes.bytes(999)).isEqualTo("999 B");
        assertThat(Sizes.bytes(40_007_680)).isEqualTo("40.0 MB");
        assertThat(Sizes.bytes(1_234_567_890)).isEqualTo("1.23 GB");
        assertThat(new TransferOptions.ByteSizeConverter().convert("16MiB")).isEqualTo(16L * 1024 * 1024);
        assertThat(new TransferOptions.ByteSizeConverter().convert("512k")).isEqualTo(512L * 1024);
    }
}
