package io.inertia.join;

import io.inertia.avro.LearnLogEntry;
import io.inertia.config.InertiaConfig;
import io.inertia.model.Loss;
import io.inertia.serde.EventDecoder;
import io.inertia.serde.EventReader;
import io.inertia.serde.JsonEventDecoder;
import io.inertia.serde.OutcomeReader;
import io.inertia.topology.DeadLetterRecords;
import io.inertia.topology.InertiaTopology;
import io.inertia.topology.LearningObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
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
 * The outcome joiner's node: reads the events topic and the outcomes topic of one partition (they are co-partitioned,
 * see {@code KafkaSetup}), decides with {@link OutcomeJoin} over a {@link PendingStore}, and forwards what the learner
 * is to apply — to the learn-log sink and, when it is connected, to the learner, the same records in the same order,
 * inside the transaction of the input record that caused them:
 *
 * <ul>
 *   <li>an event with its label, or one the learner is to refuse (no key, no value, wrong partition, not an event):
 *       passed on unread, its value untouched, with the header {@value LearnLog#INPUT_HEADER};</li>
 *   <li>an event without its label: checked (key, features against the model; a bad one is dead-lettered here with
 *       the learner's words), scored read-only by the {@link Scorer} unless it carries the prediction a client was
 *       served, and joined ({@code SCORED}, then {@code JOINED}, or kept pending, …);</li>
 *   <li>an outcome: checked (key, partition, decoding, id, label in the loss's domain, weight), joined or kept waiting,
 *       or dead-lettered with its reason; a record with the header {@value OutcomeJoiner#HEARTBEAT_HEADER} only moves
 *       the outcome clock.</li>
 * </ul>
 *
 * Every record read moves its side's clock first, and what that makes due is decided before the record itself (see
 * {@link OutcomeJoin}). Duplicate, late and unmatched outcomes and duplicate events are dead-lettered here, from the
 * record as it arrived (a waiting outcome's is kept in its entry), and are decisions in the learn log too, so that the
 * learner counts them. Nothing here reads the wall clock.
 */
public final class OutcomeJoinProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(OutcomeJoinProcessor.class);
    /** Longest model key and event id (characters), as the learner allows. */
    static final int MAX_KEY_LENGTH = 1000;

    /** Opens the scorer of a task, from its processor context (the stores the joiner is connected to). */
    @FunctionalInterface
    public interface ScorerFactory {
        /** The scorer of the task of {@code context}. */
        Scorer open(ProcessorContext<byte[], byte[]> context);
    }

    private final String outcomeTopic;
    private final String learnLogTopic;
    private final long window;
    private final OptionalDouble defaultLabel;
    private final double defaultWeight;
    private final int maxRecordBytes;
    private final int inputPartitions;
    private final Loss loss;
    private final ScorerFactory scorers;
    private final String learner;
    private final LearningObserver observer;
    private final EventDecoder avroEvents = new EventDecoder();
    private final EventReader events;
    private final OutcomeReader outcomes;
    private final LearnLog log;
    private ProcessorContext<byte[], byte[]> context;
    private OutcomeJoin join;
    private Scorer scorer;
    /** The record being processed, where it was read, and how many learn-log records it produced so far. */
    private Record<byte[], byte[]> current;
    private RecordMetadata position;
    private int produced;

    /**
     * The joiner of {@code config}: its input topic having {@code inputPartitions} partitions (0: the partition of
     * each record is not checked), scoring with the scorers of {@code scorers}, forwarding to the learn-log sink and,
     * unless null, to the node {@code learner}.
     */
    public OutcomeJoinProcessor(InertiaConfig config, int inputPartitions, ScorerFactory scorers, String learner,
            LearningObserver observer) {
        this.outcomeTopic = config.outcomeTopic();
        this.learnLogTopic = config.learnLogTopic();
        this.window = config.outcomeWindowMs();
        this.defaultLabel = config.outcomeDefaultLabel();
        this.defaultWeight = config.outcomeDefaultWeight();
        this.maxRecordBytes = config.maxRecordBytes();
        this.inputPartitions = inputPartitions;
        this.loss = config.loss();
        this.scorers = scorers;
        this.learner = learner;
        this.observer = observer;
        this.events = config.jsonInput() ? new JsonEventDecoder() : avroEvents;
        this.outcomes = OutcomeReader.of(config.jsonInput());
        this.log = new LearnLog(config.jsonOutput());
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        // Called again on the same object when a task is revived after an abort: nothing here outlives it.
        this.context = context;
        PendingStore store = new PendingStore(context.getStateStore(PendingStore.PENDING),
                context.getStateStore(PendingStore.DEADLINES), context.getStateStore(PendingStore.CLOCKS));
        this.join = new OutcomeJoin(window, defaultLabel, defaultWeight, store, this::decided);
        this.scorer = scorers.open(context);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        current = record;
        position = context.recordMetadata().orElseThrow(
                () -> new IllegalStateException("the outcome joiner reads input records only"));
        produced = 0;
        if (position.topic().equals(outcomeTopic)) {
            outcome(record);
        } else {
            event(record);
        }
    }

    private void event(Record<byte[], byte[]> record) {
        join.eventRead(record.timestamp());
        byte[] key = record.key();
        byte[] value = record.value();
        if (key == null || key.length == 0 || value == null || wrongPartition(key) != null
                || (events == avroEvents && avroEvents.labelState(value) == EventDecoder.LabelState.LABELED)) {
            passOn(record);
            return;
        }
        String recordKey = new String(key, StandardCharsets.UTF_8);
        EventDecoder.Event event;
        try {
            event = events.decode(position.topic(), recordKey, value);
        } catch (SerializationException e) {
            passOn(record);
            return;
        }
        if (event.labeled()) {
            passOn(record);
            return;
        }
        Optional<String> problem = keyProblem(recordKey, event.modelKey(), event.eventId(), "event");
        if (problem.isPresent()) {
            reject(record, problem.get());
            return;
        }
        Scorer.Scored scored = scorer.score(recordKey, event);
        if (scored.problem() != null) {
            reject(record, scored.problem());
            return;
        }
        EventDecoder.Served served = event.served() != null ? event.served() : scored.served();
        join.unlabeledEvent(recordKey, event.eventId(), new ArrivedEvent(record.timestamp(), position.offset(),
                event.dense(), event.names(), event.values(), event.weight(), served));
    }

    private void outcome(Record<byte[], byte[]> record) {
        join.outcomeRead(record.timestamp());
        if (record.headers().lastHeader(OutcomeJoiner.HEARTBEAT_HEADER) != null) {
            return;
        }
        byte[] key = record.key();
        if (key == null || key.length == 0) {
            reject(record, "record key is null or empty; outcomes must be keyed by model key");
            return;
        }
        String partitionProblem = wrongPartition(key);
        if (partitionProblem != null) {
            reject(record, partitionProblem);
            return;
        }
        if (record.value() == null) {
            reject(record, "record value is null");
            return;
        }
        String recordKey = new String(key, StandardCharsets.UTF_8);
        OutcomeReader.ReceivedOutcome outcome;
        try {
            outcome = outcomes.decode(position.topic(), recordKey, record.value());
        } catch (SerializationException e) {
            reject(record, e.getMessage());
            return;
        }
        Optional<String> problem = keyProblem(recordKey, outcome.modelKey(), outcome.eventId(), "outcome");
        if (problem.isEmpty()) {
            problem = Double.isFinite(outcome.label()) ? loss.checkLabel(outcome.label())
                    : Optional.of("label " + outcome.label() + " is not a finite number");
        }
        if (problem.isEmpty() && (!(outcome.weight() >= 0) || !Double.isFinite(outcome.weight()))) {
            problem = Optional.of("weight " + outcome.weight() + " is not a finite number >= 0");
        }
        if (problem.isPresent()) {
            reject(record, problem.get());
            return;
        }
        List<ArrivedOutcome.OriginalHeader> headers = new ArrayList<>();
        for (Header header : record.headers()) {
            headers.add(new ArrivedOutcome.OriginalHeader(header.key(), header.value()));
        }
        join.outcome(recordKey, outcome.eventId(), new ArrivedOutcome(record.timestamp(), position.offset(),
                outcome.label(), outcome.weight(), record.value(), List.copyOf(headers)));
    }

    /** Writes {@code decision} to the learn log and the learner, and its dead letter when it is one. */
    private void decided(Decision decision) {
        LearnLogEntry entry = LearnLog.entry(decision, position.topic(), position.partition(), position.offset(),
                produced++);
        Headers headers = new RecordHeaders();
        headers.add(LearnLog.DECISION_HEADER, decision.kind().name().getBytes(StandardCharsets.UTF_8));
        forward(new Record<>(decision.modelKey().getBytes(StandardCharsets.UTF_8), log.encode(learnLogTopic, entry),
                current.timestamp(), headers));
        if (!decision.deadLetter()) {
            return;
        }
        ArrivedOutcome outcome = decision.outcome();
        if (outcome == null) {
            // A duplicate event: the record being processed.
            reject(current, decision.reason());
            return;
        }
        List<Header> original = new ArrayList<>();
        for (ArrivedOutcome.OriginalHeader header : outcome.headers()) {
            original.add(new org.apache.kafka.common.header.internals.RecordHeader(header.key(), header.value()));
        }
        deadLetter(DeadLetterRecords.of(decision.modelKey().getBytes(StandardCharsets.UTF_8), outcome.value(),
                outcome.timestamp(), original, decision.reason(), outcomeTopic, position.partition(),
                outcome.offset(), maxRecordBytes), decision.reason());
    }

    /** Hands {@code record}, an input record, to the learner unread, with where it was read. */
    private void passOn(Record<byte[], byte[]> record) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        headers.add(LearnLog.INPUT_HEADER, LearnLog.inputPosition(position.topic(), position.partition(),
                position.offset(), produced++));
        forward(new Record<>(record.key(), record.value(), record.timestamp(), headers));
    }

    private void forward(Record<byte[], byte[]> record) {
        context.forward(record, OutcomeJoiner.LEARN_LOG_SINK);
        if (learner != null) {
            context.forward(record, learner);
        }
    }

    /** Dead-letters {@code record}, the record being processed, for {@code reason}. */
    private void reject(Record<byte[], byte[]> record, String reason) {
        deadLetter(DeadLetterRecords.of(record.key(), record.value(), record.timestamp(), record.headers(), reason,
                position.topic(), position.partition(), position.offset(), maxRecordBytes), reason);
    }

    private void deadLetter(Record<byte[], byte[]> letter, String reason) {
        String line = DeadLetterRecords.oneLine(reason);
        LOG.warn("Record sent to the dead-letter topic: {}", line);
        observer.rejected(line);
        context.forward(letter, InertiaTopology.DEAD_LETTER_SINK);
    }

    /** Why {@code key} should not be on the partition being read, or null when it should (or is not checked). */
    private String wrongPartition(byte[] key) {
        if (inputPartitions <= 0) {
            return null;
        }
        int expected = Utils.toPositive(Utils.murmur2(key)) % inputPartitions;
        if (position.partition() == expected) {
            return null;
        }
        return "record arrived on partition " + position.partition() + " but Kafka's default partitioner (murmur2 of "
                + "the key) assigns its key partition " + expected + " of " + inputPartitions + ": a model lives on one "
                + "partition, and its outcomes must be on its events' partition; produce with the default partitioner "
                + "(kcat: -X partitioner=murmur2_random)";
    }

    /** Why the record key, model key and event id of an event or outcome cannot be joined, or empty when they can. */
    private static Optional<String> keyProblem(String recordKey, String modelKey, String eventId, String what) {
        if (modelKey.isEmpty()) {
            return Optional.of("model key of the " + what + " is empty");
        }
        if (recordKey.indexOf('\u0000') >= 0) {
            return Optional.of("model key contains a NUL character");
        }
        if (!recordKey.equals(modelKey)) {
            return Optional.of("record key '" + recordKey + "' differs from " + what + " modelKey '" + modelKey + "'");
        }
        if (recordKey.length() > MAX_KEY_LENGTH) {
            return Optional.of("model key is longer than " + MAX_KEY_LENGTH + " characters");
        }
        if (eventId != null && eventId.length() > MAX_KEY_LENGTH) {
            return Optional.of("eventId is longer than " + MAX_KEY_LENGTH + " characters");
        }
        return Optional.empty();
    }
}
