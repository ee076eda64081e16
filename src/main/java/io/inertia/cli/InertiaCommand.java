package io.inertia.cli;

import io.inertia.config.ConfigException;
import io.inertia.io.InputFileException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code scripts/inertia COMMAND [options]}. */
@Command(name = "inertia", mixinStandardHelpOptions = true, versionProvider = InertiaCommand.Version.class,
        description = "An online learner inside Kafka: momentum gradient descent on linear models, event by event.",
        subcommands = {ReplayCommand.class, CompareCommand.class, RunCommand.class, ProduceCommand.class,
            SnapshotsCommand.class, GenerateCommand.class, CheckCommand.class, CommandLine.HelpCommand.class})
public final class InertiaCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit status: 0 success, 1 failure, 2 bad usage or configuration. */
    public static int execute(String... args) {
        return execute(null, null, args);
    }

    /**
     * Runs the command line writing to {@code out} and {@code err} (picocli's standard output and error when null) and
     * returns its exit status: 0 success, 1 failure, 2 bad usage or configuration.
     */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new InertiaCommand());
        if (out != null) {
            commandLine.setOut(out);
        }
        if (err != null) {
            commandLine.setErr(err);
        }
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println(failed.getCommandSpec().qualifiedName() + ": " + e.getMessage()
                    + " (see '" + failed.getCommandSpec().qualifiedName() + " --help')");
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, failed, parseResult) -> {
            PrintWriter stderr = failed.getErr();
            String name = failed.getCommandSpec().qualifiedName();
            if (e instanceof ConfigException config) {
                config.problems().forEach(problem -> stderr.println(name + ": " + problem));
                return 2;
            }
            if (e instanceof InputFileException) {
                stderr.println(name + ": " + e.getMessage());
                return 1;
            }
            if (e instanceof CommandFailedException) {
                stderr.println(name + ": " + e.getMessage());
                return 1;
            }
            stderr.println(name + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = InertiaCommand.class.getPackage().getImplementationVersion();
            return new String[] {"inertia " + (version == null ? "(development build)" : version)};
        }
    }
}
