package io.inertia.join;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.serde.EventDecoder;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A million events waiting for their outcome live in RocksDB, not on the heap: the heap in use after a full GC grows
 * by a few MiB at most (RocksDB's own memory is off heap, bounded by its block cache). Measured, not timed: the figures
 * are printed. Expiry at scale is {@code PendingStoreTest}'s (its scans) and {@code OutcomeJoinTest}'s (its decisions).
 */
class PendingMemoryTest {

    private static final int EVENTS = 1_000_000;

    @TempDir
    Path stateDir;

    @Test
    void shouldKeepAMillionPendingEventsOffTheHeap() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (JoinStores stores = JoinStores.rocksDb(stateDir)) {
            List<io.inertia.join.Decision> decided = new ArrayList<>();
            OutcomeJoin join = new OutcomeJoin(3_600_000, OptionalDouble.empty(), 1.0, stores.store, decided::add);
            String[] names = {"ad", "country", "device", "hour", "slot", "user-segment"};
            long before = heapAfterGc(memory);
            long start = System.nanoTime();
            for (int i = 0; i < EVENTS; i++) {
                long time = i;
                join.eventRead(time);
                join.unlabeledEvent("model-" + (i % 8), "impression-" + i, new ArrivedEvent(time, i, null, names,
                        new double[] {i % 97, 1, i % 3, i % 24, i % 5, 0.5}, 1.0,
                        new EventDecoder.Served(0.03, -3.5, i / 8)));
                decided.clear();
            }
            long filled = System.nanoTime();
            long pendingHeap = heapAfterGc(memory) - before;
            System.out.printf("%,d pending events in RocksDB: heap +%.1f MiB after GC, %,d bytes on disk; put in "
                    + "%.1f s%n", EVENTS, pendingHeap / 1048576.0, diskBytes(stateDir), (filled - start) / 1e9);
            assertEquals(EVENTS, stores.store.indexed(JoinClock.OUTCOME).size(), "every event pending");
            assertTrue(pendingHeap < 64L << 20, "the pending events are not on the heap: +" + pendingHeap + " bytes");
            // The last one is still there, whole.
            assertEquals(EVENTS - 1, ((Pending.PendingEvent) stores.store.get("model-7", "impression-" + (EVENTS - 1)))
                    .event().offset());
        }
    }

    private static long diskBytes(Path dir) {
        try (var files = java.nio.file.Files.walk(dir)) {
            return files.filter(java.nio.file.Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static long heapAfterGc(MemoryMXBean memory) {
        List<Object> nothing = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        nothing.clear();
        return memory.getHeapMemoryUsage().getUsed();
    }
}
