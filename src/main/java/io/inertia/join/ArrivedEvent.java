package io.inertia.join;

import io.inertia.serde.EventDecoder;

/**
 * An event without its label, as the join keeps it: its features as they were scored, its weight, the prediction
 * served for it, where and when it was read.
 *
 * @param timestamp its record timestamp (ms)
 * @param offset its offset in the events topic
 * @param dense the dense features, or null
 * @param names the named features' names as the event gave them (a name given twice counts once, with its last
 *     value, wherever it is read), or null
 * @param values their values, parallel to {@code names}
 * @param weight its sample weight
 * @param served the prediction served for it
 */
public record ArrivedEvent(long timestamp, long offset, double[] dense, String[] names, double[] values, double weight,
        EventDecoder.Served served) {
}
