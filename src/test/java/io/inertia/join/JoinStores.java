package io.inertia.join;

import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The join's three stores as Kafka Streams builds them (in memory, or RocksDB in a folder), opened outside a topology
 * with {@link MockProcessorContext}'s store context: without changelogs, which need a running task.
 */
final class JoinStores implements AutoCloseable {

    final KeyValueStore<Bytes, byte[]> pending;
    final KeyValueStore<Bytes, byte[]> deadlines;
    final KeyValueStore<String, Long> clocks;
    final PendingStore store;

    private JoinStores(KeyValueStore<Bytes, byte[]> pending, KeyValueStore<Bytes, byte[]> deadlines,
            KeyValueStore<String, Long> clocks, StateStoreContext context) {
        this.pending = pending;
        this.deadlines = deadlines;
        this.clocks = clocks;
        pending.init(context, pending);
        deadlines.init(context, deadlines);
        clocks.init(context, clocks);
        this.store = new PendingStore(pending, deadlines, clocks);
    }

    /** The stores in memory. */
    static JoinStores inMemory() {
        return of(Stores.inMemoryKeyValueStore(PendingStore.PENDING),
                Stores.inMemoryKeyValueStore(PendingStore.DEADLINES), new Properties(), null, null);
    }

    /** The entries and the index in RocksDB under {@code stateDir}, the clocks in memory, as in the topology. */
    static JoinStores rocksDb(Path stateDir) {
        Properties config = new Properties();
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        return of(Stores.persistentKeyValueStore(PendingStore.PENDING),
                Stores.persistentKeyValueStore(PendingStore.DEADLINES), config, null, stateDir);
    }

    /** As {@link #inMemory()}, with the index store wrapped by {@code index} (to watch what the join asks of it). */
    static JoinStores inMemory(java.util.function.UnaryOperator<KeyValueStore<Bytes, byte[]>> index) {
        return of(Stores.inMemoryKeyValueStore(PendingStore.PENDING),
                Stores.inMemoryKeyValueStore(PendingStore.DEADLINES), new Properties(), index, null);
    }

    private static JoinStores of(KeyValueBytesStoreSupplier pending, KeyValueBytesStoreSupplier deadlines,
            Properties config, java.util.function.UnaryOperator<KeyValueStore<Bytes, byte[]>> index, Path stateDir) {
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "join-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused.invalid:9092");
        StateStoreContext context = (stateDir == null ? new MockProcessorContext<>(config)
                : new MockProcessorContext<>(config, new org.apache.kafka.streams.processor.TaskId(0, 0),
                        stateDir.toFile())).getStateStoreContext();
        KeyValueStore<Bytes, byte[]> deadlineStore = Stores.keyValueStoreBuilder(deadlines, Serdes.Bytes(),
                Serdes.ByteArray()).withLoggingDisabled().build();
        return new JoinStores(
                Stores.keyValueStoreBuilder(pending, Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().build(),
                index == null ? deadlineStore : index.apply(deadlineStore),
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PendingStore.CLOCKS), Serdes.String(),
                        Serdes.Long()).withLoggingDisabled().build(), context);
    }

    /** How many entries the entries' store and the index hold. */
    long[] sizes() {
        return new long[] {count(pending), count(deadlines)};
    }

    private static long count(KeyValueStore<Bytes, byte[]> store) {
        long n = 0;
        try (var all = store.all()) {
            while (all.hasNext()) {
                all.next();
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        pending.close();
        deadlines.close();
        clocks.close();
    }
}
