package io.inertia.cli;

import io.inertia.config.InertiaConfig;
import io.inertia.config.InertiaConfig.Key;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options shared by the commands that learn: a properties file and overrides of its settings. Precedence, lowest
 * first: built-in defaults, {@code --config FILE}, {@code --property KEY=VALUE}, then the dedicated options.
 */
final class LearnerOptions {

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file of inertia.* and Kafka settings.")
    Path configFile;

    @Option(names = {"-p", "--property"}, paramLabel = "KEY=VALUE",
            description = "Any setting, inertia.* or Kafka; overrides --config. Repeatable.")
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(names = "--loss", paramLabel = "NAME", description = "squared or logistic (inertia.loss).")
    String loss;

    @Option(names = "--learning-rate", paramLabel = "ETA", description = "Learning rate η > 0 (inertia.learning-rate).")
    String learningRate;

    @Option(names = "--momentum", paramLabel = "BETA", description = "Momentum β in [0, 1) (inertia.momentum).")
    String momentum;

    @Option(names = "--snapshot-every", paramLabel = "N",
            description = "Publish a snapshot every N updates of a model (inertia.snapshot-every).")
    String snapshotEvery;

    @Option(names = "--loss-smoothing", paramLabel = "ALPHA",
            description = "Weight of the newest loss in the running loss (inertia.loss-smoothing).")
    String lossSmoothing;

    /** The configuration these options describe, with {@code extra} applied last. */
    InertiaConfig config(Map<String, String> extra) {
        Map<String, String> overrides = new LinkedHashMap<>(properties);
        put(overrides, Key.LOSS, loss);
        put(overrides, Key.LEARNING_RATE, learningRate);
        put(overrides, Key.MOMENTUM, momentum);
        put(overrides, Key.SNAPSHOT_EVERY, snapshotEvery);
        put(overrides, Key.LOSS_SMOOTHING, lossSmoothing);
        overrides.putAll(extra);
        return InertiaConfig.load(configFile, overrides);
    }

    private static void put(Map<String, String> overrides, Key key, String value) {
        if (value != null) {
            overrides.put(key.key(), value);
        }
    }
}
