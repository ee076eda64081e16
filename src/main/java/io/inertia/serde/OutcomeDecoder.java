package io.inertia.serde;

import io.inertia.avro.Outcome;

/**
 * Reads {@link Outcome} records (single-object encoding, any released version) with Avro's reader: outcomes are at
 * most as many as events and small, so the generated reader is fast enough. Not thread-safe.
 */
public final class OutcomeDecoder implements OutcomeReader {

    private final SingleObjectAvroSerde<Outcome> serde = InertiaSerdes.outcome();

    @Override
    public ReceivedOutcome decode(String topic, String recordKey, byte[] bytes) {
        Outcome outcome = serde.deserialize(topic, bytes);
        return new ReceivedOutcome(outcome.getModelKey(), outcome.getEventId(), outcome.getLabel(),
                outcome.getWeight());
    }
}
