package io.inertia.serde;

import org.apache.kafka.common.errors.SerializationException;

/** Reads the value of an input record into the arrays the learner learns from: Avro or JSON. */
public interface EventReader {

    /**
     * The event in {@code bytes}, read from {@code topic} under the record key {@code recordKey} (null when absent).
     *
     * @throws SerializationException naming what is wrong, in one line, when the bytes are not an event
     */
    EventDecoder.Event decode(String topic, String recordKey, byte[] bytes);

    /**
     * As {@link #decode(String, String, byte[])} for a record at {@code partition} and {@code offset} of
     * {@code topic} (a negative partition when it has no position), for readers whose events take something from
     * their position (a feature spec's {@code event-id: position}).
     */
    default EventDecoder.Event decode(String topic, int partition, long offset, String recordKey, byte[] bytes) {
        return decode(topic, recordKey, bytes);
    }
}
