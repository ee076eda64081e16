package io.inertia.replay;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A key-value store in a sorted map, holding the objects it is given: the learner's durable stores when it runs
 * outside Kafka Streams ({@link LocalLearner}), where no changelog is needed and nothing needs to survive the process.
 * Keys iterate in the order of their serialized bytes, as RocksDB's do. Not thread-safe, like a task's stores.
 *
 * @param <K> key type
 * @param <V> value type
 */
final class LocalKeyValueStore<K, V> implements KeyValueStore<K, V> {

    private final String name;
    private final Serializer<K> keySerializer;
    /** Serialized key → (key, value). */
    private final NavigableMap<Bytes, KeyValue<K, V>> entries = new TreeMap<>();
    private boolean open;

    /** A store called {@code name} ordering its keys by their bytes under {@code keySerializer}. */
    LocalKeyValueStore(String name, Serializer<K> keySerializer) {
        this.name = name;
        this.keySerializer = keySerializer;
    }

    private Bytes bytesOf(K key) {
        if (key == null) {
            throw new NullPointerException("key of store " + name + " is null");
        }
        return Bytes.wrap(keySerializer.serialize(name, key));
    }

    @Override
    public void put(K key, V value) {
        if (value == null) {
            entries.remove(bytesOf(key));
        } else {
            entries.put(bytesOf(key), KeyValue.pair(key, value));
        }
    }

    @Override
    public V putIfAbsent(K key, V value) {
        V existing = get(key);
        if (existing == null) {
            put(key, value);
        }
        return existing;
    }

    @Override
    public void putAll(List<KeyValue<K, V>> pairs) {
        pairs.forEach(pair -> put(pair.key, pair.value));
    }

    @Override
    public V delete(K key) {
        KeyValue<K, V> removed = entries.remove(bytesOf(key));
        return removed == null ? null : removed.value;
    }

    @Override
    public V get(K key) {
        KeyValue<K, V> entry = entries.get(bytesOf(key));
        return entry == null ? null : entry.value;
    }

    /**
     * The entries from {@code from} to {@code to} (both inclusive, null: unbounded), read lazily, one lookup per
     * entry: a scan that stops after a few entries (the outcome joiner's deadline index, scanned from its low-water
     * mark) costs those entries, not the rest of the store. Writes while iterating are safe; an entry written after
     * the one last returned may or may not be seen (the joiner writes only after closing its scans).
     */
    @Override
    public KeyValueIterator<K, V> range(K from, K to) {
        Bytes low = from == null ? null : bytesOf(from);
        Bytes high = to == null ? null : bytesOf(to);
        return new KeyValueIterator<>() {
            private Map.Entry<Bytes, KeyValue<K, V>> next = bounded(low == null ? entries.firstEntry()
                    : entries.ceilingEntry(low));

            private Map.Entry<Bytes, KeyValue<K, V>> bounded(Map.Entry<Bytes, KeyValue<K, V>> entry) {
                return entry == null || (high != null && entry.getKey().compareTo(high) > 0) ? null : entry;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public KeyValue<K, V> next() {
                if (next == null) {
                    throw new java.util.NoSuchElementException();
                }
                KeyValue<K, V> current = next.getValue();
                next = bounded(entries.higherEntry(next.getKey()));
                return current;
            }

            @Override
            public K peekNextKey() {
                if (next == null) {
                    throw new java.util.NoSuchElementException();
                }
                return next.getValue().key;
            }

            @Override
            public void close() {
                // nothing held
            }
        };
    }

    @Override
    public KeyValueIterator<K, V> all() {
        return iterator(entries);
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<K, V> prefixScan(P prefix, PS prefixKeySerializer) {
        byte[] start = prefixKeySerializer.serialize(name, prefix);
        List<KeyValue<K, V>> matches = new ArrayList<>();
        for (Map.Entry<Bytes, KeyValue<K, V>> entry : entries.tailMap(Bytes.wrap(start), true).entrySet()) {
            if (!startsWith(entry.getKey().get(), start)) {
                break;
            }
            matches.add(entry.getValue());
        }
        return iterator(matches);
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** A snapshot of the entries, so that writes while iterating are safe. */
    private KeyValueIterator<K, V> iterator(NavigableMap<Bytes, KeyValue<K, V>> view) {
        return iterator(new ArrayList<>(view.values()));
    }

    private KeyValueIterator<K, V> iterator(List<KeyValue<K, V>> pairs) {
        Iterator<KeyValue<K, V>> it = pairs.iterator();
        return new KeyValueIterator<>() {
            private KeyValue<K, V> next = it.hasNext() ? it.next() : null;

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public KeyValue<K, V> next() {
                if (next == null) {
                    throw new java.util.NoSuchElementException();
                }
                KeyValue<K, V> current = next;
                next = it.hasNext() ? it.next() : null;
                return current;
            }

            @Override
            public K peekNextKey() {
                if (next == null) {
                    throw new java.util.NoSuchElementException();
                }
                return next.key;
            }

            @Override
            public void close() {
                // nothing held
            }
        };
    }

    @Override
    public long approximateNumEntries() {
        return entries.size();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        open = true;
    }

    @Override
    public void close() {
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }
}
