package io.inertia.spec;

import io.inertia.serde.EventDecoder;
import io.inertia.serde.EventReader;

/**
 * A user's records through a feature spec: the bytes decoded by a {@link RecordDecoder} (JSON, Confluent-framed
 * Avro, Avro with a schema file), the event taken out by a {@link FeatureExtractor}. The learner reads it like its own
 * Avro or JSON events; a record that cannot be decoded or lacks its key or label is refused in one line, and the
 * learner dead-letters it. Not thread-safe: one per processor.
 */
public final class SpecEventReader implements EventReader {

    private final RecordDecoder decoder;
    private final FeatureExtractor extractor;

    /** A reader decoding with {@code decoder} and extracting with {@code extractor}. */
    public SpecEventReader(RecordDecoder decoder, FeatureExtractor extractor) {
        this.decoder = decoder;
        this.extractor = extractor;
    }

    @Override
    public EventDecoder.Event decode(String topic, String recordKey, byte[] bytes) {
        return decode(topic, -1, -1, recordKey, bytes);
    }

    @Override
    public EventDecoder.Event decode(String topic, int partition, long offset, String recordKey, byte[] bytes) {
        return extractor.extract(decoder.decode(topic, bytes), recordKey, topic, partition, offset);
    }

    /** The model key of the record in {@code bytes} (see {@link FeatureExtractor#modelKey}). */
    public String modelKey(String topic, String recordKey, byte[] bytes) {
        return extractor.modelKey(decoder.decode(topic, bytes), recordKey);
    }
}
