package io.inertia.cli;

import io.inertia.io.EventFile;
import io.inertia.replay.Replay;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code inertia replay}: learn from a file through the production topology, without a broker. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Feed a CSV or JSON Lines file through the learner topology in-process (no broker) and write "
                + "every snapshot as a JSON line; each model's final state is always the last line written for it.")
final class ReplayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "CSV with a header row, or .jsonl.")
    Path input;

    @Option(names = "--label", required = true, paramLabel = "COLUMN", description = "Column holding the label.")
    String label;

    @ArgGroup(exclusive = true)
    KeyChoice key = new KeyChoice();

    @Option(names = "--epochs", defaultValue = "1", paramLabel = "K", description = "Passes over the file (default 1).")
    int epochs;

    @Option(names = "--output", required = true, paramLabel = "SNAPSHOTS.jsonl", description = "File to write.")
    Path output;

    @Mixin
    LearnerOptions learner;

    @Override
    public Integer call() {
        if (epochs < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--epochs must be >= 1, got " + epochs);
        }
        Replay.Summary summary = Replay.run(new Replay.Request(input, key.layout(label), epochs, output,
                learner.config(Map.of())));
        spec.commandLine().getOut().printf("replayed %d events into %d model(s); wrote %d snapshots to %s%n",
                summary.events(), summary.models(), summary.snapshots(), output);
        return 0;
    }

    /** Either one model key for every row, or a column naming each row's model. */
    static final class KeyChoice {
        @Option(names = "--model-key", paramLabel = "KEY",
                description = "Model key of every event (default: a JSON line's key field, else 'default').")
        String modelKey;

        @Option(names = "--key-column", paramLabel = "COLUMN", description = "Column holding each event's model key.")
        String keyColumn;

        EventFile.Layout layout(String labelColumn) {
            return new EventFile.Layout(labelColumn, keyColumn, modelKey);
        }
    }
}
