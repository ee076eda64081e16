package io.inertia.topology;

import io.inertia.spec.SpecEventReader;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The re-keying step in front of the learner when a feature spec takes the model key from a field or a constant: each
 * input record is decoded only as far as its model key, then forwarded unchanged (value bytes, headers, timestamp)
 * under that key to the re-keyed topic, which Kafka's default partitioner (murmur2 of the key) spreads over its
 * partitions, so that every event of a model reaches the one task that learns it. A record whose model key is missing,
 * of the wrong type, or cannot be a model key, or that does not decode, is dead-lettered here with the reason and its
 * position in the input topic, and never reaches the re-keyed topic.
 */
final class RekeyProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(RekeyProcessor.class);
    /** Room kept for the headers Kafka adds and the record batch overhead, as the learner keeps for dead letters. */
    private static final int OVERHEAD = 512;

    private final SpecEventReader keys;
    private final int maxRecordBytes;
    private final LearningObserver observer;
    private ProcessorContext<byte[], byte[]> context;

    /** A re-keying step taking each record's model key with {@code keys}. */
    RekeyProcessor(SpecEventReader keys, int maxRecordBytes, LearningObserver observer) {
        this.keys = keys;
        this.maxRecordBytes = maxRecordBytes;
        this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (record.value() == null) {
            reject(record, "record value is null");
            return;
        }
        String topic = context.recordMetadata().map(metadata -> metadata.topic()).orElse("?");
        String recordKey = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        String modelKey;
        try {
            modelKey = keys.modelKey(topic, recordKey, record.value());
        } catch (SerializationException e) {
            reject(record, e.getMessage());
            return;
        }
        if (modelKey.indexOf(ModelStore.SEPARATOR) >= 0) {
            reject(record, "model key contains a NUL character");
            return;
        }
        if (modelKey.length() > LearnerProcessor.MAX_KEY_LENGTH) {
            reject(record, "model key is longer than " + LearnerProcessor.MAX_KEY_LENGTH + " characters");
            return;
        }
        byte[] key = modelKey.getBytes(StandardCharsets.UTF_8);
        long size = key.length + (long) record.value().length + headerBytes(record.headers()) + OVERHEAD;
        if (size > maxRecordBytes) {
            // The model key may be longer than the record's own key: the re-keyed record must still fit.
            reject(record, "re-keyed record would take " + size + " bytes, more than inertia.max-record-bytes ("
                    + maxRecordBytes + ")");
            return;
        }
        context.forward(record.withKey(key), InertiaTopology.REKEYED_SINK);
    }

    private void reject(Record<byte[], byte[]> record, String reason) {
        String line = reason.replaceAll("\\s+", " ").trim();
        Headers headers = new RecordHeaders(record.headers().toArray());
        headers.add(DeadLetterHeaders.REASON, utf8(line));
        context.recordMetadata().ifPresent(metadata -> {
            headers.add(DeadLetterHeaders.TOPIC, utf8(metadata.topic()));
            headers.add(DeadLetterHeaders.PARTITION, utf8(Integer.toString(metadata.partition())));
            headers.add(DeadLetterHeaders.OFFSET, utf8(Long.toString(metadata.offset())));
        });
        byte[] key = record.key();
        byte[] value = record.value();
        long size = length(key) + length(value) + headerBytes(headers);
        // As the learner does: an event near the input's own limit plus these headers is cut, saying so; the whole
        // event stays in the input topic at the position the headers name.
        long room = maxRecordBytes - (long) OVERHEAD;
        if (size > room) {
            long cut = Math.min(length(value), size - room);
            headers.add(DeadLetterHeaders.TRUNCATED, utf8(Long.toString(length(value))));
            value = value == null ? null : java.util.Arrays.copyOf(value, (int) (value.length - cut));
            if (key != null && size - cut > room) {
                key = java.util.Arrays.copyOf(key, (int) Math.max(0, length(key) - (size - cut - room)));
            }
        }
        LOG.warn("Event sent to the dead-letter topic: {}", line);
        observer.rejected(line);
        context.forward(new Record<>(key, value, record.timestamp(), headers), InertiaTopology.REKEY_DEAD_LETTER_SINK);
    }

    /** What {@code headers} add to a record, counted as the learner counts them (names at 3 bytes a character). */
    private static long headerBytes(Headers headers) {
        long size = 0;
        for (Header header : headers) {
            size += header.key().length() * 3L + length(header.value()) + 8;
        }
        return size;
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
