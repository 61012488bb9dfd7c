package dev.wharf.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code wharf} command line. {@code wharf serve} starts the registry server; the other
 * commands are clients and never start Spring.
 */
@Command(name = "wharf", mixinStandardHelpOptions = true, versionProvider = WharfCli.Version.class,
        description = "Wharf: an OCI container registry and its push/pull client.",
        subcommands = {ServeCommand.class})
public final class WharfCli implements Callable<Integer> {

    public static void main(String[] args) {
        int code = run(args);
        if (code != ServeCommand.KEEP_RUNNING) {
            System.exit(code);
        }
    }

    /** Runs the command line and returns the exit code. */
    public static int run(String... args) {
        return new CommandLine(new WharfCli()).execute(args);
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = WharfCli.class.getPackage().getImplementationVersion();
            return new String[] {"wharf " + (v == null ? "(development build)" : v)};
        }
    }
}
