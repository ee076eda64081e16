package io.inertia.topology;

/** Names of the headers a dead letter carries besides the original record's own headers. */
public final class DeadLetterHeaders {

    /** Why the event was rejected, one line of UTF-8 text. */
    public static final String REASON = "inertia.dlq.reason";
    /** The topic the event was read from. */
    public static final String TOPIC = "inertia.dlq.topic";
    /** The partition the event was read from, as decimal text. */
    public static final String PARTITION = "inertia.dlq.partition";
    /** The offset the event was read from, as decimal text. */
    public static final String OFFSET = "inertia.dlq.offset";
    /**
     * Present only when the dead letter would have exceeded {@code inertia.max-record-bytes}: the original value's
     * length in bytes, as decimal text. The value (and, if need be, the key) was cut to fit; the whole event is still
     * in the input topic at the partition and offset above.
     */
    public static final String TRUNCATED = "inertia.dlq.truncated";

    private DeadLetterHeaders() {
    }
}
