package io.inertia.cli;

import io.inertia.config.InertiaConfig;
import io.inertia.io.EventFile;
import io.inertia.replay.InitialModels;
import io.inertia.replay.Replay;
import io.inertia.runtime.TopicRange;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code inertia replay}: learn from a file, or from a range of a topic, through the learner of the production
 * topology, in-process.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Feed a CSV, JSON Lines or Avro file, or a range of a Kafka topic (read_committed, every partition), "
                + "through the learner in-process and write every snapshot (JSON Lines, or .avro: the snapshot topic's "
                + "records), each with what changed since the one before; each model's final state is always the last "
                + "snapshot written for it.")
final class ReplayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--label", paramLabel = "COLUMN",
            description = "Column (CSV) or field (JSON Lines, default 'label') holding the label.")
    String label;

    @ArgGroup(exclusive = true)
    KeyChoice key = new KeyChoice();

    @Option(names = "--dense",
            description = "CSV: the feature columns, in header order, make each event's dense vector (default: named "
                    + "features called by their header).")
    boolean dense;

    @Option(names = "--epochs", defaultValue = "1", paramLabel = "K",
            description = "Passes over the file (default 1).")
    int epochs;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers of --topic; required with it unless set in --config.")
    String bootstrapServers;

    @ArgGroup(exclusive = true)
    From from = new From();

    @ArgGroup(exclusive = true)
    To to = new To();

    @Option(names = "--output", required = true, paramLabel = "SNAPSHOTS.jsonl|.avro",
            description = "File to write (required): a JSON line per snapshot, or (.avro) the snapshot records as "
                    + "published; a model in parts costs per snapshot the weights updated since the one before. "
                    + "Either form can start a later replay.")
    Path output;

    @Option(names = "--predictions", paramLabel = "PREDICTIONS.jsonl",
            description = "Also write every event's prediction (made before its update), as JSON lines or "
                    + ".avro (default: none).")
    Path predictions;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "Also draw each model's rolling prequential loss against the events it has seen "
                    + "(default: none).")
    Path plot;

    @ArgGroup(exclusive = true)
    Initial initial = new Initial();

    @Option(names = "--outcomes-topic", paramLabel = "TOPIC",
            description = "With --topic (the events): replay the raw event and outcome topics through the outcome "
                    + "joiner, each partition of both merged by record time, an outcome before an event of the same "
                    + "time (default: none, the learner alone).")
    String outcomesTopic;

    @Option(names = "--outcomes", paramLabel = "OUTCOMES.jsonl",
            description = "With --input (a JSON Lines events file): replay it and this outcomes file through the "
                    + "outcome joiner, merged by each line's timestamp, as one partition (default: none).")
    Path outcomesFile;

    @Option(names = "--window-ms", paramLabel = "MS",
            description = "With outcomes: the join window W (inertia.outcome.window.ms; default 3600000).")
    Long windowMs;

    @Option(names = "--default-label", paramLabel = "Y",
            description = "With outcomes: the label of events without outcome by their deadline "
                    + "(inertia.outcome.default-label; default none: they expire unlearned).")
    Double defaultLabel;

    @Option(names = "--default-weight", paramLabel = "S",
            description = "With outcomes: multiplies such an event's weight (inertia.outcome.default-weight; "
                    + "default 1).")
    Double defaultWeight;

    @Mixin
    LearnerOptions learner;

    @Override
    public Integer call() {
        if (epochs < 1) {
            throw usage("--epochs must be >= 1, got " + epochs);
        }
        Replay.Summary summary;
        // For the summary line only: how long the replay itself took, without the JVM's start.
        long startNanos = System.nanoTime();
        if (outcomesTopic != null || outcomesFile != null) {
            return joined(startNanos);
        }
        if (windowMs != null || defaultLabel != null || defaultWeight != null) {
            throw usage("--window-ms, --default-label and --default-weight go with --outcomes-topic or --outcomes");
        }
        if (source.input != null) {
            if ((bootstrapServers != null && initial.topic == null) || from.bound() != null || to.bound() != null) {
                throw usage("--bootstrap-servers, --from-* and --to-* go with --topic, not --input");
            }
            if (learner.featureSpec != null || !learner.config(Map.of()).featureSpecFile().isEmpty()) {
                if (label != null || key.keyColumn != null || dense) {
                    throw usage("--label, --key-column and --dense do not go with a feature spec: the spec says "
                            + "where each record's label and features are (--model-key gives the key of records "
                            + "whose spec says model-key: record-key)");
                }
                InertiaConfig config = learner.config(RunCommand.kafkaOverrides(bootstrapServers));
                summary = Replay.run(new Replay.Request(source.input, key.layout(null, false), epochs, output,
                        config), new Replay.Extras(predictions, plot), initialModels(config));
                return summarize(summary, startNanos);
            }
            String labelColumn = label;
            if (dense && (EventFile.isAvro(source.input) || EventFile.isJsonLines(source.input))) {
                throw usage("--dense goes with a CSV file: a JSON line gives its dense vector in its 'dense' field, "
                        + "an Avro event in its denseFeatures");
            }
            if (EventFile.isAvro(source.input)) {
                if (label != null || key.modelKey != null || key.keyColumn != null) {
                    throw usage("--label, --model-key and --key-column do not go with an Avro file: its events "
                            + "carry their own key and label");
                }
            } else if (labelColumn == null) {
                if (!EventFile.isJsonLines(source.input)) {
                    throw usage("--label is required for a CSV file: name the column holding the label");
                }
                labelColumn = "label";
            }
            InertiaConfig config = learner.config(RunCommand.kafkaOverrides(bootstrapServers));
            summary = Replay.run(new Replay.Request(source.input, key.layout(labelColumn, dense), epochs, output,
                    config),
                    new Replay.Extras(predictions, plot), initialModels(config));
        } else {
            if (epochs != 1) {
                throw usage("--epochs goes with --input: a topic range is replayed once");
            }
            if (label != null || key.modelKey != null || key.keyColumn != null || dense) {
                throw usage("--label, --model-key, --key-column and --dense go with --input: a topic's records "
                        + "carry their own key, features and label");
            }
            InertiaConfig config = learner.config(RunCommand.kafkaOverrides(bootstrapServers));
            RunCommand.requireBootstrap(config);
            summary = Replay.run(new Replay.TopicRequest(source.topic,
                    from.bound() == null ? TopicRange.Bound.unbounded() : from.bound(),
                    to.bound() == null ? TopicRange.Bound.unbounded() : to.bound(), output, config),
                    new Replay.Extras(predictions, plot), initialModels(config));
        }
        return summarize(summary, startNanos);
    }

    /** A replay of events and their outcomes through the joiner: from two topics, or from two files. */
    private int joined(long startNanos) {
        if (outcomesTopic != null && source.topic == null) {
            throw usage("--outcomes-topic goes with --topic (the events topic); with --input give --outcomes FILE");
        }
        if (outcomesFile != null && source.input == null) {
            throw usage("--outcomes goes with --input (the events file); with --topic give --outcomes-topic TOPIC");
        }
        if (epochs != 1 || label != null || key.modelKey != null || key.keyColumn != null || dense) {
            throw usage("--epochs, --label, --model-key, --key-column and --dense do not go with outcomes: each "
                    + "line or record is a JSON event or outcome with its own key, time and label");
        }
        if (initial.file != null || initial.topic != null) {
            throw usage("--initial-snapshots do not go with outcomes: the events pending at a snapshot are not in it");
        }
        if (from.offset != null || to.offset != null) {
            throw usage("--from-offset and --to-offset do not go with --outcomes-topic: the two topics' offsets are "
                    + "unrelated; bound both by time (--from-time, --to-time)");
        }
        Map<String, String> join = new java.util.LinkedHashMap<>();
        if (windowMs != null) {
            join.put(InertiaConfig.Key.OUTCOME_WINDOW_MS.key(), Long.toString(windowMs));
        }
        if (defaultLabel != null) {
            join.put(InertiaConfig.Key.OUTCOME_DEFAULT_LABEL.key(), Double.toString(defaultLabel));
        }
        if (defaultWeight != null) {
            join.put(InertiaConfig.Key.OUTCOME_DEFAULT_WEIGHT.key(), Double.toString(defaultWeight));
        }
        Map<String, String> kafka = new java.util.LinkedHashMap<>(RunCommand.kafkaOverrides(bootstrapServers));
        InertiaConfig config = learner.config(kafka).with(join);
        Replay.Summary summary;
        if (outcomesTopic != null) {
            RunCommand.requireBootstrap(config);
            summary = Replay.run(new Replay.JoinedTopicRequest(source.topic, outcomesTopic,
                    from.bound() == null ? TopicRange.Bound.unbounded() : from.bound(),
                    to.bound() == null ? TopicRange.Bound.unbounded() : to.bound(), output, config),
                    new Replay.Extras(predictions, plot));
        } else {
            if (bootstrapServers != null) {
                throw usage("--bootstrap-servers goes with --topic, not --input");
            }
            summary = Replay.run(new Replay.JoinedFileRequest(source.input, outcomesFile, output, config),
                    new Replay.Extras(predictions, plot));
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        spec.commandLine().getOut().printf(java.util.Locale.ROOT,
                "replayed %d records (events and outcomes) through the outcome joiner into %d model(s); wrote %d "
                        + "snapshots to %s%s; %.2f s, %.0f records/s%n",
                summary.events(), summary.models(), summary.snapshots(), output,
                summary.rejected() > 0 ? "; " + summary.rejected() + " dead letters (as live: outcomes not joined, "
                        + "bad records)" : "", seconds, seconds > 0 ? summary.events() / seconds : 0.0);
        return 0;
    }

    private int summarize(Replay.Summary summary, long startNanos) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        spec.commandLine().getOut().printf(java.util.Locale.ROOT,
                "replayed %d events%s into %d model(s); wrote %d snapshots to %s%s; %.2f s, %.0f events/s%n",
                summary.events(), summary.skipped() > 0 ? " (" + summary.skipped() + " already in the initial "
                        + "snapshots, skipped)" : "", summary.models(), summary.snapshots(), output,
                summary.rejected() > 0 ? "; " + summary.rejected() + " events rejected (dead-lettered live too)" : "",
                seconds, seconds > 0 ? summary.events() / seconds : 0.0);
        return 0;
    }

    /** The models to start from: none, a replay's output (Avro or JSON Lines), or a snapshot topic. */
    private InitialModels initialModels(InertiaConfig config) {
        if (initial.file != null) {
            return InitialModels.fromFile(initial.file);
        }
        if (initial.topic != null) {
            RunCommand.requireBootstrap(config);
            return InitialModels.fromTopic(config, initial.topic);
        }
        return InitialModels.none();
    }

    private picocli.CommandLine.ParameterException usage(String message) {
        return new picocli.CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** A file, or a topic. */
    static final class Source {
        @Option(names = "--input", paramLabel = "FILE",
                description = "CSV with a header row, .jsonl, or .avro (a container file of LabeledEvent); this or "
                        + "--topic is required.")
        Path input;

        @Option(names = "--topic", paramLabel = "TOPIC",
                description = "Topic to replay, e.g. the live learner's input (labeled-events); this or --input is "
                        + "required.")
        String topic;
    }

    /** Saved models to start from (warm start). */
    static final class Initial {
        @Option(names = "--initial-snapshots", paramLabel = "SNAPSHOTS.avro|.jsonl",
                description = "Start from the latest snapshot of each model in this output of a replay; each "
                        + "model's events up to its snapshot's input position are skipped (default: none, start "
                        + "empty).")
        Path file;

        @Option(names = "--initial-snapshots-topic", paramLabel = "TOPIC",
                description = "Start from the latest snapshot of each model in this topic (the live model-snapshots, "
                        + "read_committed, to its current end); each model's events up to its snapshot's input "
                        + "position are skipped (default: none).")
        String topic;
    }

    /** Where a topic range starts on every partition. */
    static final class From {
        @Option(names = "--from-offset", paramLabel = "N",
                description = "First offset (inclusive) of every partition (default: the beginning).")
        Long offset;

        @Option(names = "--from-time", paramLabel = "ISO-8601",
                description = "First record at or after this time, e.g. 2026-11-24T00:00:00Z (default: the "
                        + "beginning).")
        Instant time;

        TopicRange.Bound bound() {
            return offset != null ? TopicRange.Bound.atOffset(offset)
                    : time != null ? TopicRange.Bound.atTime(time) : null;
        }
    }

    /** Where a topic range ends (exclusive) on every partition. */
    static final class To {
        @Option(names = "--to-offset", paramLabel = "N",
                description = "End offset (exclusive) of every partition; default the current end.")
        Long offset;

        @Option(names = "--to-time", paramLabel = "ISO-8601",
                description = "Up to the first record at or after this time (exclusive; default: the current end).")
        Instant time;

        TopicRange.Bound bound() {
            return offset != null ? TopicRange.Bound.atOffset(offset)
                    : time != null ? TopicRange.Bound.atTime(time) : null;
        }
    }

    /** Either one model key for every row, or a column naming each row's model. */
    static final class KeyChoice {
        @Option(names = "--model-key", paramLabel = "KEY",
                description = "Model key of every event (default: a JSON line's key field, else 'default').")
        String modelKey;

        @Option(names = "--key-column", paramLabel = "COLUMN",
                description = "Column holding each event's model key (default: none, see --model-key).")
        String keyColumn;

        EventFile.Layout layout(String labelColumn, boolean dense) {
            return new EventFile.Layout(labelColumn, keyColumn, modelKey, dense);
        }
    }
}
