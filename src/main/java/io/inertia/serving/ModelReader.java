package io.inertia.serving;

import io.inertia.avro.ModelCoordinate;
import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.topology.ModelStore;
import io.inertia.topology.SnapshotCodec;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * Reads this instance's models from the learner's durable stores by interactive queries, never from the working
 * models the stream thread mutates: RocksDB reads are safe beside the stream thread's writes. What a read returns is
 * the model as the last commit of its task wrote it (Kafka Streams 4.3's interactive queries see a store's latest
 * writes, whether or not the transaction that wrote them commits).
 *
 * <p>A model is read as the learner loads it (header, then the parts its header names). Parts of a generation never
 * change once written; only a new generation deletes the old one's, after writing the header that no longer names
 * them. A read that loses that race finds a part missing and starts again, so a reply is always a header and parts of
 * one version, never a mix.
 *
 * @throws org.apache.kafka.streams.errors.InvalidStateStoreException from every method while the stores are not
 *     queryable (start-up, a rebalance)
 */
final class ModelReader {

    private static final int ATTEMPTS = 5;

    private final KafkaStreams streams;
    private final InertiaConfig config;

    ModelReader(KafkaStreams streams, InertiaConfig config) {
        this.streams = streams;
        this.config = config;
    }

    /** The header of the model of {@code key} (version, metrics, dense weights, no named weights), or null. */
    ModelSnapshot header(String key) {
        return headers().get(key);
    }

    /** The model of {@code key} whole, every weight brought up to its version, or null when this instance has none. */
    ModelSnapshot whole(String key) {
        IllegalStateException lastRace = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ModelStore store = new ModelStore(headers(), store(ModelStore.PARTS), coordinates(), config.learner(),
                    SnapshotCodec.hyperParameters(config), config.maxRecordBytes());
            try {
                return store.snapshot(key);
            } catch (IllegalStateException e) {
                // A new generation replaced the parts between the header and a part: read again.
                lastRace = e;
            }
        }
        throw lastRace;
    }

    /** The header of every model of this instance's active tasks, in key order within each store. */
    List<ModelSnapshot> allHeaders() {
        List<ModelSnapshot> all = new ArrayList<>();
        try (KeyValueIterator<String, ModelSnapshot> iterator = headers().all()) {
            while (iterator.hasNext()) {
                KeyValue<String, ModelSnapshot> entry = iterator.next();
                all.add(entry.value);
            }
        }
        all.sort(java.util.Comparator.comparing(ModelSnapshot::getModelKey));
        return all;
    }

    private KeyValueStore<String, ModelSnapshot> headers() {
        return store(ModelStore.NAME);
    }

    private KeyValueStore<String, ModelCoordinate> coordinates() {
        return store(ModelStore.COORDINATES);
    }

    private <V> KeyValueStore<String, V> store(String name) {
        return new ReadOnlyStore<>(name, streams.store(StoreQueryParameters.fromNameAndType(name,
                QueryableStoreTypes.<String, V>keyValueStore())));
    }
}
