package io.inertia.serde;

import org.apache.kafka.common.errors.SerializationException;

/** Reads the value of an outcome record: Avro ({@link OutcomeDecoder}) or JSON ({@link JsonOutcomeDecoder}). */
public interface OutcomeReader {

    /**
     * An outcome as the outcome joiner reads it.
     *
     * @param modelKey the model key
     * @param eventId the id of the event it labels
     * @param label the label
     * @param weight the outcome's weight
     */
    record ReceivedOutcome(String modelKey, String eventId, double label, double weight) {
    }

    /**
     * The outcome in {@code bytes}, read from {@code topic} under the record key {@code recordKey} (null when absent).
     *
     * @throws SerializationException naming what is wrong, in one line, when the bytes are not an outcome
     */
    ReceivedOutcome decode(String topic, String recordKey, byte[] bytes);

    /** The reader of {@code inertia.input.format}: JSON when {@code json}, else Avro. */
    static OutcomeReader of(boolean json) {
        return json ? new JsonOutcomeDecoder() : new OutcomeDecoder();
    }
}
