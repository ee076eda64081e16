package io.inertia.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.avro.ModelSnapshot;
import io.inertia.runtime.KafkaSetup;
import io.inertia.runtime.SnapshotReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code inertia check}: compare the published models with known true weights; or, with {@code --feature-spec}, show
 * what a feature spec makes of a few sample records.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Wait until every model of a truth file (from `inertia generate`) has published the snapshot "
                + "of its last full snapshot interval, print learned vs. true weights, and exit 1 if any parameter "
                + "misses by more than the tolerance.",
            "With --feature-spec FILE --input SAMPLE: print the events (model key, label, weight, id, features) the "
                + "first records of a sample become through the spec, as the learner would see them."})
final class CheckCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "--truth", paramLabel = "FILE.json",
            description = "True weights file (required unless --feature-spec).")
    Path truth;

    @Option(names = "--feature-spec", paramLabel = "FILE",
            description = "Feature spec (YAML) to try on --input instead of checking models (default: none).")
    Path featureSpec;

    @Option(names = "--input", paramLabel = "SAMPLE",
            description = "With --feature-spec: your records, JSON Lines (.jsonl) or an Avro container file (.avro); "
                    + "required with it.")
    Path input;

    @Option(names = "--records", defaultValue = "5", paramLabel = "N",
            description = "With --feature-spec: how many records of the sample to show (default 5).")
    int records;

    @Option(names = "--model-key", paramLabel = "KEY",
            description = "With --feature-spec whose model-key is record-key: the key of the sample's records "
                    + "(default: none, shown as the record key).")
    String modelKey;

    @Option(names = "--hash-bits", defaultValue = "0", paramLabel = "B",
            description = "With --feature-spec: also show each feature's bucket under inertia.hash-bits=B (default 0, "
                    + "none).")
    int hashBits;

    @Option(names = "--tolerance", defaultValue = "0.05", paramLabel = "T",
            description = "Largest accepted |learned − true| (default 0.05).")
    double tolerance;

    @Option(names = "--wait-ms", defaultValue = "120000", paramLabel = "MS",
            description = "How long to wait for the final snapshots (default 120000).")
    long waitMs;

    @Override
    public Integer call() throws InterruptedException {
        if (featureSpec != null) {
            return new FeatureSpecCheck(featureSpec, input, records, modelKey, hashBits)
                    .print(spec.commandLine().getOut(), spec.commandLine());
        }
        if (input != null || modelKey != null || hashBits != 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--input, --model-key and --hash-bits go with --feature-spec");
        }
        if (truth == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--truth FILE.json is required (or --feature-spec FILE --input SAMPLE)");
        }
        JsonNode models = readTruth().get("models");
        PrintWriter out = spec.commandLine().getOut();
        Map<String, ModelSnapshot> latest = new TreeMap<>();
        try (SnapshotReader reader = new SnapshotReader(client.config())) {
            long deadline = System.nanoTime() + waitMs * 1_000_000;
            while (!complete(models, latest)) {
                if (System.nanoTime() > deadline) {
                    throw new CommandFailedException("models did not reach their final snapshot within " + waitMs
                            + " ms; latest versions: " + versions(latest));
                }
                reader.latest(null).forEach((key, snapshot) -> latest.merge(key, snapshot,
                        (old, now) -> now.getVersion() >= old.getVersion() ? now : old));
            }
        } catch (KafkaSetup.ClusterUnavailableException e) {
            throw new CommandFailedException(e.getMessage(), e);
        }
        int misses = 0;
        out.printf("%-10s %-9s %10s %10s %9s%n", "model", "parameter", "true", "learned", "|error|");
        for (Map.Entry<String, JsonNode> model : models.properties()) {
            ModelSnapshot snapshot = latest.get(model.getKey());
            Map<String, Double> expected = new TreeMap<>();
            model.getValue().get("weights").properties().forEach(w -> expected.put(w.getKey(), w.getValue().asDouble()));
            for (Map.Entry<String, Double> weight : expected.entrySet()) {
                Double learned = snapshot.getNamedWeights().get(weight.getKey());
                misses += row(out, model.getKey(), weight.getKey(), weight.getValue(), learned == null ? 0 : learned);
            }
            misses += row(out, model.getKey(), "bias", model.getValue().get("bias").asDouble(), snapshot.getBias());
            out.printf("%-10s version %d, running loss %.5g%n", "", snapshot.getVersion(), snapshot.getRunningLoss());
        }
        out.flush();
        if (misses > 0) {
            throw new CommandFailedException(misses + " parameter(s) missed the true weights by more than "
                    + tolerance);
        }
        out.printf("all %d models within %s of their true weights%n", latest.size(), tolerance);
        return 0;
    }

    private int row(PrintWriter out, String model, String parameter, double expected, double learned) {
        double error = Math.abs(learned - expected);
        boolean miss = !(error <= tolerance);
        out.printf("%-10s %-9s %10.4f %10.4f %9.4f%s%n", model, parameter, expected, learned, error,
                miss ? "  MISSED" : "");
        return miss ? 1 : 0;
    }

    private static boolean complete(JsonNode models, Map<String, ModelSnapshot> latest) {
        for (Map.Entry<String, JsonNode> model : models.properties()) {
            ModelSnapshot snapshot = latest.get(model.getKey());
            if (snapshot == null) {
                return false;
            }
            long every = snapshot.getHyperParameters().getSnapshotEvery();
            long finalVersion = model.getValue().get("events").asLong() / every * every;
            if (snapshot.getVersion() < finalVersion) {
                return false;
            }
        }
        return true;
    }

    private static String versions(Map<String, ModelSnapshot> latest) {
        Map<String, Long> versions = new TreeMap<>();
        latest.forEach((key, snapshot) -> versions.put(key, snapshot.getVersion()));
        return versions.toString();
    }

    private JsonNode readTruth() {
        try {
            JsonNode root = new ObjectMapper().readTree(truth.toFile());
            if (root == null || root.get("models") == null || !root.get("models").isObject()) {
                throw new CommandFailedException(truth + ": no 'models' object");
            }
            return root;
        } catch (IOException e) {
            throw new CommandFailedException("cannot read " + truth + ": " + e.getMessage(), e);
        }
    }
}
