package io.inertia.join;

import io.inertia.avro.JoinDecision;
import io.inertia.avro.LearnLogEntry;
import io.inertia.avro.ServedPrediction;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.JsonRecordSerde;
import io.inertia.serde.SingleObjectAvroSerde;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The records of the learn log ({@code inertia.topic.learn-log}): exactly what the outcome joiner hands the learner,
 * in that order, keyed by model key, each with its timestamp as handed over. Two kinds, told apart by a header:
 *
 * <ul>
 *   <li>a <b>decision</b> of the join, a {@link LearnLogEntry} (Avro, or Avro's JSON encoding with
 *       {@code inertia.output.format=json}) with the header {@value #DECISION_HEADER} = the decision's name, so that a
 *       consumer can filter without decoding;</li>
 *   <li>an <b>input event</b> passed on unread (it carries its label, or is for the learner to refuse), its value
 *       and headers as they arrived plus the header {@value #INPUT_HEADER} =
 *       {@code topic/partition/offset/index}, where it was read: the learner learns it at that position, live and
 *       in a replay of the log alike. Events with their label are thus logged without being encoded again.</li>
 * </ul>
 *
 * {@code index} counts the learn-log records one input record produced, from 0 (a record can first move a clock past
 * deadlines, deciding other events): (topic, partition, offset, index) names each record of the log uniquely, in a
 * decision as in the header.
 */
public final class LearnLog {

    /** Header of a decision record: the decision's name (UTF-8), e.g. {@code JOINED}. */
    public static final String DECISION_HEADER = "inertia.decision";
    /** Header of an input event passed on: {@code topic/partition/offset/index} (UTF-8) where it was read. */
    public static final String INPUT_HEADER = "inertia.input";

    private final SingleObjectAvroSerde<LearnLogEntry> avro = InertiaSerdes.learnLogEntry();
    private final JsonRecordSerde<LearnLogEntry> json;
    private JsonRecordSerde<LearnLogEntry> jsonReader;

    /** A learn log of decisions written as Avro, or as JSON when {@code json}; not thread-safe. */
    public LearnLog(boolean json) {
        this.json = json ? new JsonRecordSerde<>(LearnLogEntry.getClassSchema()) : null;
    }

    /** The value of a decision record for {@code entry}. */
    public byte[] encode(String topic, LearnLogEntry entry) {
        return json == null ? avro.serialize(topic, entry) : json.serialize(topic, entry);
    }

    /**
     * The decision in a record's value, in either encoding whatever this log writes.
     *
     * @throws org.apache.kafka.common.errors.SerializationException when it is not one
     */
    public LearnLogEntry read(String topic, byte[] value) {
        if (!JsonRecordSerde.isJson(value)) {
            return avro.deserialize(topic, value);
        }
        if (jsonReader == null) {
            jsonReader = new JsonRecordSerde<>(LearnLogEntry.getClassSchema());
        }
        return jsonReader.deserialize(topic, value);
    }

    /** Whether a learn-log record with these headers is a decision rather than an input event. */
    public static boolean isDecision(Headers headers) {
        return headers.lastHeader(DECISION_HEADER) != null;
    }

    /**
     * The learn-log entry of {@code decision}, made while processing the record at {@code topic}/{@code partition}/
     * {@code offset}, the {@code index}-th learn-log record of that input record.
     */
    public static LearnLogEntry entry(Decision decision, String topic, int partition, long offset, int index) {
        ArrivedEvent event = decision.event();
        ArrivedOutcome outcome = decision.outcome();
        ServedPrediction served = null;
        if (event != null && decision.kind() != io.inertia.model.DelayedOutcomeMetrics.Decision.DUPLICATE_EVENT) {
            served = new ServedPrediction(event.served().prediction(), event.served().score(),
                    event.served().modelVersion());
        }
        List<Double> dense = null;
        List<String> names = null;
        List<Double> values = null;
        if (event != null && endsTheWait(decision.kind())) {
            if (event.dense() != null) {
                dense = new ArrayList<>(event.dense().length);
                for (double value : event.dense()) {
                    dense.add(value);
                }
            }
            if (event.names() != null) {
                // In the order the event gave them: a score sums in this order, live and in a replay of the log.
                names = List.of(event.names());
                values = new ArrayList<>(event.values().length);
                for (double value : event.values()) {
                    values.add(value);
                }
            }
        }
        // The all-fields constructor: a builder computes every default anew.
        return new LearnLogEntry(decision.modelKey(), JoinDecision.valueOf(decision.kind().name()), decision.eventId(),
                dense, names, values, decision.label(), decision.weight(), served, decision.eventTimestamp(),
                outcome == null ? null : outcome.timestamp(), decision.eventOffset(),
                outcome == null ? null : outcome.offset(), topic, partition, offset, index);
    }

    private static boolean endsTheWait(io.inertia.model.DelayedOutcomeMetrics.Decision kind) {
        return switch (kind) {
            case JOINED, DEFAULTED, EXPIRED -> true;
            default -> false;
        };
    }

    /** The value of {@value #INPUT_HEADER} for the {@code index}-th record of the input record at that position. */
    public static byte[] inputPosition(String topic, int partition, long offset, int index) {
        return (topic + "/" + partition + "/" + offset + "/" + index).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Where an input event of the log was read, from its {@value #INPUT_HEADER} header; null when it has none.
     *
     * @param topic the topic
     * @param partition the partition
     * @param offset the offset
     * @param index the index among the learn-log records of that input record
     */
    public record InputPosition(String topic, int partition, long offset, int index) {

        /** The position in {@code headers}, or null. */
        public static InputPosition of(Headers headers) {
            Header header = headers.lastHeader(INPUT_HEADER);
            if (header == null || header.value() == null) {
                return null;
            }
            String[] parts = new String(header.value(), StandardCharsets.UTF_8).split("/");
            if (parts.length != 4) {
                throw new IllegalArgumentException(INPUT_HEADER + " is not topic/partition/offset/index");
            }
            return new InputPosition(parts[0], Integer.parseInt(parts[1]), Long.parseLong(parts[2]),
                    Integer.parseInt(parts[3]));
        }
    }
}
