package io.inertia.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Prediction;
import io.inertia.config.ConfigException;
import io.inertia.config.InertiaConfig;
import io.inertia.spec.FeatureExtractor;
import io.inertia.spec.FeatureSpec;
import io.inertia.spec.JsonRecordDecoder;
import io.inertia.spec.SpecEventReader;
import io.inertia.topology.InertiaTopology;
import java.io.BufferedReader;
import io.inertia.io.EventFile;
import io.inertia.io.InputFileException;
import io.inertia.runtime.TopicRange;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import io.inertia.topology.DeadLetterHeaders;
import io.inertia.topology.LearningObserver;
import io.inertia.topology.ModelStore;
import io.inertia.topology.SnapshotAssembler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/**
 * Feeds the events of a file, in file order and {@code epochs} times over, through the learner of
 * {@code InertiaTopology} (the same processor and stores as {@code inertia run}, driven by a {@link LocalLearner}),
 * and writes every snapshot it publishes (see {@link SnapshotFile}: JSON Lines or Avro, each snapshot costing the
 * weights updated since the one before, as on the snapshot topic). After the last event, every model whose final
 * state was not just published gets a final snapshot, so the file always ends with each model's final state. Nothing
 * else is kept: memory is the models' (within {@code inertia.model-cache-max-bytes} for those in memory), whatever
 * the length.
 *
 * <p>Event i (0-based, counting across epochs) gets record timestamp i ms, so a replay is a pure function of its
 * file and settings. The output is written to a temporary file and moved into place only when the whole replay
 * succeeded; a malformed row, or an event the learner rejects, stops the replay with its line number.
 */
public final class Replay {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What to replay.
     *
     * @param input the event file
     * @param layout how its rows become events
     * @param epochs how many passes over the file (≥ 1)
     * @param output the snapshot file to write (Avro when named .avro, else JSON Lines)
     * @param config learner settings
     */
    public record Request(Path input, EventFile.Layout layout, int epochs, Path output, InertiaConfig config) {
    }

    /**
     * What to replay from a topic: a range of it, read as the live learner reads it (see {@link TopicRange}), each
     * record with its own key, timestamp and position.
     *
     * @param topic the topic, usually the live learner's input topic
     * @param from where the range starts on each partition
     * @param to where it ends (exclusive)
     * @param output the snapshot file to write (Avro when named .avro, else JSON Lines)
     * @param config learner settings and the Kafka client settings to read with
     */
    public record TopicRequest(String topic, TopicRange.Bound from, TopicRange.Bound to, Path output,
            InertiaConfig config) {
    }

    /**
     * What to replay from the raw event and outcome topics, as the outcome joiner saw them live: partition p of each,
     * merged by record timestamp (on equal times the outcome first), through a joiner of its own (its pending events
     * and clocks, as a live task has) and the learner. With {@code config}'s window, default label and weight, and
     * learning settings, which may differ from the live run's: a what-if run.
     *
     * @param eventTopic the events topic (the live learner's input)
     * @param outcomeTopic the outcomes topic, with as many partitions
     * @param from where the range starts on every partition of both (unbounded or a time)
     * @param to where it ends, exclusive (unbounded or a time)
     * @param output the snapshot file to write (Avro when named .avro, else JSON Lines)
     * @param config learner and joiner settings and the Kafka client settings to read with
     */
    public record JoinedTopicRequest(String eventTopic, String outcomeTopic, TopicRange.Bound from,
            TopicRange.Bound to, Path output, InertiaConfig config) {
    }

    /**
     * What to replay from an events file and an outcomes file (JSON Lines, each line a JSON event or outcome with its
     * record time in {@code timestamp}, ms, and its model key in {@code key}: {@code inertia generate --clicks
     * --outcomes}'s files), merged by {@code timestamp} (on equal times the outcome first), each file read in its own
     * order, through one joiner (as one partition) and the learner.
     *
     * @param events the events file
     * @param outcomes the outcomes file
     * @param output the snapshot file to write (Avro when named .avro, else JSON Lines)
     * @param config learner and joiner settings
     */
    public record JoinedFileRequest(Path events, Path outcomes, Path output, InertiaConfig config) {
    }

    /**
     * What a replay writes besides its snapshots.
     *
     * @param predictions a JSON Lines file for every event's prediction (made before its update), or null
     * @param plot a PNG of each model's rolling prequential loss against the events it has seen, or null
     */
    public record Extras(Path predictions, Path plot) {
        /** Nothing besides the snapshots. */
        public static Extras none() {
            return new Extras(null, null);
        }
    }

    /**
     * What a replay did.
     *
     * @param events events read
     * @param snapshots snapshot lines written
     * @param models number of distinct models
     * @param rejected events the learner rejected (a topic replay goes on, as the live learner does)
     * @param skipped events read but skipped because their model's initial snapshot already reflects them
     */
    public record Summary(long events, long snapshots, int models, long rejected, long skipped) {
    }

    /**
     * Why a topic replay through a spec whose model key is a field or a constant reads the re-keyed topic rather than
     * the input: the file, the re-keyed topic, the topic asked for.
     */
    public static final String REPLAY_THE_REKEYED_TOPIC = "%s: model-key from a field or a constant: the live "
            + "learner reads the records re-keyed, so replay the re-keyed topic --topic %s (inertia.topic.rekeyed), "
            + "not %s";

    private Replay() {
    }

    /** Runs {@code request}; see the class documentation. */
    public static Summary run(Request request) {
        return run(request, Extras.none());
    }

    /** Runs {@code request}, also writing what {@code extras} asks for. */
    public static Summary run(Request request, Extras extras) {
        return run(request, extras, InitialModels.none());
    }

    /**
     * Runs {@code request} from the models of {@code initial} (see {@link InitialModels}), also writing what
     * {@code extras} asks for.
     */
    public static Summary run(Request request, Extras extras, InitialModels initial) {
        if (request.epochs() < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + request.epochs());
        }
        InertiaConfig config = request.config();
        if (config.featureSpec() != null) {
            return replayRecords(request, extras, initial);
        }
        return replay(config, request.output(), extras, initial, 1, (learner, outputs) -> {
            long rows = Progress.estimatedRows(request.input(), !EventFile.isJsonLines(request.input()));
            try (Progress progress = Progress.of("replay " + request.input().getFileName(),
                    rows < 0 ? -1 : rows * request.epochs())) {
                return feed(request, learner, outputs, progress);
            }
        });
    }

    /**
     * The file's events, epoch after epoch, in file order; event i gets timestamp and offset i, at partition 0 of
     * {@link #fileTopic the file's own topic name}. The rows are read and encoded on a thread of their own, ahead of
     * the learner (see {@link PrefetchedBatches}).
     */
    private static long feed(Request request, LocalLearner learner, Outputs outputs, Progress progress) {
        String topic = fileTopic(request.input());
        boolean skipping = outputs.initial.hasPositions();
        long eventCount = 0;
        try (PrefetchedBatches batches = new PrefetchedBatches(request.input(),
                request.layout().withClassNames(request.config().classNames()), request.epochs())) {
            for (io.inertia.io.EventBatch batch = batches.next(); batch != null; batch = batches.next()) {
                for (int i = 0; i < batch.size(); i++) {
                    long offset = eventCount++;
                    if (skipping && outputs.initial.covers(new String(batch.key(i), StandardCharsets.UTF_8), topic,
                            0, offset)) {
                        outputs.skipped++;
                        progress.step();
                        continue;
                    }
                    learner.process(batch.key(i), batch.value(i), offset, topic, 0, offset);
                    outputs.check();
                    if (outputs.rejection != null) {
                        throw new InputFileException(batches.file(), batch.line(i), outputs.rejection);
                    }
                    progress.step();
                }
            }
        }
        return eventCount;
    }

    /**
     * A JSON Lines file of the user's own records through the feature spec: each line is a record as a producer would
     * write it to the topic, read by the learner through the spec as {@code inertia.input.format=json} reads it. A file
     * is one ordered stream, so the model key may come from a field or a constant without any re-keying; with
     * {@code model-key: record-key} the layout's model key is every record's key.
     */
    private static Summary replayRecords(Request request, Extras extras, InitialModels initial) {
        Path input = request.input();
        if (!EventFile.isJsonLines(input)) {
            throw new InputFileException(input.toString(), "a replay through a feature spec reads JSON Lines files "
                    + "(.jsonl), one record per line");
        }
        String recordKey = request.layout().modelKey();
        if (recordKey == null && request.config().featureSpec().modelKey() instanceof FeatureSpec.RecordKey) {
            throw new InputFileException(input.toString(), "a file's records have no keys: with model-key: "
                    + "record-key give the model key (--model-key KEY), or take it from a field or a constant in the "
                    + "spec");
        }
        // The records are JSON whatever the live topic's format; the registry and schema file are the topic's.
        InertiaConfig config = request.config().with(Map.of(InertiaConfig.Key.INPUT_FORMAT.key(), "json",
                InertiaConfig.Key.SCHEMA_REGISTRY_URL.key(), "", InertiaConfig.Key.INPUT_READER_SCHEMA.key(), ""));
        SpecEventReader keys = new SpecEventReader(new JsonRecordDecoder(),
                FeatureExtractor.keysOnly(config.featureSpec()));
        String topic = fileTopic(input);
        return replay(config, request.output(), extras, initial, 1, (learner, outputs) -> {
            long rows = Progress.estimatedRows(input, false);
            long events = 0;
            try (Progress progress = Progress.of("replay " + input.getFileName(),
                    rows < 0 ? -1 : rows * request.epochs())) {
                for (int epoch = 0; epoch < request.epochs(); epoch++) {
                    try (BufferedReader reader = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
                        long line = 0;
                        for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                            line++;
                            if (text.isBlank()) {
                                continue;
                            }
                            byte[] value = text.getBytes(StandardCharsets.UTF_8);
                            String key;
                            try {
                                key = keys.modelKey(topic, recordKey, value);
                            } catch (SerializationException e) {
                                throw new InputFileException(input.toString(), line, e.getMessage());
                            }
                            long offset = events++;
                            progress.step();
                            if (outputs.initial.hasPositions() && outputs.initial.covers(key, topic, 0, offset)) {
                                outputs.skipped++;
                                continue;
                            }
                            learner.process(key.getBytes(StandardCharsets.UTF_8), value, offset, topic, 0, offset);
                            outputs.check();
                            if (outputs.rejection != null) {
                                throw new InputFileException(input.toString(), line, outputs.rejection);
                            }
                        }
                    } catch (IOException e) {
                        throw new InputFileException(input.toString(), "cannot read: " + e.getMessage());
                    }
                }
            }
            return events;
        });
    }

    /**
     * The topic name a replayed file's events are reported at (in their snapshots' input position): {@code file:}
     * and the file's name, which no Kafka topic can have, so that a warm start never mistakes file events for topic
     * events.
     */
    public static String fileTopic(Path input) {
        return "file:" + input.getFileName();
    }

    /** Runs {@code request}: the range of the topic, record by record, with their own timestamps and positions. */
    public static Summary run(TopicRequest request) {
        return run(request, Extras.none());
    }

    /** As {@link #run(TopicRequest)}, also writing what {@code extras} asks for. */
    public static Summary run(TopicRequest request, Extras extras) {
        return run(request, extras, InitialModels.none());
    }

    /**
     * As {@link #run(TopicRequest)}, from the models of {@code initial}: each model's records up to the input position
     * of its snapshot are skipped, so that it continues exactly after it.
     */
    public static Summary run(TopicRequest request, Extras extras, InitialModels initial) {
        if (request.config().rekeys() && !request.topic().equals(request.config().rekeyedTopic())) {
            // Live, the learner reads the records re-keyed, each model's in the order of the re-keyed topic, which
            // interleaves the input's partitions as they arrived: only that topic replays what run learned.
            throw new ConfigException(List.of(REPLAY_THE_REKEYED_TOPIC.formatted(request.config().featureSpecFile(),
                    request.config().rekeyedTopic(), request.topic())));
        }
        try (TopicRange range = new TopicRange(request.config(), request.topic(), request.from(), request.to());
                Progress progress = Progress.of("replay " + request.topic(), range.size())) {
            boolean skipping = initial.hasPositions();
            // Checked as live: a record on another partition than its key's is dead-lettered there too.
            return replay(request.config(), request.output(), extras, initial, range.slices().size(),
                    (learner, outputs) -> range.forEach(
                        record -> {
                            progress.step();
                            if (skipping && record.key() != null && initial.covers(
                                    new String(record.key(), StandardCharsets.UTF_8), record.topic(), record.partition(),
                                    record.offset())) {
                                outputs.skipped++;
                                return;
                            }
                            learner.process(record.key(), record.value(), record.timestamp(), record.topic(),
                                    record.partition(), record.offset(), record.headers());
                            outputs.check();
                            if (outputs.rejection != null) {
                                // Dead-lettered live as well: the replay goes on, as the learner did.
                                outputs.rejected++;
                                outputs.rejection = null;
                            }
                        }));
        }
    }

    /**
     * Runs {@code request}: each partition of the two topics merged by record time through its joiner and the
     * learner; every record counts as one of the summary's events. Dead letters (outcomes that cannot be joined, bad
     * records) are counted as rejected, and the replay goes on, as the live joiner does.
     *
     * @throws ConfigException when the topics have different partition counts, or the settings cannot join
     */
    public static Summary run(JoinedTopicRequest request, Extras extras) {
        InertiaConfig config = joinConfig(request.config(), request.eventTopic(), request.outcomeTopic());
        try (TopicRange events = new TopicRange(config, request.eventTopic(), request.from(), request.to());
                TopicRange outcomes = new TopicRange(config, request.outcomeTopic(), request.from(), request.to());
                Progress progress = Progress.of("replay " + request.eventTopic() + " + " + request.outcomeTopic(),
                        events.size() + outcomes.size())) {
            int partitions = events.slices().size();
            if (outcomes.slices().size() != partitions) {
                throw new ConfigException(List.of("outcome topic '" + request.outcomeTopic() + "' has "
                        + outcomes.slices().size() + " partitions and event topic '" + request.eventTopic() + "' "
                        + partitions + ": the joiner reads partition p of both, so they need the same count"));
            }
            List<Iterator<ConsumerRecord<byte[], byte[]>>> eventRecords = new ArrayList<>();
            List<Iterator<ConsumerRecord<byte[], byte[]>>> outcomeRecords = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                // Read lazily: a partition's records are fetched when the merge reaches it.
                eventRecords.add(events.records(events.slices().get(p)));
                outcomeRecords.add(outcomes.records(outcomes.slices().get(p)));
            }
            return joined(config, eventRecords, outcomeRecords, request.output(), extras, progress);
        }
    }

    /**
     * The replay of {@link #run(JoinedTopicRequest, Extras)} over records already at hand: {@code events.get(p)} and
     * {@code outcomes.get(p)} are partition p's, each in offset order, and are merged by time through partition p's
     * joiner ({@code config} with the joiner on).
     */
    static Summary joined(InertiaConfig config, List<? extends Iterator<ConsumerRecord<byte[], byte[]>>> events,
            List<? extends Iterator<ConsumerRecord<byte[], byte[]>>> outcomes, Path output, Extras extras,
            Progress progress) {
        return replay(config, output, extras, InitialModels.none(), events.size(), true, (learner, outputs) -> {
            long records = 0;
            for (int p = 0; p < events.size(); p++) {
                records += merge(events.get(p), outcomes.get(p), record -> {
                    progress.step();
                    learner.process(record.key(), record.value(), record.timestamp(), record.topic(),
                            record.partition(), record.offset(), record.headers());
                    outputs.check();
                    if (outputs.rejection != null) {
                        outputs.rejected++;
                        outputs.rejection = null;
                    }
                });
            }
            return records;
        });
    }

    /**
     * Runs {@code request}: the two files merged by {@code timestamp} through one joiner and the learner, each line
     * at offset = its line number − 1 of {@link #fileTopic its file's topic name}; every line counts as one of the
     * summary's events. Dead letters are counted as rejected and the replay goes on; a line that is not a JSON object
     * with a numeric {@code timestamp} and a string {@code key} stops it, naming the line.
     *
     * @throws InputFileException for such a line, or a file that cannot be read
     */
    public static Summary run(JoinedFileRequest request, Extras extras) {
        for (Path file : List.of(request.events(), request.outcomes())) {
            if (!EventFile.isJsonLines(file)) {
                throw new InputFileException(file.toString(), "a replay with outcomes reads JSON Lines files "
                        + "(.jsonl), one event or outcome with its timestamp per line");
            }
        }
        InertiaConfig config = joinConfig(request.config().with(Map.of(InertiaConfig.Key.INPUT_FORMAT.key(), "json",
                InertiaConfig.Key.SCHEMA_REGISTRY_URL.key(), "", InertiaConfig.Key.INPUT_READER_SCHEMA.key(), "")),
                fileTopic(request.events()), fileTopic(request.outcomes()));
        long rows = Math.max(0, Progress.estimatedRows(request.events(), false))
                + Math.max(0, Progress.estimatedRows(request.outcomes(), false));
        try (TimedLines events = new TimedLines(request.events());
                TimedLines outcomes = new TimedLines(request.outcomes());
                Progress progress = Progress.of("replay " + request.events().getFileName() + " + "
                        + request.outcomes().getFileName(), rows)) {
            return replay(config, request.output(), extras, InitialModels.none(), 1, true, (learner, outputs) ->
                    merge(events, outcomes, record -> {
                        progress.step();
                        learner.process(record.key(), record.value(), record.timestamp(), record.topic(), 0,
                                record.offset());
                        outputs.check();
                        if (outputs.rejection != null) {
                            outputs.rejected++;
                            outputs.rejection = null;
                        }
                    }));
        }
    }

    /** {@code given} with the outcome joiner on, reading {@code eventTopic} and {@code outcomeTopic}. */
    private static InertiaConfig joinConfig(InertiaConfig given, String eventTopic, String outcomeTopic) {
        InertiaConfig config = given.with(Map.of(InertiaConfig.Key.OUTCOME_JOIN.key(), "true",
                InertiaConfig.Key.INPUT_TOPIC.key(), eventTopic, InertiaConfig.Key.OUTCOME_TOPIC.key(), outcomeTopic));
        InertiaTopology.requireLearnableLive(config);
        return config;
    }

    /**
     * Hands the records of two streams, each in its own order, to {@code sink} merged by timestamp: the head of
     * {@code outcomes} first when its time is at most the head of {@code events}' (on equal times the answer comes
     * before the question, as River's merge and the live joiner's clocks have it). Returns how many.
     */
    static long merge(Iterator<ConsumerRecord<byte[], byte[]>> events,
            Iterator<ConsumerRecord<byte[], byte[]>> outcomes, TopicRange.RecordSink sink) {
        ConsumerRecord<byte[], byte[]> event = events.hasNext() ? events.next() : null;
        ConsumerRecord<byte[], byte[]> outcome = outcomes.hasNext() ? outcomes.next() : null;
        long count = 0;
        while (event != null || outcome != null) {
            if (outcome != null && (event == null || outcome.timestamp() <= event.timestamp())) {
                sink.accept(outcome);
                outcome = outcomes.hasNext() ? outcomes.next() : null;
            } else {
                sink.accept(event);
                event = events.hasNext() ? events.next() : null;
            }
            count++;
        }
        return count;
    }

    /**
     * The lines of a JSON Lines file of timed records, one at a time: each line's {@code timestamp} becomes the
     * record's, its {@code key} the record key, and the rest of the object its value (the JSON event or outcome as a
     * producer would write it); blank lines are skipped.
     */
    private static final class TimedLines implements Iterator<ConsumerRecord<byte[], byte[]>>,
            AutoCloseable {
        private final Path file;
        private final String topic;
        private final BufferedReader reader;
        private ConsumerRecord<byte[], byte[]> next;
        private long line;

        TimedLines(Path file) {
            this.file = file;
            this.topic = fileTopic(file);
            try {
                this.reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new InputFileException(file.toString(), "cannot read: " + e.getMessage());
            }
        }

        @Override
        public boolean hasNext() {
            while (next == null) {
                String text;
                try {
                    text = reader.readLine();
                } catch (IOException e) {
                    throw new InputFileException(file.toString(), "cannot read: " + e.getMessage());
                }
                if (text == null) {
                    return false;
                }
                line++;
                if (!text.isBlank()) {
                    next = parse(text);
                }
            }
            return true;
        }

        private ConsumerRecord<byte[], byte[]> parse(String text) {
            JsonNode node;
            try {
                node = JSON.readTree(text);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new InputFileException(file.toString(), line, "not a JSON object: "
                        + e.getOriginalMessage());
            }
            if (!(node instanceof ObjectNode object)) {
                throw new InputFileException(file.toString(), line, "not a JSON object");
            }
            JsonNode time = object.remove("timestamp");
            if (time == null || !time.canConvertToLong() || !time.isIntegralNumber()) {
                throw new InputFileException(file.toString(), line, "'timestamp' (ms since the epoch, an integer) "
                        + "is missing or not an integer: the merge orders events and outcomes by it");
            }
            JsonNode key = object.get("key");
            if (key == null || !key.isTextual()) {
                throw new InputFileException(file.toString(), line, "'key' (the model key, a string) is missing");
            }
            byte[] value;
            try {
                value = JSON.writeValueAsBytes(object);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
            return new ConsumerRecord<>(topic, 0, line - 1, time.longValue(),
                    TimestampType.CREATE_TIME, -1, -1,
                    key.textValue().getBytes(StandardCharsets.UTF_8), value, new RecordHeaders(),
                    Optional.empty());
        }

        @Override
        public ConsumerRecord<byte[], byte[]> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            ConsumerRecord<byte[], byte[]> record = next;
            next = null;
            return record;
        }

        @Override
        public void close() {
            try {
                reader.close();
            } catch (IOException ignored) {
                // read only: nothing is lost
            }
        }
    }

    /** Feeds a replay's events to its learner; returns how many. */
    @FunctionalInterface
    private interface Feed {
        long into(LocalLearner learner, Outputs outputs);
    }

    private static Summary replay(InertiaConfig given, Path output, Extras extras, InitialModels initial,
            int inputPartitions, Feed feed) {
        return replay(given, output, extras, initial, inputPartitions, false, feed);
    }

    private static Summary replay(InertiaConfig given, Path output, Extras extras, InitialModels initial,
            int inputPartitions, boolean join, Feed feed) {
        // A replay writes its own files (JSON Lines or Avro); the learner inside it publishes Avro whatever the live
        // learner's inertia.output.format, so that its records can go into an .avro output as they are.
        InertiaConfig config = given.jsonOutput() ? given.with(Map.of(InertiaConfig.Key.OUTPUT_FORMAT.key(), "avro"))
                : given;
        Path predictions = extras.predictions();
        Path target = output.toAbsolutePath();
        Path partial = partialOf(target);
        Path predictionTarget = predictions == null ? null : predictions.toAbsolutePath();
        Path predictionPartial = predictions == null ? null : partialOf(predictionTarget);
        boolean complete = false;
        Outputs outputs = new Outputs(config, initial);
        try (LocalLearner learner = join ? LocalLearner.joining(config, LearningObserver.NONE, outputs, inputPartitions)
                : new LocalLearner(config, LearningObserver.NONE, outputs, inputPartitions);
                SnapshotFile out = SnapshotFile.open(partial, target, config.snapshotTopic(), initial);
                RecordFile<Prediction> predictionOut = predictions == null ? null
                        : RecordFile.open(predictionPartial, predictionTarget, Prediction.getClassSchema(),
                                outputs::predictionLine)) {
            outputs.out = out;
            outputs.predictionOut = predictionOut;
            outputs.curves = extras.plot() == null ? null : new LossCurves(config.learner().metricsWindow());
            for (SnapshotAssembler.Published model : initial.snapshots()) {
                learner.warmStart(model);
            }
            long events = feed.into(learner, outputs);
            learner.commit();
            ModelStore store = learner.modelStore(config);
            List<String> keys = store.modelKeys();
            for (String key : keys) {
                // Each model's final state ends the file, in the layout of its other snapshots.
                if (!Long.valueOf(store.version(key)).equals(outputs.lastWritten.get(key))) {
                    learner.publishSnapshot(key);
                    outputs.check();
                }
            }
            learner.commit();
            out.close();
            if (predictionOut != null) {
                predictionOut.close();
                Files.move(predictionPartial, predictionTarget, StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            }
            if (outputs.curves != null) {
                outputs.curves.write(extras.plot(), "Prequential loss, " + config.learner().loss().name() + ", "
                        + config.learner().optimizer().name(), 1000, 600);
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            complete = true;
            return new Summary(events, out.snapshots(), keys.size(), outputs.rejected, outputs.skipped);
        } catch (IOException e) {
            // A missing directory's exception names only the file it could not create.
            String reason = e instanceof java.nio.file.NoSuchFileException missing && missing.getFile() != null
                    ? "no such directory: " + Path.of(missing.getFile()).getParent() : e.getMessage();
            throw new UncheckedIOException("cannot write " + target + ": " + reason, e);
        } finally {
            if (!complete) {
                deleteQuietly(partial);
                if (predictionPartial != null) {
                    deleteQuietly(predictionPartial);
                }
            }
        }
    }

    private static Path partialOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".partial");
    }

    /** What the learner publishes: whole snapshots become lines, a dead letter's reason is kept for the feed. */
    private static final class Outputs implements LocalLearner.Outputs {
        private final InertiaConfig config;
        private final InitialModels initial;
        private final Map<String, Long> lastWritten = new HashMap<>();
        private SnapshotFile out;
        private RecordFile<Prediction> predictionOut;
        /** The timestamp of the prediction being written, for its JSON line. */
        private long predictionTimestamp;
        private LossCurves curves;
        private final SingleObjectAvroSerde<Prediction> predictionSerde = InertiaSerdes.prediction();
        /** The reason the last event was rejected, or null. */
        private String rejection;
        private long rejected;
        private long skipped;
        private UncheckedIOException failure;

        Outputs(InertiaConfig config, InitialModels initial) {
            this.config = config;
            this.initial = initial;
        }

        /** Rethrows a failure to write the output, which a callback could not throw itself. */
        void check() {
            if (failure != null) {
                throw failure;
            }
        }

        @Override
        public void snapshot(byte[] key, byte[] value, long timestamp) {
            try {
                ModelSnapshot header = out.accept(key, value);
                if (header != null) {
                    lastWritten.put(header.getModelKey(), header.getVersion());
                }
            } catch (IOException e) {
                failure = new UncheckedIOException("cannot write the replay's output: " + e.getMessage(), e);
            }
        }

        @Override
        public void prediction(byte[] key, byte[] value, long timestamp) {
            if (predictionOut == null && curves == null) {
                return;
            }
            Prediction prediction = predictionSerde.deserialize(config.predictionTopic(), value);
            if (curves != null && prediction.getLoss() != null) {
                curves.add(prediction.getModelKey(), prediction.getLoss());
            }
            if (predictionOut == null) {
                return;
            }
            predictionTimestamp = timestamp;
            try {
                predictionOut.write(prediction);
            } catch (IOException e) {
                failure = new UncheckedIOException("cannot write the predictions: " + e.getMessage(), e);
            }
        }

        /** A prediction as a JSON line, with the timestamp of its event. */
        String predictionLine(Prediction prediction) {
            ObjectNode line = JSON.createObjectNode();
            line.put("modelKey", prediction.getModelKey());
            if (prediction.getEventId() != null) {
                line.put("eventId", prediction.getEventId());
            }
            line.put("modelVersion", prediction.getModelVersion());
            line.put("prediction", prediction.getPrediction());
            line.put("score", prediction.getScore());
            line.put("label", prediction.getLabel());
            line.put("loss", prediction.getLoss());
            if (prediction.getProbabilities() != null) {
                prediction.getProbabilities().forEach(line.putArray("probabilities")::add);
                line.put("predictedClass", prediction.getPredictedClass());
            }
            line.put("timestamp", predictionTimestamp);
            try {
                return JSON.writeValueAsString(line);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void deadLetter(byte[] key, byte[] value, long timestamp, Headers headers) {
            Header reason = headers.lastHeader(DeadLetterHeaders.REASON);
            rejection = reason == null ? "event rejected" : new String(reason.value(), StandardCharsets.UTF_8);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort: a leftover .partial file is never mistaken for a result
        }
    }
}
