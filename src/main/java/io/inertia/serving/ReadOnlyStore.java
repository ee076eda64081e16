package io.inertia.serving;

import java.util.List;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * A store of an interactive query, seen through the {@link KeyValueStore} interface that {@code ModelStore} reads
 * with, so that the HTTP API reads a model with the very code the learner loads it with. Reading only: every write
 * throws, and prefix scans (which only models of release 0.1 need) are not offered by Kafka Streams' read-only view.
 */
final class ReadOnlyStore<K, V> implements KeyValueStore<K, V> {

    private final String name;
    private final ReadOnlyKeyValueStore<K, V> store;

    ReadOnlyStore(String name, ReadOnlyKeyValueStore<K, V> store) {
        this.name = name;
        this.store = store;
    }

    @Override
    public V get(K key) {
        return store.get(key);
    }

    @Override
    public KeyValueIterator<K, V> range(K from, K to) {
        return store.range(from, to);
    }

    @Override
    public KeyValueIterator<K, V> all() {
        return store.all();
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<K, V> prefixScan(P prefix, PS prefixKeySerializer) {
        return store.prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return store.approximateNumEntries();
    }

    @Override
    public void put(K key, V value) {
        throw readOnly();
    }

    @Override
    public V putIfAbsent(K key, V value) {
        throw readOnly();
    }

    @Override
    public void putAll(List<KeyValue<K, V>> entries) {
        throw readOnly();
    }

    @Override
    public V delete(K key) {
        throw readOnly();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        throw readOnly();
    }

    @Override
    public void flush() {
        throw readOnly();
    }

    @Override
    public void close() {
        // the learner owns the store
    }

    @Override
    public boolean persistent() {
        return true;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    private static UnsupportedOperationException readOnly() {
        return new UnsupportedOperationException("the HTTP API only reads the learner's stores");
    }
}
