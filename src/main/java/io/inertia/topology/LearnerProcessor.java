package io.inertia.topology;

import io.inertia.avro.HyperParameters;
import io.inertia.avro.LearnLogEntry;
import io.inertia.avro.ServedPrediction;
import io.inertia.config.InertiaConfig.OnDivergence;
import io.inertia.join.LearnLog;
import io.inertia.model.DelayedOutcomeMetrics;
import io.inertia.model.Example;
import io.inertia.model.FeatureHasher;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.model.OnlineLearner.LearningStep;
import io.inertia.serde.EventDecoder;
import io.inertia.serde.EventReader;
import io.inertia.serde.JsonRecordSerde;
import io.inertia.serde.PredictionEncoder;
import io.inertia.serde.PrimitiveLists;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hot path, in one straight line: bytes → event → the model in memory → prediction and, every N-th update of a
 * model, its snapshot. Validates each raw event, then predicts, computes the gradient and applies the update to the
 * event's {@link WorkingModel} (see {@link WorkingModelStore}, which writes what changed inside the commit); publishes
 * the prediction made before the update (test-then-train), and a snapshot after every N-th update of a model (see
 * {@link SnapshotEmitter}). An event that cannot be learned from goes, unchanged and with the reason in its headers, to
 * the dead-letter sink; validation finishes before the model is touched, so a rejected event never changes a model.
 *
 * <p>Keys and values arrive as bytes and are decoded here (Avro, or JSON with {@code inertia.input.format=json}), so
 * that undecodable records are dead-lettered like any other bad event instead of stopping the stream. So is a record
 * on another partition than Kafka's default partitioner assigns its key: a model lives on exactly one partition.
 *
 * <p>Numeric guard: an update that would make a parameter it touched (every dense weight, the event's sparse
 * weights, the bias, their optimizer state), the running loss or a metric non-finite (divergence, see
 * {@link OnlineLearner#divergence}) is rolled back from a savepoint taken before it, so the model stays exactly as
 * before the event. Neither a prediction nor a snapshot is published, the event is dead-lettered with the reason, and
 * a warning is logged. A snapshot also brings the weights it publishes up to date; if that makes one non-finite, the
 * update is rolled back and handled the same way, so that no published snapshot ever holds NaN or ±∞. With
 * {@link OnDivergence#HALT} the model is also marked {@code halted}, and every later event of that model is
 * dead-lettered; other models go on.
 */
final class LearnerProcessor implements Processor<byte[], byte[], byte[], byte[]>, SnapshotPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(LearnerProcessor.class);
    /** Longest feature name (characters) learned without hashing: every name must fit in a snapshot part. */
    static final int MAX_NAME_LENGTH = 1000;
    /** Longest model key and event id (characters). */
    static final int MAX_KEY_LENGTH = 1000;

    private final OnlineLearner learner;
    private final HyperParameters hyperParameters;
    private final long snapshotEvery;
    private final int maxRecordBytes;
    /** Hashes named features before learning; null when hashing is off (hash bits 0). */
    private final FeatureHasher hasher;
    /** Avro or JSON, as {@code inertia.input.format} says. */
    private final EventReader events;
    /** The standardized values of the event being read, with a spec that standardizes; else null. */
    private final StandardizedValues standardized;
    private final PredictionEncoder predictions = new PredictionEncoder();
    /** Predictions as JSON ({@code inertia.output.format=json}); null for Avro. */
    private final JsonRecordSerde<io.inertia.avro.Prediction> jsonPredictions;
    private final LearningObserver observer;
    private final OnDivergence onDivergence;
    /** Partitions of the input topic, to check each event's partition against its key's; 0: not checked. */
    private final int inputPartitions;
    /** What the current event's update changes, to roll it back on divergence; reused from event to event. */
    private final LinearModel.Savepoint before = new LinearModel.Savepoint();
    /** Reads the outcome joiner's decisions (Avro or JSON), when it stands before this learner. */
    private final LearnLog learnLog = new LearnLog(false);
    /** Where the record being processed was read: its snapshot header and dead letter name it. */
    private Position position;
    /** The joiner's decision being learned, to count with its update; null while learning an input event. */
    private Learning learning;
    private ProcessorContext<byte[], byte[]> context;
    private WorkingModelStore models;
    private SnapshotEmitter snapshots;

    /** A learner processor of events without standardized features (see the constructor below). */
    LearnerProcessor(OnlineLearner learner, HyperParameters hyperParameters, long snapshotEvery, int hashBits,
            OnDivergence onDivergence, int maxRecordBytes, int inputPartitions, EventReader events,
            boolean jsonOutput, LearningObserver observer) {
        this(learner, hyperParameters, snapshotEvery, hashBits, onDivergence, maxRecordBytes, inputPartitions, events,
                null, jsonOutput, observer);
    }

    /**
     * A learner processor that handles a diverging update as {@code onDivergence} says; {@code standardized} (null
     * when the input standardizes nothing) is the standardizer of {@code events}' feature spec.
     */
    LearnerProcessor(OnlineLearner learner, HyperParameters hyperParameters, long snapshotEvery, int hashBits,
            OnDivergence onDivergence, int maxRecordBytes, int inputPartitions, EventReader events,
            StandardizedValues standardized, boolean jsonOutput, LearningObserver observer) {
        this.events = events;
        this.standardized = standardized;
        this.jsonPredictions = jsonOutput ? new JsonRecordSerde<>(io.inertia.avro.Prediction.getClassSchema()) : null;
        this.onDivergence = onDivergence;
        this.inputPartitions = inputPartitions;
        this.learner = learner;
        this.hyperParameters = hyperParameters;
        this.snapshotEvery = snapshotEvery;
        this.maxRecordBytes = maxRecordBytes;
        this.hasher = hashBits > 0 ? FeatureHasher.of(hashBits) : null;
        this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        // Called again on the same object when a task is revived after an abort: nothing here outlives it.
        this.context = context;
        ModelStore store = new ModelStore(context.getStateStore(ModelStore.NAME),
                context.getStateStore(ModelStore.PARTS), context.getStateStore(ModelStore.COORDINATES), learner,
                hyperParameters, maxRecordBytes);
        this.models = context.getStateStore(WorkingModelStore.NAME);
        models.attach(store);
        if (standardized != null) {
            standardized.attach(models);
        }
        this.snapshots = new SnapshotEmitter(learner, hyperParameters, maxRecordBytes, store, jsonPredictions != null);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        // Timing for the update-latency metric only: the clock never reaches a model.
        long startNanos = System.nanoTime();
        // Every record writes into the open transaction (a prediction or a dead letter at least).
        models.beforeWrite();
        if (standardized != null) {
            // Nothing of an earlier, refused event may reach this one's model.
            standardized.begin(null);
        }
        if (LearnLog.isDecision(record.headers())) {
            decision(record, startNanos);
            return;
        }
        position = Position.of(record.headers(), context.recordMetadata().orElse(null));
        String topic = position == null ? "?" : position.topic();
        if (record.key() == null || record.key().length == 0) {
            reject(record, "record key is null or empty; events must be keyed by model key");
            return;
        }
        if (inputPartitions > 0 && position != null) {
            int expected = Utils.toPositive(Utils.murmur2(record.key())) % inputPartitions;
            if (position.partition() != expected) {
                // Another partitioner (kcat's default is CRC32-based) would split one model into two tasks.
                reject(record, "record arrived on partition " + position.partition() + " but Kafka's default "
                        + "partitioner (murmur2 of the key) assigns its key partition " + expected + " of "
                        + inputPartitions + ": a model lives on one partition; produce with the default partitioner "
                        + "(kcat: -X partitioner=murmur2_random)");
                return;
            }
        }
        if (record.value() == null) {
            reject(record, "record value is null");
            return;
        }
        String key = new String(record.key(), StandardCharsets.UTF_8);
        if (standardized != null) {
            standardized.begin(key);
        }
        EventDecoder.Event event;
        try {
            event = position == null ? events.decode(topic, key, record.value())
                    : events.decode(topic, position.partition(), position.offset(), key, record.value());
        } catch (SerializationException e) {
            reject(record, e.getMessage());
            return;
        }
        if (!event.labeled()) {
            // Joining it with its outcome is the outcome joiner's work; on its own the learner cannot learn it.
            reject(record, "label is missing: an event without a label is learned when its outcome arrives, "
                    + "through the outcome joiner (inertia.outcome.join=true)");
            return;
        }
        learn(record, key, event, startNanos);
    }

    /**
     * Learns {@code event}, of the model {@code key}, which arrived as {@code record} (an input event, or a decision
     * of the outcome joiner to learn): checks, the update, its prediction and, when due, the snapshot. Returns the
     * step, or null when the event was dead-lettered.
     */
    private LearningStep learn(Record<byte[], byte[]> record, String key, EventDecoder.Event event,
            long startNanos) {
        Optional<String> invalid = keyProblem(key, event);
        if (invalid.isPresent()) {
            reject(record, invalid.get());
            return null;
        }
        Example example;
        try {
            example = example(event);
        } catch (IllegalArgumentException e) {
            reject(record, e.getMessage());
            return null;
        }
        WorkingModel working = models.get(key);
        if (working == null) {
            working = models.create(key, learner.newModel());
        }
        if (working.halted) {
            reject(record, "model '" + key + "' is halted after a divergence");
            return null;
        }
        LinearModel model = working.model;
        Optional<String> problem = learner.check(model, example);
        if (problem.isEmpty() && example.denseDimension() > snapshots.maxDenseDimension(key.length())) {
            problem = Optional.of("dense vector has " + example.denseDimension() + " features, more than the "
                    + snapshots.maxDenseDimension(key.length()) + " that fit in a snapshot record of "
                    + maxRecordBytes + " bytes (inertia.max-record-bytes); use named or hashed features");
        }
        if (problem.isPresent()) {
            reject(record, problem.get());
            return null;
        }
        LearningStep step;
        String divergence;
        boolean snapshotDue;
        // Readers on other threads (the HTTP API) see the model before this event or after it, never in between, nor
        // an update that is rolled back: everything they can see changes under the write lock, which is held for the
        // update and the checks that may undo it, not for building the snapshot's records.
        // Only reads the model, which no other thread writes: outside the lock, where its cache misses (the first
        // touch of the event's coordinates in a model of millions of weights) keep no reader waiting.
        model.save(example, before);
        long next = model.version() + 1;
        // A snapshot due with this update checks every weight it publishes (every weight of the model for a new base):
        // those the update leaves alone now, outside the lock; the event's own under it.
        boolean untouchedFinite = next % snapshotEvery == 0 && snapshots.untouchedFinite(working, next);
        long stamp = working.lockForUpdate();
        try {
            step = learner.learn(model, example);
            divergence = learner.divergence(model, example, step).orElse(null);
            snapshotDue = step.version() % snapshotEvery == 0;
            if (divergence != null) {
                model.rollBack(before);
                halt(working);
            } else {
                long timestampBefore = working.lastEventTimestamp;
                String positionTopicBefore = working.positionTopic;
                int positionPartitionBefore = working.positionPartition;
                long positionOffsetBefore = working.positionOffset;
                // Before the snapshot, whose header carries them.
                working.lastEventTimestamp = record.timestamp();
                if (position != null) {
                    working.positionTopic = position.topic();
                    working.positionPartition = position.partition();
                    working.positionOffset = position.offset();
                }
                if (snapshotDue) {
                    boolean finite = untouchedFinite && step.version() == next
                            && snapshots.finiteAfterUpdate(working, step.coordinates());
                    divergence = finite ? null : snapshots.divergence(working, step.coordinates());
                    if (divergence != null) {
                        model.rollBack(before);
                        working.lastEventTimestamp = timestampBefore;
                        working.positionTopic = positionTopicBefore;
                        working.positionPartition = positionPartitionBefore;
                        working.positionOffset = positionOffsetBefore;
                        halt(working);
                    }
                }
                if (divergence == null && standardized != null) {
                    // With the update that stands, and only then: a rolled-back event moves no statistics.
                    standardized.learnInto(working);
                }
            }
        } finally {
            working.lock.unlockWrite(stamp);
        }
        if (divergence != null) {
            diverged(record, working, step.version(), divergence);
            return null;
        }
        if (learning != null) {
            // Before the snapshot, which carries the counts of the decision that made its version.
            learning.applyTo(outcomes(working), step.loss());
        }
        SnapshotEmitter.Prepared snapshot = null;
        if (snapshotDue) {
            // Reads the model only: readers may read beside it.
            snapshot = snapshots.prepare(working, step.coordinates());
            if (snapshot.divergence != null) {
                throw new IllegalStateException("snapshot of '" + key + "' diverged after its check passed: "
                        + snapshot.divergence);
            }
        }
        working.changed(step.coordinates());
        if (snapshot != null) {
            published(working, snapshot);
        }
        byte[] prediction = jsonPredictions == null
                ? predictions.encode(key, event.eventId(), step.prediction(), step.score(), event.label(), step.loss(),
                        step.version() - 1, step.probabilities(), step.predictedClass())
                : jsonPredictions.serialize(null, new io.inertia.avro.Prediction(key, event.eventId(),
                        step.prediction(), step.score(), event.label(), step.loss(), step.version() - 1,
                        PrimitiveLists.ofNullable(step.probabilities()),
                        step.predictedClass() < 0 ? null : step.predictedClass()));
        context.forward(new Record<>(record.key(), prediction, record.timestamp()), InertiaTopology.PREDICTION_SINK);
        observer.learned(key, step.version(), step.loss(), model.runningLoss());
        if (snapshot != null) {
            for (SnapshotEmitter.SnapshotRecord part : snapshot.records) {
                context.forward(new Record<>(part.key(), part.value(), record.timestamp()),
                        InertiaTopology.SNAPSHOT_SINK);
            }
            observer.published(key, snapshot.records.size());
        }
        models.changed(working);
        observer.updateTook(System.nanoTime() - startNanos);
        return step;
    }

    /**
     * Applies a decision of the outcome joiner (a {@link LearnLogEntry}, live as handed over or read back from the
     * learn log), at the position of the input record that made it: JOINED and DEFAULTED are learned as an event with
     * the decision's features, label and weight; the others change no model. Every decision is counted for its model.
     */
    private void decision(Record<byte[], byte[]> record, long startNanos) {
        RecordMetadata metadata = context.recordMetadata().orElse(null);
        position = metadata == null ? null : new Position(metadata.topic(), metadata.partition(), metadata.offset());
        LearnLogEntry entry;
        try {
            if (record.value() == null) {
                throw new SerializationException("record value is null");
            }
            entry = learnLog.read(position == null ? "?" : position.topic(), record.value());
        } catch (SerializationException e) {
            reject(record, "cannot read the outcome joiner's decision: " + e.getMessage());
            return;
        }
        position = new Position(entry.getInputTopic(), entry.getInputPartition(), entry.getInputOffset());
        String key = entry.getModelKey();
        observer.decided(key, entry.getDecision().name());
        DelayedOutcomeMetrics.Decision kind = DelayedOutcomeMetrics.Decision.valueOf(entry.getDecision().name());
        switch (kind) {
            case JOINED, DEFAULTED -> {
                if (entry.getLabel() == null) {
                    reject(record, entry.getDecision() + " decision without a label");
                    return;
                }
                ServedPrediction served = entry.getServedPrediction();
                Learning decided = null;
                if (served != null) {
                    long delay = kind == DelayedOutcomeMetrics.Decision.JOINED
                            && entry.getEventTimestamp() != null && entry.getOutcomeTimestamp() != null
                            ? entry.getOutcomeTimestamp() - entry.getEventTimestamp() : -1;
                    decided = new Learning(kind, learner.loss().value(served.getScore(), entry.getLabel()), delay);
                }
                learning = decided;
                LearningStep step;
                try {
                    step = learn(record, key, new EventDecoder.Event(key, unboxed(entry.getDenseFeatures()),
                            entry.getFeatureNames() == null ? null : entry.getFeatureNames().toArray(new String[0]),
                            unboxed(entry.getFeatureValues()), entry.getLabel(), entry.getWeight(),
                            entry.getEventId()), startNanos);
                } finally {
                    learning = null;
                }
                if (step != null && decided != null) {
                    // Not when the learner dead-lettered it (a halted model, a divergence): counted there.
                    observer.evaluated(key, kind.name(), decided.servedLoss(), decided.delayMs());
                }
            }
            case SCORED -> {
                if (scored(record, entry)) {
                    count(key, kind, true);
                }
            }
            case EXPIRED -> count(key, kind, true);
            default -> count(key, kind, false);
        }
    }

    /**
     * A JOINED or DEFAULTED decision being learned: what its model's outcome metrics record with the update.
     *
     * @param kind JOINED or DEFAULTED
     * @param servedLoss the loss of the served prediction against the label learned
     * @param delayMs outcome time − event time (JOINED), else −1
     */
    private record Learning(DelayedOutcomeMetrics.Decision kind, double servedLoss, long delayMs) {

        void applyTo(DelayedOutcomeMetrics outcomes, double learnedLoss) {
            if (kind == DelayedOutcomeMetrics.Decision.JOINED) {
                outcomes.joined(delayMs, servedLoss, learnedLoss);
            } else {
                outcomes.defaulted(servedLoss, learnedLoss);
            }
        }
    }

    /**
     * Counts {@code kind}, which learns nothing, for model {@code key}: its model is created for an event decision
     * ({@code create}), while an outcome or event the joiner refused is counted only for a model that exists, so that
     * outcomes of unknown keys make no models.
     */
    private void count(String key, DelayedOutcomeMetrics.Decision kind, boolean create) {
        WorkingModel working = models.get(key);
        if (working == null) {
            if (!create) {
                return;
            }
            working = models.create(key, learner.newModel());
        }
        outcomes(working).record(kind);
        models.changed(working);
    }

    /** The outcome metrics of {@code working}, created at its first decision; marks its header changed. */
    private static DelayedOutcomeMetrics outcomes(WorkingModel working) {
        if (working.outcomes == null) {
            working.outcomes = new DelayedOutcomeMetrics();
        }
        working.headerDirty = true;
        return working.outcomes;
    }

    /**
     * Publishes the prediction an event without label was served (by the joiner's read-only score, or the HTTP API's
     * when the event carried it), label and loss null; no model changes. Its update comes with the event's outcome.
     */
    private boolean scored(Record<byte[], byte[]> record, LearnLogEntry entry) {
        ServedPrediction served = entry.getServedPrediction();
        if (served == null) {
            reject(record, "SCORED decision without the served prediction");
            return false;
        }
        byte[] prediction = jsonPredictions == null
                ? predictions.encodeScored(entry.getModelKey(), entry.getEventId(), served.getPrediction(),
                        served.getScore(), served.getModelVersion())
                : jsonPredictions.serialize(null, new io.inertia.avro.Prediction(entry.getModelKey(),
                        entry.getEventId(), served.getPrediction(), served.getScore(), null, null,
                        served.getModelVersion(), null, null));
        context.forward(new Record<>(record.key(), prediction, record.timestamp()), InertiaTopology.PREDICTION_SINK);
        return true;
    }

    private static double[] unboxed(java.util.List<Double> values) {
        if (values == null) {
            return null;
        }
        double[] unboxed = new double[values.size()];
        for (int i = 0; i < unboxed.length; i++) {
            unboxed[i] = values.get(i);
        }
        return unboxed;
    }

    /**
     * Where a record the learner applies was read: the input record's position, which the learn log carries (in a
     * decision, or the header of an event passed on) so that a replay of the log names the same one.
     */
    private record Position(String topic, int partition, long offset) {

        /** The position a passed-on event's header names, else {@code metadata}'s; null when neither is known. */
        static Position of(Headers headers, RecordMetadata metadata) {
            LearnLog.InputPosition input = LearnLog.InputPosition.of(headers);
            if (input != null) {
                return new Position(input.topic(), input.partition(), input.offset());
            }
            return metadata == null ? null : new Position(metadata.topic(), metadata.partition(), metadata.offset());
        }
    }

    @Override
    public boolean publishSnapshot(String modelKey) {
        WorkingModel working = models.get(modelKey);
        if (working == null) {
            return false;
        }
        // The stream thread is the only writer: the model cannot change between the check and the records.
        models.beforeWrite();
        SnapshotEmitter.Prepared snapshot = snapshots.prepare(working, new int[0]);
        if (snapshot.divergence != null) {
            LOG.warn("Model '{}' not published at version {}: {}", modelKey, working.model.version(),
                    snapshot.divergence);
            return false;
        }
        published(working, snapshot);
        for (SnapshotEmitter.SnapshotRecord part : snapshot.records) {
            context.forward(new Record<>(part.key(), part.value(), working.lastEventTimestamp),
                    InertiaTopology.SNAPSHOT_SINK);
        }
        models.changed(working);
        return true;
    }

    /**
     * Records that {@code snapshot} of {@code working} is published: a whole snapshot brings the model's weights up to
     * the values it publishes, a change readers see, so under the write lock (at most a thousand weights); a snapshot
     * in parts changes only what the store keeps of it.
     */
    private void published(WorkingModel working, SnapshotEmitter.Prepared snapshot) {
        if (snapshot.parts != null) {
            snapshots.published(working, snapshot);
            return;
        }
        long stamp = working.lockForUpdate();
        try {
            snapshots.published(working, snapshot);
        } finally {
            working.lock.unlockWrite(stamp);
        }
    }

    /** Why the record key and the event's model key cannot name a model, or empty when they can. */
    private static Optional<String> keyProblem(String key, EventDecoder.Event event) {
        if (event.modelKey().isEmpty()) {
            return Optional.of("event modelKey is empty");
        }
        if (key.indexOf(ModelStore.SEPARATOR) >= 0) {
            return Optional.of("model key contains a NUL character");
        }
        if (!key.equals(event.modelKey())) {
            return Optional.of("record key '" + key + "' differs from event modelKey '" + event.modelKey() + "'");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            return Optional.of("model key is longer than " + MAX_KEY_LENGTH + " characters");
        }
        if (event.eventId() != null && event.eventId().length() > MAX_KEY_LENGTH) {
            // It is copied into the prediction, which must stay within the record limit.
            return Optional.of("eventId is longer than " + MAX_KEY_LENGTH + " characters");
        }
        return Optional.empty();
    }

    /**
     * The example of {@code event}: features checked under the names the event gave them, then hashed when hashing
     * is on.
     *
     * @throws IllegalArgumentException naming the first problem
     */
    private Example example(EventDecoder.Event event) {
        if (hasher != null) {
            return Example.hashed(event.dense(), event.names(), event.values(), hasher, event.label(), event.weight());
        }
        if (event.names() != null) {
            for (String name : event.names()) {
                if (name != null && name.length() > MAX_NAME_LENGTH) {
                    throw new IllegalArgumentException("feature name '" + name.substring(0, 40) + "…' is longer than "
                            + MAX_NAME_LENGTH + " characters");
                }
            }
        }
        return Example.of(event.dense(), event.names(), event.values(), event.label(), event.weight());
    }

    /** With {@code on-divergence=halt}, marks {@code working} halted; under its write lock, as readers see it. */
    private void halt(WorkingModel working) {
        if (onDivergence == OnDivergence.HALT) {
            working.halted = true;
            working.headerDirty = true;
        }
    }

    /** Handles an update of {@code working} to {@code version} that diverged and was rolled back (and halted). */
    private void diverged(Record<byte[], byte[]> record, WorkingModel working, long version, String reason) {
        boolean halt = onDivergence == OnDivergence.HALT;
        String outcome = halt ? "model left unchanged and halted" : "model left unchanged";
        LOG.warn("Model '{}' diverged at update {}: {}; {}{}", working.key, version, reason, outcome,
                halt ? ", its later events go to the dead-letter topic" : "");
        if (halt) {
            models.changed(working);
        }
        reject(record, reason + "; " + outcome);
    }

    private void reject(Record<byte[], byte[]> record, String reason) {
        String line = reason.replaceAll("\\s+", " ").trim();
        Headers headers = new RecordHeaders(record.headers().toArray());
        headers.add(DeadLetterHeaders.REASON, utf8(line));
        if (position != null) {
            headers.add(DeadLetterHeaders.TOPIC, utf8(position.topic()));
            headers.add(DeadLetterHeaders.PARTITION, utf8(Integer.toString(position.partition())));
            headers.add(DeadLetterHeaders.OFFSET, utf8(Long.toString(position.offset())));
        }
        byte[] key = record.key();
        byte[] value = record.value();
        long size = length(key) + length(value);
        for (org.apache.kafka.common.header.Header header : headers) {
            size += header.key().length() * 3L + length(header.value()) + 8;
        }
        // An event near the input topic's own limit plus the headers above could exceed what the dead-letter topic
        // takes, and a record that cannot be written stops the stream: cut it, saying so. The whole event stays in
        // the input topic at the partition and offset the headers name.
        long room = maxRecordBytes - 512L;
        if (size > room) {
            long cut = Math.min(length(value), size - room);
            headers.add(DeadLetterHeaders.TRUNCATED, utf8(Long.toString(length(value))));
            value = value == null ? null : java.util.Arrays.copyOf(value, (int) (value.length - cut));
            if (size - cut > room) {
                key = java.util.Arrays.copyOf(key, (int) Math.max(0, length(key) - (size - cut - room)));
            }
        }
        LOG.warn("Event sent to the dead-letter topic: {}", line);
        observer.rejected(line);
        context.forward(new Record<>(key, value, record.timestamp(), headers), InertiaTopology.DEAD_LETTER_SINK);
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
