package io.inertia.topology;

import io.inertia.config.InertiaConfig;
import io.inertia.serde.EventDecoder;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.JsonEventDecoder;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * The one place Inertia's topology is built, used alike by {@code inertia run}, {@code inertia replay} and the tests:
 *
 * <pre>
 *   [labeled-events] → labeled-events-source → learner ⇄ inertia-working-models (in memory)
 *                                                 │          ⇣ inside each commit
 *                                                 │ (inertia-models, inertia-model-parts)
 *                                                 ├→ model-snapshots-sink → [model-snapshots]
 *                                                 ├→ predictions-sink     → [predictions]
 *                                                 └→ dead-letters-sink    → [dead-letters]
 * </pre>
 *
 * <p>The learner node was called {@code momentum-learner} before it ran other optimizers too. A processor's name
 * names no store, changelog or internal topic (those are named by the stores alone), so the rename changes nothing
 * that a running application keeps.
 */
public final class InertiaTopology {

    /** Name of the source node reading the input topic. */
    public static final String SOURCE = "labeled-events-source";
    /** Name of the learner processor (every optimizer). */
    public static final String LEARNER = "learner";
    /** Name of the sink node writing snapshots. */
    public static final String SNAPSHOT_SINK = "model-snapshots-sink";
    /** Name of the sink node writing prequential predictions. */
    public static final String PREDICTION_SINK = "predictions-sink";
    /** Name of the sink node writing rejected events. */
    public static final String DEAD_LETTER_SINK = "dead-letters-sink";

    private InertiaTopology() {
    }

    /**
     * The topology for {@code config}, reporting each event to {@code observer}, without the partition check (see
     * {@link #build(InertiaConfig, LearningObserver, int)}): for drivers whose input has one partition.
     */
    public static Topology build(InertiaConfig config, LearningObserver observer) {
        return build(config, observer, 0);
    }

    /**
     * The topology for {@code config}, reporting each event to {@code observer}, its input topic having
     * {@code inputPartitions} partitions: an event on another partition than the one Kafka's default partitioner
     * assigns its key is dead-lettered, since a model must live on exactly one partition (0: not checked).
     */
    public static Topology build(InertiaConfig config, LearningObserver observer, int inputPartitions) {
        Topology topology = new Topology();
        topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), config.inputTopic());
        topology.addProcessor(LEARNER, learner(config, observer, inputPartitions), SOURCE);
        topology.addStateStore(ModelStore.headerStore(), LEARNER);
        topology.addStateStore(ModelStore.partStore(), LEARNER);
        topology.addStateStore(ModelStore.coordinateStore(), LEARNER);
        topology.addStateStore(workingModelStore(config), LEARNER);
        topology.addSink(SNAPSHOT_SINK, config.snapshotTopic(), new ByteArraySerializer(), new ByteArraySerializer(),
                SnapshotLayout.partitioner(), LEARNER);
        topology.addSink(PREDICTION_SINK, config.predictionTopic(), new ByteArraySerializer(),
                new ByteArraySerializer(), LEARNER);
        topology.addSink(DEAD_LETTER_SINK, config.deadLetterTopic(), new ByteArraySerializer(),
                new ByteArraySerializer(), LEARNER);
        return topology;
    }

    /**
     * The learner node's processors, one per {@code get()}: Kafka Streams creates one per task and rebuilds them on
     * rebalance, and a driver without Kafka Streams ({@code LocalLearner}) takes one for its single task.
     */
    public static ProcessorSupplier<byte[], byte[], byte[], byte[]> learner(InertiaConfig config,
            LearningObserver observer, int inputPartitions) {
        return () -> new LearnerProcessor(config.learner(), SnapshotCodec.hyperParameters(config),
                config.snapshotEvery(), config.hashBits(), config.onDivergence(), config.maxRecordBytes(),
                inputPartitions, config.jsonInput() ? new JsonEventDecoder(config.classNames()) : new EventDecoder(),
                config.jsonOutput(), observer);
    }

    /**
     * The working models' store: one memory budget for the models of every task of the topology it is added to,
     * i.e. of one Kafka Streams instance.
     */
    public static StoreBuilder<WorkingModelStore> workingModelStore(InertiaConfig config) {
        return WorkingModelStore.builder(new WorkingModelStore.MemoryBudget(config.modelCacheMaxBytes()));
    }
}
