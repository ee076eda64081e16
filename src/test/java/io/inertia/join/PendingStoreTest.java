package io.inertia.join;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.join.Pending.DecidedId;
import io.inertia.join.Pending.How;
import io.inertia.join.Pending.PendingEvent;
import io.inertia.join.Pending.WaitingOutcome;
import io.inertia.serde.EventDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PendingStoreTest {

    @TempDir
    Path stateDir;

    @Test
    void shouldOrderIndexKeysByClockThenDeadlineNegativeTimesFirstThenKeyAndId() {
        List<Bytes> keys = new ArrayList<>(List.of(
                PendingStore.indexKey(JoinClock.OUTCOME, -5, "m", "a"),
                PendingStore.indexKey(JoinClock.EVENT, 10, "m", "a"),
                PendingStore.indexKey(JoinClock.OUTCOME, Long.MIN_VALUE, "z", "z"),
                PendingStore.indexKey(JoinClock.OUTCOME, 3, "m", "b"),
                PendingStore.indexKey(JoinClock.OUTCOME, 3, "m", "a"),
                PendingStore.indexKey(JoinClock.OUTCOME, 3, "l", "z"),
                PendingStore.indexKey(JoinClock.OUTCOME, 256, "a", "a"),
                PendingStore.indexKey(JoinClock.OUTCOME, Long.MAX_VALUE, "a", "a")));
        List<Bytes> sorted = new ArrayList<>(keys);
        sorted.sort(null);
        List<String> order = sorted.stream().map(key -> PendingStore.parseIndexKey(key.get()).toString()).toList();
        assertEquals(List.of(
                "Due[clock=EVENT, deadline=10, modelKey=m, eventId=a]",
                "Due[clock=OUTCOME, deadline=-9223372036854775808, modelKey=z, eventId=z]",
                "Due[clock=OUTCOME, deadline=-5, modelKey=m, eventId=a]",
                "Due[clock=OUTCOME, deadline=3, modelKey=l, eventId=z]",
                "Due[clock=OUTCOME, deadline=3, modelKey=m, eventId=a]",
                "Due[clock=OUTCOME, deadline=3, modelKey=m, eventId=b]",
                "Due[clock=OUTCOME, deadline=256, modelKey=a, eventId=a]",
                "Due[clock=OUTCOME, deadline=9223372036854775807, modelKey=a, eventId=a]"), order);
        // Byte by byte: tag, then the deadline 3 with its sign bit flipped, big-endian, then key NUL id.
        assertArrayEquals(new byte[] {'O', (byte) 0x80, 0, 0, 0, 0, 0, 0, 3, 'm', 0, 'a'},
                PendingStore.indexKey(JoinClock.OUTCOME, 3, "m", "a").get());
        assertEquals(new JoinStore.Due(JoinClock.EVENT, 7, "model π", "id\u0000with NUL"), PendingStore
                .parseIndexKey(PendingStore.indexKey(JoinClock.EVENT, 7, "model π", "id\u0000with NUL").get()),
                "an id may hold NUL: the key is split at the first one, and model keys never hold one");
    }

    @Test
    void shouldStoreEveryKindOfEntryAndReadItBackInRocksDb() {
        try (JoinStores stores = JoinStores.rocksDb(stateDir)) {
            PendingStore store = stores.store;
            PendingEvent event = new PendingEvent(2000, new ArrivedEvent(1000, 17, new double[] {1, -2},
                    new String[] {"b", "a"}, new double[] {0.5, 0.25}, 2.0, new EventDecoder.Served(0.3, -0.8, 9)));
            WaitingOutcome outcome = new WaitingOutcome(2500, new ArrivedOutcome(1500, 4, 1.0, 0.5,
                    "value".getBytes(StandardCharsets.UTF_8), List.of(new ArrivedOutcome.OriginalHeader("trace",
                            "t-1".getBytes(StandardCharsets.UTF_8)), new ArrivedOutcome.OriginalHeader("empty", null))));
            DecidedId decided = new DecidedId(3000, 1000, 17, How.DEFAULTED);
            store.put("m", "e", null, event);
            store.put("m", "o", null, outcome);
            store.put("n", "d", null, decided);

            PendingEvent readEvent = (PendingEvent) store.get("m", "e");
            assertEquals(2000, readEvent.deadline());
            assertEquals(1000, readEvent.event().timestamp());
            assertEquals(17, readEvent.event().offset());
            assertArrayEquals(new double[] {1, -2}, readEvent.event().dense());
            assertArrayEquals(new String[] {"b", "a"}, readEvent.event().names(), "in the order given");
            assertArrayEquals(new double[] {0.5, 0.25}, readEvent.event().values());
            assertEquals(2.0, readEvent.event().weight());
            assertEquals(new EventDecoder.Served(0.3, -0.8, 9), readEvent.event().served());
            WaitingOutcome readOutcome = (WaitingOutcome) store.get("m", "o");
            assertEquals(2500, readOutcome.deadline());
            assertEquals(1.0, readOutcome.outcome().label());
            assertEquals(0.5, readOutcome.outcome().weight());
            assertArrayEquals("value".getBytes(StandardCharsets.UTF_8), readOutcome.outcome().value());
            assertEquals("trace", readOutcome.outcome().headers().get(0).key());
            assertArrayEquals("t-1".getBytes(StandardCharsets.UTF_8), readOutcome.outcome().headers().get(0).value());
            assertNull(readOutcome.outcome().headers().get(1).value());
            assertEquals(decided, store.get("n", "d"));
            assertNull(store.get("m", "d"));

            assertEquals(List.of(new JoinStore.Due(JoinClock.OUTCOME, 2000, "m", "e"),
                    new JoinStore.Due(JoinClock.OUTCOME, 3000, "n", "d")), store.indexed(JoinClock.OUTCOME));
            assertEquals(List.of(new JoinStore.Due(JoinClock.EVENT, 2500, "m", "o")), store.indexed(JoinClock.EVENT));

            // Replacing an entry moves its index entry; removing one removes both.
            DecidedId joined = new DecidedId(3000, 1000, 17, How.JOINED);
            store.put("m", "e", readEvent, joined);
            store.remove("m", "o", readOutcome);
            assertEquals(List.of(new JoinStore.Due(JoinClock.OUTCOME, 3000, "m", "e"),
                    new JoinStore.Due(JoinClock.OUTCOME, 3000, "n", "d")), store.indexed(JoinClock.OUTCOME));
            assertEquals(List.of(), store.indexed(JoinClock.EVENT));
            assertNull(store.get("m", "o"));
        }
    }

    @Test
    void shouldKeepTheClocksAcrossIncarnationsOfTheStoreView() {
        try (JoinStores stores = JoinStores.inMemory()) {
            assertEquals(Long.MIN_VALUE, stores.store.clock(JoinClock.EVENT), "nothing read yet");
            stores.store.setClock(JoinClock.EVENT, 42);
            stores.store.setClock(JoinClock.OUTCOME, -3);
            PendingStore again = new PendingStore(stores.pending, stores.deadlines, stores.clocks);
            assertEquals(42, again.clock(JoinClock.EVENT));
            assertEquals(-3, again.clock(JoinClock.OUTCOME));
        }
    }

    @Test
    void shouldScanFromTheLowWaterMarkAndNeverRevisitWhatAScanDecided() {
        List<RecordingIndex> index = new ArrayList<>();
        try (JoinStores stores = JoinStores.inMemory(store -> {
            RecordingIndex recording = new RecordingIndex(store);
            index.add(recording);
            return recording;
        })) {
            RecordingIndex recording = index.get(0);
            List<io.inertia.join.Decision> decided = new ArrayList<>();
            OutcomeJoin join = new OutcomeJoin(1000, OptionalDouble.of(0.0), 1.0, stores.store, decided::add);
            // 2,500 events at 4·i ms, then outcomes for every seventh from i = 2000 on, each 500 ms before its event:
            // the first moves the outcome clock to 7500 and makes 1,625 events due at once (more than one scan's
            // batch); the joined events' index entries become tombstones ahead of the low-water mark. Then the
            // clock moves on in steps.
            for (int i = 0; i < 2500; i++) {
                long time = i * 4L;
                join.eventRead(time);
                join.unlabeledEvent("m", "e" + i, new ArrivedEvent(time, i, new double[] {1}, null, null, 1.0,
                        new EventDecoder.Served(0.5, 0, 0)));
            }
            for (int i = 2000; i < 2500; i += 7) {
                long time = i * 4L - 500;
                join.outcomeRead(time);
                join.outcome("m", "e" + i, new ArrivedOutcome(time, i, 1.0, 1.0, new byte[0], List.of()));
            }
            assertTrue(recording.scans.stream().anyMatch(scan -> scan.count() >= OutcomeJoin.BATCH),
                    "a clock made more entries due than one scan takes");
            for (long clock = 10_000; clock <= 40_000; clock += 3_333) {
                join.outcomeRead(clock);
            }
            assertEquals(2500, decided.stream().filter(d -> d.event() != null && d.kind() != io.inertia.model
                    .DelayedOutcomeMetrics.Decision.SCORED).count(), "every event decided once");
            long[] sizes = stores.sizes();
            assertEquals(0, sizes[0] + sizes[1], "and forgotten");

            assertTrue(recording.scans.stream().filter(scan -> scan.count() > 0).count() > 5, "several scans");
            assertEquals(List.of(), recording.revisits, "no scan started at or before a key an earlier scan decided");
        }
    }

    /**
     * An index store that records each range scanned (its bounds and how many keys it returned) and any scan that
     * starts at or before a key that an earlier scan returned and that was then deleted (decided).
     */
    static final class RecordingIndex implements KeyValueStore<Bytes, byte[]> {
        record Scan(Bytes from, Bytes to, int count) {
        }

        final List<Scan> scans = new ArrayList<>();
        final List<String> revisits = new ArrayList<>();
        private final java.util.Set<Bytes> returned = new java.util.HashSet<>();
        private final java.util.Map<Byte, Bytes> decidedUpTo = new java.util.HashMap<>();
        private final KeyValueStore<Bytes, byte[]> store;

        RecordingIndex(KeyValueStore<Bytes, byte[]> store) {
            this.store = store;
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
            Bytes decided = decidedUpTo.get(from.get()[0]);
            if (decided != null && from.compareTo(decided) <= 0) {
                revisits.add(from + " after " + decided);
            }
            KeyValueIterator<Bytes, byte[]> range = store.range(from, to);
            scans.add(new Scan(from, to, 0));
            int at = scans.size() - 1;
            return new KeyValueIterator<>() {
                @Override
                public boolean hasNext() {
                    return range.hasNext();
                }

                @Override
                public KeyValue<Bytes, byte[]> next() {
                    KeyValue<Bytes, byte[]> next = range.next();
                    returned.add(next.key);
                    scans.set(at, new Scan(from, to, scans.get(at).count() + 1));
                    return next;
                }

                @Override
                public Bytes peekNextKey() {
                    return range.peekNextKey();
                }

                @Override
                public void close() {
                    range.close();
                }
            };
        }

        @Override
        public byte[] delete(Bytes key) {
            if (returned.contains(key)) {
                decidedUpTo.merge(key.get()[0], key, (a, b) -> a.compareTo(b) >= 0 ? a : b);
            }
            return store.delete(key);
        }

        @Override
        public void put(Bytes key, byte[] value) {
            store.put(key, value);
        }

        @Override
        public byte[] putIfAbsent(Bytes key, byte[] value) {
            return store.putIfAbsent(key, value);
        }

        @Override
        public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
            store.putAll(entries);
        }

        @Override
        public byte[] get(Bytes key) {
            return store.get(key);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> all() {
            return store.all();
        }

        @Override
        public long approximateNumEntries() {
            return store.approximateNumEntries();
        }

        @Override
        public String name() {
            return store.name();
        }

        @Override
        public void init(StateStoreContext context, StateStore root) {
            store.init(context, root);
        }

        @Override
        public void close() {
            store.close();
        }

        @Override
        public boolean persistent() {
            return store.persistent();
        }

        @Override
        public boolean isOpen() {
            return store.isOpen();
        }
    }
}
