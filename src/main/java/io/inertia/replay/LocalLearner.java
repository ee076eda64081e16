package io.inertia.replay;

import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.SnapshotParts;
import io.inertia.config.InertiaConfig;
import io.inertia.join.OutcomeJoiner;
import io.inertia.join.PendingStore;
import io.inertia.topology.InertiaTopology;
import io.inertia.topology.LearningObserver;
import io.inertia.topology.ModelStore;
import io.inertia.topology.SnapshotAssembler;
import io.inertia.topology.SnapshotLayout;
import io.inertia.topology.SnapshotPublisher;
import io.inertia.topology.WorkingModelStore;
import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The learner node of {@link InertiaTopology}, the very processor and stores {@code inertia run} uses, driven in this
 * thread without Kafka Streams: one task, fed record by record, its outputs handed to an {@link Outputs} as they are
 * forwarded (nothing is kept). The durable stores are {@link LocalKeyValueStore}s in memory; {@link #commit()} does
 * what a task commit does to them (the working models write what changed), so that a driver can bound the memory the
 * working models hold. What the learner publishes does not depend on when commits happen.
 *
 * <p>For replay, where a record's position is its own: each record comes with the topic, partition and offset it is
 * reported at (in dead letters and, for the live topic, in a snapshot's input position).
 *
 * <p>{@link #joining} puts the outcome joiner of {@link InertiaTopology} in front of the learner, as
 * {@code inertia.outcome.join=true} does live: records of the event and outcome topics then go to the joiner of their
 * partition (one per partition, each with its own pending events and clocks, as each live task has), which hands its
 * decisions to the learner.
 */
public final class LocalLearner implements AutoCloseable {

    /** Where the learner's records go, by sink. */
    public interface Outputs {
        /** A record for the snapshot topic (a null value is a tombstone of an obsolete part). */
        void snapshot(byte[] key, byte[] value, long timestamp);

        /** A prediction record. */
        void prediction(byte[] key, byte[] value, long timestamp);

        /** A rejected event, with the reason in its headers. */
        void deadLetter(byte[] key, byte[] value, long timestamp, Headers headers);

        /** A record of the learn log (only with the outcome joiner): by default not kept. */
        default void learnLog(byte[] key, byte[] value, long timestamp, Headers headers) {
        }
    }

    private final Context<byte[], byte[]> context;
    private final Processor<byte[], byte[], byte[], byte[]> processor;
    private final WorkingModelStore working;
    private final Map<String, StateStore> stores = new LinkedHashMap<>();
    /** The joiners by partition, with the outcome joiner; null without. */
    private final Map<Integer, Processor<byte[], byte[], byte[], byte[]>> joiners;
    private final ProcessorSupplier<byte[], byte[], byte[], byte[]> joinerSupplier;
    private boolean processed;

    /**
     * A learner for {@code config} sending what it publishes to {@code outputs}, without the partition check (the
     * number of partitions of its input unknown).
     */
    public LocalLearner(InertiaConfig config, LearningObserver observer, Outputs outputs) {
        this(config, observer, outputs, 0);
    }

    /**
     * A learner for {@code config} sending what it publishes to {@code outputs}, its input topic having
     * {@code inputPartitions} partitions: each record's partition is checked against its key's, as live (0: not
     * checked).
     */
    public LocalLearner(InertiaConfig config, LearningObserver observer, Outputs outputs, int inputPartitions) {
        this(config, observer, outputs, inputPartitions, false);
    }

    /**
     * A learner behind the outcome joiner, for {@code config} (its window, default label and weight, outcome topic):
     * records of {@code config}'s outcome topic are outcomes, any other an event; each partition has its own joiner.
     * As {@link #LocalLearner(InertiaConfig, LearningObserver, Outputs, int)} otherwise.
     */
    public static LocalLearner joining(InertiaConfig config, LearningObserver observer, Outputs outputs,
            int inputPartitions) {
        return new LocalLearner(config, observer, outputs, inputPartitions, true);
    }

    private LocalLearner(InertiaConfig config, LearningObserver observer, Outputs outputs, int inputPartitions,
            boolean join) {
        stores.put(ModelStore.NAME, new LocalKeyValueStore<>(ModelStore.NAME, new StringSerializer()));
        stores.put(ModelStore.PARTS, new LocalKeyValueStore<>(ModelStore.PARTS, new StringSerializer()));
        stores.put(ModelStore.COORDINATES, new LocalKeyValueStore<>(ModelStore.COORDINATES, new StringSerializer()));
        working = InertiaTopology.workingModelStore(config).build();
        stores.put(WorkingModelStore.NAME, working);
        context = new Context<>(config, stores, outputs);
        for (StateStore store : stores.values()) {
            store.init(context, store);
        }
        processor = InertiaTopology.learner(config, observer, inputPartitions).get();
        processor.init(context);
        context.learner = processor;
        joiners = join ? new TreeMap<>() : null;
        joinerSupplier = join ? InertiaTopology.joiner(config, observer, inputPartitions) : null;
    }

    /** The joiner of {@code partition}, made at its first record with stores of its own. */
    private Processor<byte[], byte[], byte[], byte[]> joiner(int partition) {
        Processor<byte[], byte[], byte[], byte[]> joiner = joiners.get(partition);
        if (joiner != null) {
            return joiner;
        }
        Map<String, StateStore> own = new LinkedHashMap<>();
        own.put(PendingStore.PENDING, new LocalKeyValueStore<>(PendingStore.PENDING, Serdes.Bytes().serializer()));
        own.put(PendingStore.DEADLINES, new LocalKeyValueStore<>(PendingStore.DEADLINES,
                Serdes.Bytes().serializer()));
        own.put(PendingStore.CLOCKS, new LocalKeyValueStore<>(PendingStore.CLOCKS, new StringSerializer()));
        for (StateStore store : own.values()) {
            store.init(context, store);
        }
        // The joiner takes its stores in init: the partition's own, and the learner's working models to score with.
        context.joinerStores = own;
        try {
            joiner = joinerSupplier.get();
            joiner.init(context);
        } finally {
            context.joinerStores = Map.of();
        }
        joiners.put(partition, joiner);
        return joiner;
    }

    /**
     * Starts the model of {@code published} from that snapshot, exactly as the learner that published it held it
     * (each weight as of its last update, the parts of its generation), so that it goes on as that learner would.
     * Only before the first record.
     */
    @SuppressWarnings("unchecked")
    public void warmStart(SnapshotAssembler.Published published) {
        if (processed) {
            throw new IllegalStateException("a model can be warm-started only before the first record");
        }
        ModelSnapshot header = ModelSnapshot.newBuilder(published.header()).build();
        String key = header.getModelKey();
        SnapshotParts layout = header.getParts();
        if (layout != null) {
            // The store keeps the named weights in the layout of the published parts: take those parts as they are.
            var parts = (KeyValueStore<String, ModelSnapshotPart>) (KeyValueStore<?, ?>) stores.get(ModelStore.PARTS);
            for (ModelSnapshotPart part : published.parts()) {
                parts.put(SnapshotLayout.partKey(key, part.getGeneration(), part.getIndex()), part);
            }
            header.setStoredParts(SnapshotParts.newBuilder(layout).build());
        }
        ((KeyValueStore<String, ModelSnapshot>) (KeyValueStore<?, ?>) stores.get(ModelStore.NAME)).put(key, header);
    }

    /**
     * Publishes the snapshot of {@code modelKey} at its current version now, as the learner publishes every snapshot;
     * false when it cannot (see {@link SnapshotPublisher#publishSnapshot}).
     */
    public boolean publishSnapshot(String modelKey) {
        return ((SnapshotPublisher) processor).publishSnapshot(modelKey);
    }

    /** Learns from one input record at {@code topic}/{@code partition}/{@code offset}. */
    public void process(byte[] key, byte[] value, long timestamp, String topic, int partition, long offset) {
        process(key, value, timestamp, topic, partition, offset, new RecordHeaders());
    }

    /**
     * Learns from one input record at {@code topic}/{@code partition}/{@code offset} with its {@code headers}: those
     * of a learn log's records say what each is (a decision of the outcome joiner, or an event with where it was read).
     */
    public void process(byte[] key, byte[] value, long timestamp, String topic, int partition, long offset,
            Headers headers) {
        processed = true;
        context.metadata = new Position(topic, partition, offset);
        context.streamTime = Math.max(context.streamTime, timestamp);
        Record<byte[], byte[]> record = new Record<>(key, value, timestamp, headers);
        if (joiners != null) {
            joiner(partition).process(record);
        } else {
            processor.process(record);
        }
    }

    /** Writes what the working models changed to the stores, as a task commit does. */
    public void commit() {
        working.flushCache();
    }

    /** The durable stores, after {@link #commit()}: every model as the learner holds it. */
    public ModelStore modelStore(InertiaConfig config) {
        return ModelStore.open(new ModelStore.StoreLookup() {
            @Override
            @SuppressWarnings("unchecked")
            public <K, V> org.apache.kafka.streams.state.KeyValueStore<K, V> get(String name) {
                return (org.apache.kafka.streams.state.KeyValueStore<K, V>) stores.get(name);
            }
        }, config);
    }

    @Override
    public void close() {
        if (joiners != null) {
            joiners.values().forEach(Processor::close);
        }
        processor.close();
        for (StateStore store : stores.values()) {
            store.close();
        }
    }

    private record Position(String topic, int partition, long offset) implements RecordMetadata {
    }

    /**
     * The one task's processor and store context: its stores, its record's position, its sinks. Generic only because
     * Java cannot bound {@code forward}'s type variables by {@code byte[]} directly; it is used as
     * {@code Context<byte[], byte[]>}.
     */
    private static final class Context<KF, VF> implements ProcessorContext<KF, VF>, StateStoreContext {
        private static final TaskId TASK = new TaskId(0, 0);
        private final InertiaConfig config;
        private final Map<String, StateStore> stores;
        private final Outputs outputs;
        private RecordMetadata metadata;
        private long streamTime = -1;
        /** The node the joiner forwards its decisions to. */
        private Processor<byte[], byte[], byte[], byte[]> learner;
        /** The stores of the joiner being initialized, looked up before the shared ones. */
        private Map<String, StateStore> joinerStores = Map.of();

        Context(InertiaConfig config, Map<String, StateStore> stores, Outputs outputs) {
            this.config = config;
            this.stores = stores;
            this.outputs = outputs;
        }

        @Override
        public <K extends KF, V extends VF> void forward(Record<K, V> record) {
            throw new UnsupportedOperationException("the learner forwards to a named sink");
        }

        @Override
        public <K extends KF, V extends VF> void forward(Record<K, V> record, String childName) {
            byte[] key = (byte[]) record.key();
            byte[] value = (byte[]) record.value();
            switch (childName) {
                case InertiaTopology.SNAPSHOT_SINK -> outputs.snapshot(key, value, record.timestamp());
                case InertiaTopology.PREDICTION_SINK -> outputs.prediction(key, value, record.timestamp());
                case InertiaTopology.DEAD_LETTER_SINK -> outputs.deadLetter(key, value, record.timestamp(),
                        record.headers() == null ? new RecordHeaders() : record.headers());
                case OutcomeJoiner.LEARN_LOG_SINK -> outputs.learnLog(key, value, record.timestamp(),
                        record.headers());
                case InertiaTopology.LEARNER -> learner.process(new Record<>(key, value, record.timestamp(),
                        record.headers()));
                default -> throw new IllegalArgumentException("no sink called " + childName);
            }
        }

        @Override
        public String applicationId() {
            return config.kafka().getOrDefault("application.id", "inertia-replay");
        }

        @Override
        public TaskId taskId() {
            return TASK;
        }

        @Override
        public Optional<RecordMetadata> recordMetadata() {
            return Optional.ofNullable(metadata);
        }

        @Override
        public Serde<?> keySerde() {
            return org.apache.kafka.common.serialization.Serdes.ByteArray();
        }

        @Override
        public Serde<?> valueSerde() {
            return org.apache.kafka.common.serialization.Serdes.ByteArray();
        }

        @Override
        public File stateDir() {
            throw new UnsupportedOperationException("a local learner keeps no state directory");
        }

        @Override
        public StreamsMetrics metrics() {
            throw new UnsupportedOperationException("a local learner has no Kafka Streams metrics");
        }

        @Override
        public void register(StateStore store, StateRestoreCallback restoreCallback) {
            // nothing to restore: the stores start empty
        }

        @Override
        public void register(StateStore store, StateRestoreCallback restoreCallback, CommitCallback commitCallback) {
            // nothing to restore
        }

        @Override
        @SuppressWarnings("unchecked")
        public <S extends StateStore> S getStateStore(String name) {
            StateStore store = joinerStores.getOrDefault(name, stores.get(name));
            if (store == null) {
                throw new IllegalArgumentException("no store called " + name);
            }
            return (S) store;
        }

        @Override
        public Cancellable schedule(Duration interval, PunctuationType type, Punctuator callback) {
            throw new UnsupportedOperationException("a local learner has no punctuation");
        }

        @Override
        public Cancellable schedule(Instant startTime, Duration interval, PunctuationType type,
                Punctuator callback) {
            throw new UnsupportedOperationException("a local learner has no punctuation");
        }

        @Override
        public void commit() {
            // the driver decides when to commit
        }

        @Override
        public Map<String, Object> appConfigs() {
            return Map.copyOf(config.kafka());
        }

        @Override
        public Map<String, Object> appConfigsWithPrefix(String prefix) {
            Map<String, Object> matching = new LinkedHashMap<>();
            config.kafka().forEach((key, value) -> {
                if (key.startsWith(prefix)) {
                    matching.put(key.substring(prefix.length()), value);
                }
            });
            return matching;
        }

        @Override
        public long currentSystemTimeMs() {
            throw new UnsupportedOperationException("a local learner has no clock: results never depend on one");
        }

        @Override
        public long currentStreamTimeMs() {
            return streamTime;
        }
    }
}
