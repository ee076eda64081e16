package io.inertia.config;

import io.inertia.model.Loss;
import io.inertia.model.MomentumOptimizer;
import io.inertia.model.OnlineLearner;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Inertia's configuration: typed, immutable, validated once when built.
 *
 * <p>Keys starting with {@code inertia.} are Inertia's own (see {@link Key}); every other key is a Kafka setting and
 * is passed to Kafka Streams and the Kafka clients unchanged. Sources are layered: built-in defaults, then a
 * properties file, then command-line overrides, each later one winning.
 */
public final class InertiaConfig {

    /** Prefix of Inertia's own keys. */
    public static final String PREFIX = "inertia.";

    /** Inertia's own settings, with their defaults and descriptions (the README's configuration table). */
    public enum Key {
        INPUT_TOPIC("inertia.topic.input", "labeled-events", "Topic of LabeledEvent records, keyed by model key."),
        SNAPSHOT_TOPIC("inertia.topic.snapshots", "model-snapshots",
                "Topic the ModelSnapshot records are published to, keyed by model key (compacted)."),
        DEAD_LETTER_TOPIC("inertia.topic.dead-letters", "dead-letters",
                "Topic that receives every event that cannot be learned from, with the reason in headers."),
        TOPIC_PARTITIONS("inertia.topic.partitions", "1",
                "Partitions of the topics `run` creates when they are missing."),
        TOPIC_REPLICATION_FACTOR("inertia.topic.replication-factor", "1",
                "Replication factor of the topics `run` creates when they are missing."),
        LOSS("inertia.loss", "squared", "Loss function: squared or logistic."),
        LEARNING_RATE("inertia.learning-rate", Double.toString(MomentumOptimizer.DEFAULT_LEARNING_RATE),
                "Learning rate η > 0."),
        MOMENTUM("inertia.momentum", Double.toString(MomentumOptimizer.DEFAULT_MOMENTUM),
                "Momentum β in [0, 1); 0 is plain SGD."),
        SNAPSHOT_EVERY("inertia.snapshot-every", "1000", "Publish a snapshot after every N updates of a model (N ≥ 1)."),
        LOSS_SMOOTHING("inertia.loss-smoothing", Double.toString(OnlineLearner.DEFAULT_LOSS_SMOOTHING),
                "Weight α in (0, 1] of the newest loss in the running loss."),
        STARTUP_TIMEOUT_MS("inertia.startup-timeout-ms", "30000",
                "How long `run`, `produce` and `snapshots` wait for the cluster before giving up (ms)."),
        PROGRESS_INTERVAL_MS("inertia.progress-interval-ms", "10000",
                "Interval of `run`'s progress log line (ms; logging only, never reaches a model).");

        private final String key;
        private final String defaultValue;
        private final String description;

        Key(String key, String defaultValue, String description) {
            this.key = key;
            this.defaultValue = defaultValue;
            this.description = description;
        }

        /** The property name. */
        public String key() {
            return key;
        }

        /** The default value, as text. */
        public String defaultValue() {
            return defaultValue;
        }

        /** One line saying what the setting does. */
        public String description() {
            return description;
        }
    }

    private final String inputTopic;
    private final String snapshotTopic;
    private final String deadLetterTopic;
    private final int topicPartitions;
    private final short topicReplicationFactor;
    private final Loss loss;
    private final double learningRate;
    private final double momentum;
    private final long snapshotEvery;
    private final double lossSmoothing;
    private final long startupTimeoutMs;
    private final long progressIntervalMs;
    private final SortedMap<String, String> kafka;

    private InertiaConfig(Parser p) {
        inputTopic = p.topic(Key.INPUT_TOPIC);
        snapshotTopic = p.topic(Key.SNAPSHOT_TOPIC);
        deadLetterTopic = p.topic(Key.DEAD_LETTER_TOPIC);
        topicPartitions = p.integer(Key.TOPIC_PARTITIONS, 1, Integer.MAX_VALUE);
        topicReplicationFactor = (short) p.integer(Key.TOPIC_REPLICATION_FACTOR, 1, Short.MAX_VALUE);
        loss = p.loss();
        learningRate = p.number(Key.LEARNING_RATE, v -> v > 0 ? null : "must be > 0");
        momentum = p.number(Key.MOMENTUM, v -> v >= 0 && v < 1 ? null : "must be in [0, 1)");
        snapshotEvery = p.integer(Key.SNAPSHOT_EVERY, 1, Long.MAX_VALUE);
        lossSmoothing = p.number(Key.LOSS_SMOOTHING, v -> v > 0 && v <= 1 ? null : "must be in (0, 1]");
        startupTimeoutMs = p.integer(Key.STARTUP_TIMEOUT_MS, 1, Long.MAX_VALUE);
        progressIntervalMs = p.integer(Key.PROGRESS_INTERVAL_MS, 1, Long.MAX_VALUE);
        kafka = Collections.unmodifiableSortedMap(p.kafka());
        p.rejectUnknownKeys();
        if (!p.problems.isEmpty()) {
            throw new ConfigException(p.problems);
        }
    }

    /** The configuration with every setting at its default. */
    public static InertiaConfig defaults() {
        return of(Map.of());
    }

    /** A configuration from {@code settings} over the defaults. */
    public static InertiaConfig of(Map<String, String> settings) {
        return new InertiaConfig(new Parser(settings));
    }

    /**
     * A configuration from a properties file (when {@code file} is not null) with {@code overrides} applied on top.
     *
     * @throws ConfigException when the file cannot be read or any value is invalid
     */
    public static InertiaConfig load(Path file, Map<String, String> overrides) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new ConfigException(List.of("cannot read config file " + file + ": " + e.getMessage()));
            }
            for (String name : properties.stringPropertyNames()) {
                settings.put(name, properties.getProperty(name));
            }
        }
        settings.putAll(overrides);
        return of(settings);
    }

    /** A copy of this configuration with {@code overrides} applied. */
    public InertiaConfig with(Map<String, String> overrides) {
        Map<String, String> settings = new LinkedHashMap<>(asMap());
        settings.putAll(overrides);
        return of(settings);
    }

    /** Every setting, Inertia's and Kafka's, as text. */
    public SortedMap<String, String> asMap() {
        SortedMap<String, String> all = new TreeMap<>(kafka);
        all.put(Key.INPUT_TOPIC.key(), inputTopic);
        all.put(Key.SNAPSHOT_TOPIC.key(), snapshotTopic);
        all.put(Key.DEAD_LETTER_TOPIC.key(), deadLetterTopic);
        all.put(Key.TOPIC_PARTITIONS.key(), Integer.toString(topicPartitions));
        all.put(Key.TOPIC_REPLICATION_FACTOR.key(), Short.toString(topicReplicationFactor));
        all.put(Key.LOSS.key(), loss.name());
        all.put(Key.LEARNING_RATE.key(), Double.toString(learningRate));
        all.put(Key.MOMENTUM.key(), Double.toString(momentum));
        all.put(Key.SNAPSHOT_EVERY.key(), Long.toString(snapshotEvery));
        all.put(Key.LOSS_SMOOTHING.key(), Double.toString(lossSmoothing));
        all.put(Key.STARTUP_TIMEOUT_MS.key(), Long.toString(startupTimeoutMs));
        all.put(Key.PROGRESS_INTERVAL_MS.key(), Long.toString(progressIntervalMs));
        return all;
    }

    /** Topic of the labeled events. */
    public String inputTopic() {
        return inputTopic;
    }

    /** Topic of the model snapshots. */
    public String snapshotTopic() {
        return snapshotTopic;
    }

    /** Topic of the events that could not be learned from. */
    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    /** Partitions of topics created when missing. */
    public int topicPartitions() {
        return topicPartitions;
    }

    /** Replication factor of topics created when missing. */
    public short topicReplicationFactor() {
        return topicReplicationFactor;
    }

    /** The loss function. */
    public Loss loss() {
        return loss;
    }

    /** Learning rate η. */
    public double learningRate() {
        return learningRate;
    }

    /** Momentum β. */
    public double momentum() {
        return momentum;
    }

    /** A snapshot is published after every this many updates of a model. */
    public long snapshotEvery() {
        return snapshotEvery;
    }

    /** Weight α of the newest loss in the running loss. */
    public double lossSmoothing() {
        return lossSmoothing;
    }

    /** How long to wait for the cluster at start, in ms. */
    public long startupTimeoutMs() {
        return startupTimeoutMs;
    }

    /** Interval of the progress log line, in ms. */
    public long progressIntervalMs() {
        return progressIntervalMs;
    }

    /** The Kafka settings (every key without the {@code inertia.} prefix), unchanged. */
    public SortedMap<String, String> kafka() {
        return kafka;
    }

    /** The learner these settings describe. */
    public OnlineLearner learner() {
        return new OnlineLearner(loss, MomentumOptimizer.of(learningRate, momentum), lossSmoothing);
    }

    /** Reads settings and collects every problem, so that one run reports them all. */
    private static final class Parser {
        private final Map<String, String> settings;
        private final List<String> problems = new ArrayList<>();

        Parser(Map<String, String> settings) {
            this.settings = settings;
        }

        private String raw(Key key) {
            String value = settings.get(key.key());
            return value == null ? key.defaultValue() : value.trim();
        }

        String topic(Key key) {
            String value = raw(key);
            if (value.isEmpty()) {
                problems.add(key.key() + ": must not be empty");
            }
            return value;
        }

        long integer(Key key, long min, long max) {
            String value = raw(key);
            try {
                long parsed = Long.parseLong(value);
                if (parsed < min || parsed > max) {
                    problems.add(key.key() + ": must be " + (max == Long.MAX_VALUE || max == Integer.MAX_VALUE
                            ? ">= " + min : "between " + min + " and " + max) + ", got " + value);
                }
                return parsed;
            } catch (NumberFormatException e) {
                problems.add(key.key() + ": '" + value + "' is not a whole number");
                return min;
            }
        }

        int integer(Key key, int min, int max) {
            return (int) integer(key, (long) min, (long) max);
        }

        double number(Key key, Function<Double, String> check) {
            String value = raw(key);
            double parsed;
            try {
                parsed = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                problems.add(key.key() + ": '" + value + "' is not a number");
                return Double.NaN;
            }
            String problem = Double.isFinite(parsed) ? check.apply(parsed) : "must be a finite number";
            if (problem != null) {
                problems.add(key.key() + ": " + problem + ", got " + value);
            }
            return parsed;
        }

        Loss loss() {
            String value = raw(Key.LOSS);
            return Loss.byName(value).orElseGet(() -> {
                problems.add(Key.LOSS.key() + ": unknown loss '" + value + "', expected one of "
                        + String.join(", ", Loss.names()));
                return Loss.squared();
            });
        }

        SortedMap<String, String> kafka() {
            SortedMap<String, String> kafka = new TreeMap<>();
            settings.forEach((name, value) -> {
                if (!name.startsWith(PREFIX)) {
                    kafka.put(name, value);
                }
            });
            return kafka;
        }

        void rejectUnknownKeys() {
            new TreeMap<>(settings).keySet().stream()
                    .filter(name -> name.startsWith(PREFIX))
                    .filter(name -> java.util.Arrays.stream(Key.values()).noneMatch(k -> k.key().equals(name)))
                    .forEach(name -> problems.add(name + ": unknown setting"));
        }
    }
}
