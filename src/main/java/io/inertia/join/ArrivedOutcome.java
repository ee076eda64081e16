package io.inertia.join;

import java.util.List;

/**
 * An outcome, as the join keeps it until its event arrives: its label and weight, where and when it was read, and the
 * record as it arrived (value and headers), for its dead letter should its event not come.
 *
 * @param timestamp its record timestamp (ms)
 * @param offset its offset in the outcomes topic
 * @param label its label
 * @param weight its weight
 * @param value the record's value as it arrived
 * @param headers the record's headers as they arrived
 */
public record ArrivedOutcome(long timestamp, long offset, double label, double weight, byte[] value,
        List<OriginalHeader> headers) {

    /**
     * A header of the record an outcome arrived in.
     *
     * @param key the header's key
     * @param value its value, or null
     */
    public record OriginalHeader(String key, byte[] value) {
    }
}
