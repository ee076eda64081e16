package io.inertia.topology;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Builds dead letters as the learner writes them, for the outcome joiner: the original key, value and headers, plus
 * {@link DeadLetterHeaders}' reason, topic, partition and offset; cut to fit {@code inertia.max-record-bytes}, saying
 * so, since a record that cannot be written stops the stream (the whole record stays in its topic at the position
 * named).
 */
public final class DeadLetterRecords {

    private DeadLetterRecords() {
    }

    /**
     * The dead letter of the record {@code key}/{@code value}/{@code headers} read at {@code topic}/{@code partition}/
     * {@code offset}, for {@code reason} (made one line).
     */
    public static Record<byte[], byte[]> of(byte[] key, byte[] value, long timestamp, Iterable<Header> headers,
            String reason, String topic, int partition, long offset, int maxRecordBytes) {
        Headers letter = new RecordHeaders();
        for (Header header : headers) {
            letter.add(header);
        }
        letter.add(DeadLetterHeaders.REASON, utf8(oneLine(reason)));
        letter.add(DeadLetterHeaders.TOPIC, utf8(topic));
        letter.add(DeadLetterHeaders.PARTITION, utf8(Integer.toString(partition)));
        letter.add(DeadLetterHeaders.OFFSET, utf8(Long.toString(offset)));
        long size = length(key) + length(value);
        for (Header header : letter) {
            size += header.key().length() * 3L + length(header.value()) + 8;
        }
        long room = maxRecordBytes - 512L;
        if (size > room) {
            long cut = Math.min(length(value), size - room);
            letter.add(DeadLetterHeaders.TRUNCATED, utf8(Long.toString(length(value))));
            value = value == null ? null : Arrays.copyOf(value, (int) (value.length - cut));
            if (size - cut > room) {
                key = Arrays.copyOf(key, (int) Math.max(0, length(key) - (size - cut - room)));
            }
        }
        return new Record<>(key, value, timestamp, letter);
    }

    /** {@code reason} on one line, runs of white space as one space. */
    public static String oneLine(String reason) {
        return reason.replaceAll("\\s+", " ").trim();
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
