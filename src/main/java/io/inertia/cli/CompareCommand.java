package io.inertia.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inertia.config.InertiaConfig;
import io.inertia.io.EventFile;
import io.inertia.replay.Comparison;
import io.inertia.replay.Replay;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code inertia compare}: the final models of two or more replays side by side, and a gate on the difference. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Compare the final models of replays (their snapshot files, JSON Lines or .avro, the first the "
                + "base; or "
                + "replay --input once per --config): "
                + "per model and run the events, mean and windowed prequential loss, other metrics, the change of "
                + "the mean loss against the base and the largest weight difference from it.")
final class CompareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "SNAPSHOTS.jsonl",
            description = "Outputs of inertia replay: the base, then one or more candidates.")
    List<Path> runs = new ArrayList<>();

    @Option(names = "--input", paramLabel = "FILE",
            description = "Instead of replay outputs: replay this event file once per --config and compare those "
                    + "(default: none, compare the files given).")
    Path input;

    @Option(names = "--label", paramLabel = "COLUMN",
            description = "With --input: the label column (as replay; default label for JSON Lines).")
    String label;

    @Option(names = "--key-column", paramLabel = "COLUMN",
            description = "With --input: the model key column (default: none, one model).")
    String keyColumn;

    @Option(names = "--config", paramLabel = "FILE.properties",
            description = "With --input, two or more (required then): the settings of each run, the first the base.")
    List<Path> configs = new ArrayList<>();

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the comparison as JSON (default: none).")
    Path json;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "Also draw each run's windowed prequential loss at every snapshot against the events seen "
                    + "(default: none).")
    Path plot;

    @Option(names = "--fail-if-worse", paramLabel = "PCT",
            description = "Exit 1 when a candidate's mean prequential loss of a model is worse than the base's by "
                    + "more than PCT percent (or lacks a model the base has); default: no gate, exit 0.")
    Double failIfWorse;

    @Override
    public Integer call() {
        if (failIfWorse != null && !(failIfWorse >= 0 && Double.isFinite(failIfWorse))) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--fail-if-worse must be a percentage >= 0, got " + failIfWorse);
        }
        List<Path> files = runs;
        if (input != null) {
            if (!runs.isEmpty() || configs.size() < 2) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--input needs two or more --config files and no replay outputs");
            }
            files = replayEach();
        } else if (!configs.isEmpty() || label != null || keyColumn != null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--config, --label and --key-column go with --input");
        } else if (runs.size() < 2) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "compare needs two or more replay outputs (the base first), or --input with --config files");
        }
        runs = files;
        Comparison comparison = Comparison.of(runs);
        PrintWriter out = spec.commandLine().getOut();
        print(comparison, out);
        List<String> failures = failIfWorse == null ? List.of() : comparison.worseThan(failIfWorse);
        if (json != null) {
            writeJson(comparison, failures);
        }
        if (plot != null) {
            Comparison.plot(runs, plot);
        }
        if (!failures.isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            failures.forEach(failure -> err.println("inertia compare: " + failure));
            return 1;
        }
        return 0;
    }

    /**
     * Replays {@link #input} once per configuration into a temporary directory, each output named after its
     * configuration file; returns the outputs in the order of the configurations.
     */
    private List<Path> replayEach() {
        String labelColumn = label;
        if (labelColumn == null && !EventFile.isAvro(input)) {
            if (!EventFile.isJsonLines(input)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--label is required for a CSV file: name the column holding the label");
            }
            labelColumn = "label";
        }
        Path directory;
        try {
            directory = Files.createTempDirectory("inertia-compare");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory: " + e.getMessage(), e);
        }
        directory.toFile().deleteOnExit();
        List<Path> outputs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Path config : configs) {
            String name = config.getFileName().toString().replaceFirst("\\.properties$", "");
            while (!names.add(name)) {
                name = name + "-" + names.size();
            }
            Path output = directory.resolve(name + ".jsonl");
            output.toFile().deleteOnExit();
            Replay.run(new Replay.Request(input, new EventFile.Layout(labelColumn, keyColumn, null), 1, output,
                    InertiaConfig.load(config, Map.of())));
            outputs.add(output);
        }
        return outputs;
    }

    private static void print(Comparison comparison, PrintWriter out) {
        String format = "%-20s %-28s %4s %10s %14s %14s %12s %12s  %s%n";
        out.printf(Locale.ROOT, format, "model", "run", "rank", "events", "mean loss", "window loss", "Δ mean loss",
                "max |Δw|", "metrics");
        for (Comparison.Row row : comparison.rows()) {
            Comparison.Entry entry = row.entry();
            if (entry == null) {
                out.printf(Locale.ROOT, format, row.model(), row.run(), "—", "—", "—", "—", "—", "—", "no such model");
                continue;
            }
            StringBuilder metrics = new StringBuilder();
            entry.metrics().forEach((name, value) -> metrics.append(metrics.length() == 0 ? "" : " ").append(name)
                    .append('=').append(String.format(Locale.ROOT, "%.6g", value)));
            out.printf(Locale.ROOT, format, row.model(), row.run(), row.rank(), entry.version(),
                    String.format(Locale.ROOT, "%.6g", entry.meanLoss()),
                    String.format(Locale.ROOT, "%.6g", entry.windowMeanLoss()),
                    Double.isNaN(row.meanLossChangePercent()) ? "—"
                            : String.format(Locale.ROOT, "%+.2f%%", row.meanLossChangePercent()),
                    Double.isNaN(row.largestWeightDifference()) ? "—"
                            : String.format(Locale.ROOT, "%.3g", row.largestWeightDifference()),
                    metrics);
        }
    }

    private void writeJson(Comparison comparison, List<String> failures) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("base", comparison.runs().get(0));
        comparison.runs().forEach(root.putArray("runs")::add);
        ArrayNode rows = root.putArray("models");
        for (Comparison.Row row : comparison.rows()) {
            ObjectNode node = rows.addObject();
            node.put("model", row.model());
            node.put("run", row.run());
            Comparison.Entry entry = row.entry();
            node.put("present", entry != null);
            if (entry != null) {
                node.put("rank", row.rank());
                node.put("events", entry.version());
                node.put("meanLoss", entry.meanLoss());
                node.put("windowMeanLoss", entry.windowMeanLoss());
                ObjectNode metrics = node.putObject("metrics");
                for (Map.Entry<String, Double> metric : entry.metrics().entrySet()) {
                    metrics.put(metric.getKey(), metric.getValue());
                }
            }
            if (!Double.isNaN(row.meanLossChangePercent())) {
                node.put("meanLossChangePercent", row.meanLossChangePercent());
            }
            if (!Double.isNaN(row.largestWeightDifference())) {
                node.put("largestWeightDifference", row.largestWeightDifference());
            }
        }
        if (failIfWorse != null) {
            root.put("failIfWorsePercent", failIfWorse);
            failures.forEach(root.putArray("failures")::add);
        }
        try {
            mapper.writeValue(json.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + json + ": " + e.getMessage(), e);
        }
    }
}
