package io.inertia.join;

import io.inertia.avro.DecidedAs;
import io.inertia.avro.PendingEntry;
import io.inertia.avro.PendingKind;
import io.inertia.avro.ServedPrediction;
import io.inertia.avro.StoredHeader;
import io.inertia.join.Pending.DecidedId;
import io.inertia.join.Pending.How;
import io.inertia.join.Pending.PendingEvent;
import io.inertia.join.Pending.WaitingOutcome;
import io.inertia.serde.EventDecoder;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The join's state in three stores with changelogs, so that it survives a crash exactly as committed:
 *
 * <ul>
 *   <li>{@value #PENDING} (RocksDB): model key + NUL + event id → {@link PendingEntry}: an event waiting for its
 *       outcome (its features as scored, weight, served prediction, timestamp, offset), an outcome waiting for its event
 *       (label, weight, and its record as it arrived, for a dead letter), or a decided id (how, the event's time).
 *       Nothing of it is held on the heap: a million pending events cost RocksDB's disk and its bounded cache.</li>
 *   <li>{@value #DEADLINES} (RocksDB): the time-ordered index, key = clock tag ({@code E} or {@code O}) + the deadline
 *       as 8 big-endian bytes with the sign bit flipped (so that byte order is numeric order, negative times first) +
 *       model key + NUL + event id, value empty. A clock's scan runs from its low-water mark, the clock's last time
 *       (everything before it is decided and deleted), to its new time, and resumes after the last key it decided:
 *       it passes only tombstones left by entries matched before their deadline, each at most once, never the
 *       tombstones of earlier scans, over which RocksDB's range scans get slow.</li>
 *   <li>{@value #CLOCKS} (in memory, with a record cache): the two clocks, which are the low-water marks. The cache
 *       writes them once per commit, inside it, rather than once per input record.</li>
 * </ul>
 *
 * A model key never contains NUL (the learner refuses it), so key + NUL + id is unambiguous. Not thread-safe: one per
 * task incarnation, like its processor.
 */
public final class PendingStore implements JoinStore {

    /** Name of the entries' store; changelog {@code <application.id>-inertia-pending-changelog}. */
    public static final String PENDING = "inertia-pending";
    /** Name of the deadline index; changelog {@code <application.id>-inertia-pending-deadlines-changelog}. */
    public static final String DEADLINES = "inertia-pending-deadlines";
    /** Name of the clocks' store; changelog {@code <application.id>-inertia-pending-clocks-changelog}. */
    public static final String CLOCKS = "inertia-pending-clocks";

    private static final byte SEPARATOR = 0;
    private static final byte[] EMPTY = new byte[0];
    private static final long UNREAD = Long.MIN_VALUE;

    private final KeyValueStore<Bytes, byte[]> pending;
    private final KeyValueStore<Bytes, byte[]> deadlines;
    private final KeyValueStore<String, Long> clocks;
    private final SingleObjectAvroSerde<PendingEntry> serde = InertiaSerdes.pendingEntry();
    /** The clocks as last read or written; read from the store once per incarnation. */
    private final long[] clockValues = new long[JoinClock.values().length];
    private final boolean[] clockRead = new boolean[JoinClock.values().length];
    /**
     * Per clock, a time no index entry's deadline is below (the earliest deadline, or a lower bound of it), so that a
     * clock that moves without passing it costs no scan: a RocksDB iterator is dearer than the rest of an event.
     * Found by one seek per incarnation, lowered by every put, and raised by every scan to the first key it sees
     * beyond its range.
     */
    private final long[] earliest = new long[JoinClock.values().length];
    private final boolean[] earliestKnown = new boolean[JoinClock.values().length];

    /** A view of the three stores. */
    public PendingStore(KeyValueStore<Bytes, byte[]> pending, KeyValueStore<Bytes, byte[]> deadlines,
            KeyValueStore<String, Long> clocks) {
        this.pending = pending;
        this.deadlines = deadlines;
        this.clocks = clocks;
    }

    /** The builder of {@value #PENDING}. */
    public static StoreBuilder<KeyValueStore<Bytes, byte[]>> pendingStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING), Serdes.Bytes(),
                Serdes.ByteArray()).withCachingDisabled().withLoggingEnabled(Map.of());
    }

    /** The builder of {@value #DEADLINES}. */
    public static StoreBuilder<KeyValueStore<Bytes, byte[]>> deadlineStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DEADLINES), Serdes.Bytes(),
                Serdes.ByteArray()).withCachingDisabled().withLoggingEnabled(Map.of());
    }

    /**
     * The builder of {@value #CLOCKS}: two keys per task, rewritten at every commit, so its changelog rolls segments
     * every 10 minutes and compaction keeps what a restore reads short.
     */
    public static StoreBuilder<KeyValueStore<String, Long>> clockStore() {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CLOCKS), Serdes.String(), Serdes.Long())
                .withCachingEnabled().withLoggingEnabled(Map.of(TopicConfig.SEGMENT_MS_CONFIG, "600000"));
    }

    @Override
    public Pending get(String modelKey, String eventId) {
        byte[] value = pending.get(entryKey(modelKey, eventId));
        return value == null ? null : fromEntry(serde.deserialize(PENDING, value));
    }

    @Override
    public void put(String modelKey, String eventId, Pending previous, Pending entry) {
        if (previous != null && (previous.clock() != entry.clock() || previous.deadline() != entry.deadline())) {
            deadlines.delete(indexKey(previous.clock(), previous.deadline(), modelKey, eventId));
        }
        pending.put(entryKey(modelKey, eventId), serde.serialize(PENDING, toEntry(entry)));
        deadlines.put(indexKey(entry.clock(), entry.deadline(), modelKey, eventId), EMPTY);
        int i = entry.clock().ordinal();
        earliest[i] = Math.min(earliest[i], entry.deadline());
    }

    @Override
    public void remove(String modelKey, String eventId, Pending entry) {
        pending.delete(entryKey(modelKey, eventId));
        deadlines.delete(indexKey(entry.clock(), entry.deadline(), modelKey, eventId));
    }

    @Override
    public void removeIndex(Due due) {
        deadlines.delete(indexKey(due.clock(), due.deadline(), due.modelKey(), due.eventId()));
    }

    @Override
    public long clock(JoinClock clock) {
        int i = clock.ordinal();
        if (!clockRead[i]) {
            Long stored = clocks.get(clock.name());
            clockValues[i] = stored == null ? UNREAD : stored;
            clockRead[i] = true;
        }
        return clockValues[i];
    }

    @Override
    public void setClock(JoinClock clock, long time) {
        clocks.put(clock.name(), time);
        clockValues[clock.ordinal()] = time;
        clockRead[clock.ordinal()] = true;
    }

    @Override
    public List<Due> due(JoinClock clock, long from, Due after, long before, int limit) {
        List<Due> due = new ArrayList<>();
        int i = clock.ordinal();
        if (!earliestKnown[i]) {
            // Once per incarnation: where the first entry at or after the low-water mark is.
            earliest[i] = firstDeadline(clock, indexPrefix(clock, from));
            earliestKnown[i] = true;
        }
        if (after == null && before <= earliest[i]) {
            return due;
        }
        // Nothing lies below the earliest deadline but tombstones: start past them.
        Bytes lower = after == null ? indexPrefix(clock, Math.max(from, earliest[i]))
                : successor(indexKey(after.clock(), after.deadline(), after.modelKey(), after.eventId()));
        // Every key whose deadline is before `before` sorts below this prefix; every other key above it.
        Bytes upper = indexPrefix(clock, before);
        try (KeyValueIterator<Bytes, byte[]> range = deadlines.range(lower, endOf(clock))) {
            while (due.size() < limit && range.hasNext()) {
                Bytes key = range.next().key;
                if (key.compareTo(upper) > 0) {
                    // The first key beyond the range: the earliest deadline from here on, for free.
                    earliest[i] = parseIndexKey(key.get()).deadline();
                    return due;
                }
                due.add(parseIndexKey(key.get()));
            }
            if (due.size() < limit) {
                earliest[i] = Long.MAX_VALUE;
            }
        }
        return due;
    }

    /** The deadline of the first index entry of {@code clock} at or after {@code from}, or the end of time. */
    private long firstDeadline(JoinClock clock, Bytes from) {
        try (KeyValueIterator<Bytes, byte[]> range = deadlines.range(from, endOf(clock))) {
            return range.hasNext() ? parseIndexKey(range.next().key.get()).deadline() : Long.MAX_VALUE;
        }
    }

    /** Above every index key of {@code clock}, below every key of the next. */
    private static Bytes endOf(JoinClock clock) {
        return Bytes.wrap(new byte[] {(byte) (clock.tag() + 1)});
    }

    /** The key of the entry of {@code eventId} of {@code modelKey} in {@value #PENDING}. */
    static Bytes entryKey(String modelKey, String eventId) {
        byte[] key = modelKey.getBytes(StandardCharsets.UTF_8);
        byte[] id = eventId.getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[key.length + 1 + id.length];
        System.arraycopy(key, 0, bytes, 0, key.length);
        bytes[key.length] = SEPARATOR;
        System.arraycopy(id, 0, bytes, key.length + 1, id.length);
        return Bytes.wrap(bytes);
    }

    /** The key of an index entry of {@value #DEADLINES}. */
    static Bytes indexKey(JoinClock clock, long deadline, String modelKey, String eventId) {
        byte[] suffix = entryKey(modelKey, eventId).get();
        byte[] bytes = new byte[9 + suffix.length];
        writePrefix(bytes, clock, deadline);
        System.arraycopy(suffix, 0, bytes, 9, suffix.length);
        return Bytes.wrap(bytes);
    }

    /** The clock tag and deadline alone: below every index key of that deadline, above every earlier one. */
    static Bytes indexPrefix(JoinClock clock, long deadline) {
        byte[] bytes = new byte[9];
        writePrefix(bytes, clock, deadline);
        return Bytes.wrap(bytes);
    }

    private static void writePrefix(byte[] bytes, JoinClock clock, long deadline) {
        bytes[0] = clock.tag();
        long flipped = deadline ^ Long.MIN_VALUE;
        for (int i = 0; i < 8; i++) {
            bytes[1 + i] = (byte) (flipped >>> (56 - 8 * i));
        }
    }

    /** The index entry that {@code key} encodes. */
    static Due parseIndexKey(byte[] key) {
        JoinClock clock = key[0] == JoinClock.EVENT.tag() ? JoinClock.EVENT : JoinClock.OUTCOME;
        long flipped = 0;
        for (int i = 0; i < 8; i++) {
            flipped = (flipped << 8) | (key[1 + i] & 0xFF);
        }
        int separator = 9;
        while (key[separator] != SEPARATOR) {
            separator++;
        }
        return new Due(clock, flipped ^ Long.MIN_VALUE, new String(key, 9, separator - 9, StandardCharsets.UTF_8),
                new String(key, separator + 1, key.length - separator - 1, StandardCharsets.UTF_8));
    }

    /** The smallest key greater than {@code key}: the key with a 0 byte appended. */
    private static Bytes successor(Bytes key) {
        return Bytes.wrap(Arrays.copyOf(key.get(), key.get().length + 1));
    }

    /** The stored form of {@code entry} (the all-fields constructor: a builder computes every default anew). */
    private static PendingEntry toEntry(Pending entry) {
        if (entry instanceof PendingEvent pendingEvent) {
            ArrivedEvent event = pendingEvent.event();
            return new PendingEntry(PendingKind.EVENT, entry.deadline(), event.timestamp(), event.offset(),
                    event.weight(), boxed(event.dense()), event.names() == null ? null : Arrays.asList(event.names()),
                    boxed(event.values()), new ServedPrediction(event.served().prediction(), event.served().score(),
                            event.served().modelVersion()), null, null, null, null);
        }
        if (entry instanceof WaitingOutcome waiting) {
            ArrivedOutcome outcome = waiting.outcome();
            List<StoredHeader> headers = new ArrayList<>(outcome.headers().size());
            for (ArrivedOutcome.OriginalHeader header : outcome.headers()) {
                headers.add(new StoredHeader(header.key(), header.value() == null ? null
                        : ByteBuffer.wrap(header.value())));
            }
            return new PendingEntry(PendingKind.OUTCOME, entry.deadline(), outcome.timestamp(), outcome.offset(),
                    outcome.weight(), null, null, null, null, outcome.label(),
                    outcome.value() == null ? null : ByteBuffer.wrap(outcome.value()), headers, null);
        }
        DecidedId decided = (DecidedId) entry;
        return new PendingEntry(PendingKind.DECIDED, entry.deadline(), decided.eventTimestamp(),
                decided.eventOffset(), 1.0, null, null, null, null, null, null, null,
                DecidedAs.valueOf(decided.how().name()));
    }

    private static Pending fromEntry(PendingEntry entry) {
        switch (entry.getKind()) {
            case EVENT -> {
                ServedPrediction served = entry.getServedPrediction();
                List<String> names = entry.getFeatureNames();
                return new PendingEvent(entry.getDeadline(), new ArrivedEvent(entry.getTimestamp(), entry.getOffset(),
                        unboxed(entry.getDenseFeatures()), names == null ? null : names.toArray(new String[0]),
                        unboxed(entry.getFeatureValues()), entry.getWeight(),
                        new EventDecoder.Served(served.getPrediction(), served.getScore(), served.getModelVersion())));
            }
            case OUTCOME -> {
                List<ArrivedOutcome.OriginalHeader> headers = new ArrayList<>();
                if (entry.getHeaders() != null) {
                    for (StoredHeader header : entry.getHeaders()) {
                        headers.add(new ArrivedOutcome.OriginalHeader(header.getKey(), bytes(header.getValue())));
                    }
                }
                return new WaitingOutcome(entry.getDeadline(), new ArrivedOutcome(entry.getTimestamp(),
                        entry.getOffset(), entry.getLabel(), entry.getWeight(), bytes(entry.getValue()),
                        List.copyOf(headers)));
            }
            default -> {
                return new DecidedId(entry.getDeadline(), entry.getTimestamp(), entry.getOffset(),
                        How.valueOf(entry.getDecision().name()));
            }
        }
    }

    private static List<Double> boxed(double[] values) {
        if (values == null) {
            return null;
        }
        List<Double> boxed = new ArrayList<>(values.length);
        for (double value : values) {
            boxed.add(value);
        }
        return boxed;
    }

    private static double[] unboxed(List<Double> values) {
        return values == null ? null : values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /** For tests: every index entry of {@code clock}, in order. */
    List<Due> indexed(JoinClock clock) {
        List<Due> all = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> range = deadlines.range(indexPrefix(clock, Long.MIN_VALUE),
                endOf(clock))) {
            while (range.hasNext()) {
                KeyValue<Bytes, byte[]> next = range.next();
                all.add(parseIndexKey(next.key.get()));
            }
        }
        return all;
    }
}
