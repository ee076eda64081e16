package io.inertia.runtime;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the memory of every RocksDB store of one learner process: one LRU block cache shared by all stores, with the
 * memtables charged to the same cache through a {@link WriteBufferManager}, and index and filter blocks kept in it
 * too. Kafka Streams' defaults give each store its own 50 MB block cache and up to three 16 MB memtables, about 100 MB
 * per store and task, which a learner with many tasks would not fit in.
 *
 * <p>The total is {@value #MEMORY_CONFIG} in the Kafka Streams properties (set from {@code inertia.rocksdb-memory-bytes});
 * the cache is made once per process and never closed by a store, since every store shares it.
 */
public final class BoundedRocksDbConfig implements RocksDBConfigSetter {

    /** The Kafka Streams property that carries the total in bytes. */
    public static final String MEMORY_CONFIG = "inertia.rocksdb.memory.bytes";
    /** Share of the total that memtables may take. */
    private static final double MEMTABLE_SHARE = 0.5;

    private static Cache cache;
    private static WriteBufferManager writeBufferManager;
    private static long total;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Object configured = configs.get(MEMORY_CONFIG);
        long bytes = configured == null ? 64L << 20 : Long.parseLong(configured.toString());
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        synchronized (BoundedRocksDbConfig.class) {
            if (cache == null || total != bytes) {
                // The first store of the process, or a new setting (tests start several applications in one JVM).
                total = bytes;
                cache = new LRUCache(bytes, -1, false, 0.1);
                writeBufferManager = new WriteBufferManager((long) (bytes * MEMTABLE_SHARE), cache);
            }
            table.setBlockCache(cache);
            options.setWriteBufferManager(writeBufferManager);
        }
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setMaxWriteBufferNumber(2);
        options.setWriteBufferSize(Math.max(1L << 20, (long) (bytes * MEMTABLE_SHARE / 4)));
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the write buffer manager are shared by every store: none may close them.
    }
}
