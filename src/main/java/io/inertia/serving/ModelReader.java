package io.inertia.serving;

import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.OutcomeMetrics;
import io.inertia.config.InertiaConfig;
import io.inertia.model.OnlineLearner;
import io.inertia.topology.ModelStore;
import io.inertia.topology.ModelView;
import io.inertia.topology.SnapshotCodec;
import io.inertia.topology.WorkingModelStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads this instance's models for the API, by interactive queries on the task of the model's partition.
 *
 * <ol>
 *   <li>A model the task holds in memory ({@link WorkingModelStore}) is read there by an optimistic read of the
 *       model's lock, kept only when no update began meanwhile ({@link WorkingModelStore#read}): the model as of the
 *       last event the learner applied, exactly one version, and the learner never waits for a reader. The reading
 *       touches what the request needs: a prediction the header and its features' weights, {@code ?weights=false} the
 *       header only; a whole model is copied (arrays, under the read lock) and written from the copy.</li>
 *   <li>Otherwise (not learned since the task started, or evicted) from the durable stores: read whole once and kept
 *       ({@link StoredModels}) as long as the task's {@linkplain WorkingModelStore#stamp stamp} for the key says the
 *       stored state is unchanged. Parts of a generation never change once written; a new generation deletes the old
 *       one's after writing the header that no longer names them, so a load that loses that race finds a part missing
 *       and starts again: a reply is a header and parts of one version, never a mix.</li>
 * </ol>
 *
 * @throws org.apache.kafka.streams.errors.InvalidStateStoreException from every method while the stores are not
 *     queryable (start-up, a rebalance), or when the partition's task is not (or no longer) on this instance
 */
final class ModelReader {

    private static final int ATTEMPTS = 5;

    private final TaskStores stores;
    private final OnlineLearner learner;
    private final HyperParameters hyperParameters;
    private final StoredModels stored;
    private final ModelJson json;
    /** Whether an outcome joiner makes decisions whose counts a model's header carries. */
    private final boolean outcomeJoin;

    ModelReader(TaskStores stores, InertiaConfig config, StoredModels stored, ModelJson json) {
        this.stores = stores;
        this.outcomeJoin = config.outcomeJoin();
        this.learner = config.learner();
        this.hyperParameters = SnapshotCodec.hyperParameters(config);
        this.stored = stored;
        this.json = json;
    }

    /** The learner the models are read for (its optimizer brings weights up to date). */
    OnlineLearner learner() {
        return learner;
    }

    /**
     * The header of the model of {@code key} (version, bias, metrics; no weight), or null when this instance has none.
     * O(1): never reads a weight (a model out of memory: the one read before, or its stored header).
     */
    ModelJson.Header header(String key, int partition) {
        WorkingModelStore working = working(partition);
        WorkingModelStore.Stamp stamp = working.stamp(key);
        Optional<ModelJson.Header> live = working.read(key, json::header);
        if (live.isPresent()) {
            return live.get();
        }
        ModelView cached = stored.get(key, stamp);
        if (cached != null) {
            return json.header(cached);
        }
        ModelSnapshot header = durable(partition).headerOf(key);
        return header == null ? null : ModelJson.header(header);
    }

    /**
     * The header record of a model as its store would write it (dense weights and state included), with its
     * {@link #outcomes}.
     */
    ModelSnapshot record(ModelView view) {
        ModelSnapshot header = SnapshotCodec.toHeader(view.key(), view.model(), learner, hyperParameters,
                view.lastEventTimestamp());
        header.setHalted(view.halted());
        header.setOutcomes(outcomes(view.key()));
        header.setScalers(SnapshotCodec.scalers(view.scalers()));
        return header;
    }

    /**
     * What the outcome joiner's decisions made of the model of {@code key} ({@code outcomes}, ModelSnapshot v6), as its
     * header store holds them: as of the task's last commit (at most {@code commit.interval.ms} behind the model in
     * memory); null when there is none, and without an outcome joiner, which alone makes such decisions: reading and
     * decoding the stored header (its hyperparameters, metrics and window of losses) was a fifth of the CPU that
     * {@code GET /models/{key}?weights=false} cost.
     */
    OutcomeMetrics outcomes(String key) {
        if (!readsOutcomes()) {
            return null;
        }
        ModelSnapshot stored = stores.headers().get(key);
        return stored == null ? null : stored.getOutcomes();
    }

    /** Whether {@link #outcomes} reads the header store (with an outcome joiner), else it has none to read. */
    boolean readsOutcomes() {
        return outcomeJoin;
    }

    /**
     * What {@code reading} makes of the model of {@code key} where the learner holds it, in memory, without reading
     * the stores: empty when it is not there (read it with {@link #withWeights}). The same contract for
     * {@code reading} as there.
     */
    <T> Optional<T> inMemory(String key, int partition, Function<ModelView, T> reading) {
        Optional<T> live = working(partition).read(key, reading);
        if (live.isPresent() && !stored.isEmpty()) {
            // Learned again since it was read from the stores: that copy is stale.
            stored.remove(key);
        }
        return live;
    }

    /**
     * What {@code reading} makes of the model of {@code key} with its weights, or null when this instance has none.
     * {@code reading} runs on the caller's thread, on a model in memory maybe more than once (see
     * {@link WorkingModelStore#read}): it must be quick, must not change the model nor keep it, and must be safe on a
     * model changing under it.
     */
    <T> T withWeights(String key, int partition, Function<ModelView, T> reading) {
        WorkingModelStore.Stamp stamp = working(partition).stamp(key);
        Optional<T> live = inMemory(key, partition, reading);
        if (live.isPresent()) {
            return live.get();
        }
        ModelView view = storedModel(key, partition, stamp);
        return view == null ? null : reading.apply(view);
    }

    /**
     * The model of {@code key} to read at leisure (a whole model, written out as slowly as the client reads), or null:
     * a copy of the one in memory (O(the model) in array copies, while the learner waits), or the stored one.
     */
    ModelView detached(String key, int partition) {
        WorkingModelStore working = working(partition);
        WorkingModelStore.Stamp stamp = working.stamp(key);
        Optional<ModelView> live = working.readLocked(key, view -> new ModelView(view.key(),
                view.model().copy(), view.halted(), view.lastEventTimestamp(),
                view.scalers() == null ? null : view.scalers().copy()));
        if (live.isPresent()) {
            return live.get();
        }
        return storedModel(key, partition, stamp);
    }

    /**
     * The stored model of {@code key} whole: the one read before while {@code stamp} (taken before the model was found
     * out of memory) holds, else read now, whole.
     */
    private ModelView storedModel(String key, int partition, WorkingModelStore.Stamp stamp) {
        ModelView cached = stored.get(key, stamp);
        if (cached != null) {
            return cached;
        }
        // One read of the stores at a time, and the others turned away before they read anything: a burst of
        // requests for a model just out of memory would otherwise each read it, and slow the one read that counts.
        if (!stored.startRead()) {
            throw ApiError.unavailable("model '" + key + "' is not in memory (a restart, a rebalance) and a model is "
                    + "being read from the learner's stores; retry shortly");
        }
        try {
            ModelView again = stored.get(key, stamp);
            if (again != null) {
                // Read by the request that held the read before this one.
                return again;
            }
            ModelStore store = durable(partition);
            IllegalStateException lastRace = null;
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                try {
                    ModelView loaded = store.read(key);
                    if (loaded != null) {
                        stored.put(loaded, stamp);
                    }
                    return loaded;
                } catch (IllegalStateException e) {
                    // A new generation replaced the parts between the header and a part: read again.
                    lastRace = e;
                }
            }
            throw ApiError.unavailable("model '" + key + "' changed under every read (" + lastRace.getMessage()
                    + "); retry shortly");
        } finally {
            stored.readDone();
        }
    }

    /** The header of every model of this instance's active tasks, in key order. */
    List<ModelSnapshot> allHeaders() {
        List<ModelSnapshot> all = new ArrayList<>();
        try (KeyValueIterator<String, ModelSnapshot> iterator = stores.headers().all()) {
            while (iterator.hasNext()) {
                KeyValue<String, ModelSnapshot> entry = iterator.next();
                all.add(entry.value);
            }
        }
        all.sort(Comparator.comparing(ModelSnapshot::getModelKey));
        return all;
    }

    private WorkingModelStore working(int partition) {
        return stores.working(partition);
    }

    private ModelStore durable(int partition) {
        return stores.durable(partition, learner, hyperParameters);
    }

    /** Where the models of a partition's task are: Kafka Streams' interactive queries, or a test's driver. */
    interface TaskStores {
        /** The working models of the active task of {@code partition}. */
        WorkingModelStore working(int partition);

        /** The durable stores of the active task of {@code partition}, read for {@code learner}. */
        ModelStore durable(int partition, OnlineLearner learner, HyperParameters hyperParameters);

        /** The header store of every active task of this instance together. */
        KeyValueStore<String, ModelSnapshot> headers();
    }

    /**
     * The stores of this instance's active tasks, by Kafka Streams' interactive queries. The working models' store of
     * a partition is kept between requests while it is open: asking Kafka Streams for it takes locks the stream
     * thread takes too. A task that moves away closes its store, and a task that comes back has a new one, so an open
     * store is always its partition's active one; a store a rebalance leaves behind reads as empty (every model
     * dropped), and the durable stores, asked for at each read, refuse a partition that is not active here.
     */
    static TaskStores of(KafkaStreams streams, int maxRecordBytes) {
        java.util.concurrent.ConcurrentHashMap<Integer, WorkingModelStore> working =
                new java.util.concurrent.ConcurrentHashMap<>();
        return new TaskStores() {
            @Override
            public WorkingModelStore working(int partition) {
                WorkingModelStore store = working.get(partition);
                if (store != null && store.isOpen()) {
                    return store;
                }
                store = streams.store(StoreQueryParameters.fromNameAndType(WorkingModelStore.NAME,
                        WorkingModelStore.queryableType()).withPartition(partition));
                working.put(partition, store);
                return store;
            }

            @Override
            public ModelStore durable(int partition, OnlineLearner learner, HyperParameters hyperParameters) {
                return new ModelStore(store(ModelStore.NAME, partition), store(ModelStore.PARTS, partition),
                        store(ModelStore.COORDINATES, partition), learner, hyperParameters, maxRecordBytes);
            }

            @Override
            public KeyValueStore<String, ModelSnapshot> headers() {
                return store(ModelStore.NAME, null);
            }

            private <V> KeyValueStore<String, V> store(String name, Integer partition) {
                StoreQueryParameters<ReadOnlyKeyValueStore<String, V>> parameters =
                        StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore());
                if (partition != null) {
                    parameters = parameters.withPartition(partition);
                }
                return new ReadOnlyStore<>(name, streams.store(parameters));
            }
        };
    }
}
