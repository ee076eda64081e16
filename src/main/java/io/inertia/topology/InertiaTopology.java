package io.inertia.topology;

import io.inertia.config.ConfigException;
import io.inertia.config.InertiaConfig;
import io.inertia.join.ModelScorer;
import io.inertia.join.OutcomeJoinProcessor;
import io.inertia.join.OutcomeJoiner;
import java.util.List;
import io.inertia.serde.EventDecoder;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.EventReader;
import io.inertia.serde.JsonEventDecoder;
import io.inertia.registry.SchemaRegistryClient;
import io.inertia.spec.ConfluentAvroDecoder;
import io.inertia.spec.FeatureExtractor;
import io.inertia.spec.FeatureSpec;
import io.inertia.spec.JsonRecordDecoder;
import io.inertia.spec.SchemaFileAvroDecoder;
import io.inertia.spec.SpecEventReader;
import java.util.function.Function;
import java.util.function.Supplier;
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
 * With {@code inertia.outcome.join=true}, events may come without their label, and the outcome joiner stands between
 * the input and the learner (see {@link OutcomeJoiner}):
 *
 * <pre>
 *   [labeled-events] → labeled-events-source ─┐
 *                                              ├→ outcome-joiner ⇄ inertia-pending, inertia-pending-deadlines,
 *   [outcomes]       → outcomes-source ───────┘        │             inertia-pending-clocks (RocksDB, changelogged)
 *                                                      │             inertia-working-models (read-only, to score)
 *                                                      ├→ learn-log-sink → [learn-log]
 *                                                      ├→ dead-letters-sink
 *                                                      └→ learner (as above: the same records as the log)
 * </pre>
 *
 * <p>With a feature spec whose model key is a field or a constant, the input is re-keyed first, so that each model is
 * still learned on one partition (see {@link RekeyProcessor}); the learner then reads the re-keyed topic:
 *
 * <pre>
 *   [labeled-events] → labeled-events-source → spec-rekey → rekeyed-sink → [&lt;application.id&gt;-inertia-rekeyed]
 *                                                  └→ spec-rekey-dead-letters-sink → [dead-letters]
 *   [&lt;application.id&gt;-inertia-rekeyed] → rekeyed-source → learner → …as above
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
    /** Name of the processor re-keying input records by the model key a feature spec takes from a field. */
    public static final String REKEY = "spec-rekey";
    /** Name of the sink node writing re-keyed records. */
    public static final String REKEYED_SINK = "rekeyed-sink";
    /** Name of the source node reading re-keyed records, which the learner then reads. */
    public static final String REKEYED_SOURCE = "rekeyed-source";
    /**
     * Name of the sink node writing the records the re-keying step rejects: its own, so that re-keying and learning
     * stay two sub-topologies, whose tasks each read one topic.
     */
    public static final String REKEY_DEAD_LETTER_SINK = "spec-rekey-dead-letters-sink";

    /** Why the outcome joiner cannot read users' own records yet. */
    static final String JOIN_NEEDS_EVENTS = "inertia.outcome.join=true reads Inertia's own LabeledEvent records "
            + "(Avro or JSON), not records through a feature spec (inertia.feature-spec) yet";

    /** Why Avro records cannot be read through a spec without their schema. */
    static final String AVRO_NEEDS_SCHEMA = "a feature spec over inertia.input.format=avro needs the records' "
            + "schema in inertia.input.reader-schema (or inertia.input.format=confluent-avro with a schema registry, "
            + "or json)";

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
        return build(config, observer, inputPartitions, TransactionAborts.NONE);
    }

    /**
     * The topology as {@link #build(InertiaConfig, LearningObserver, int)} builds it, its tasks watching the stream
     * thread's transaction through {@code aborts} (see {@link TransactionAborts}): what {@code inertia run} runs.
     */
    public static Topology build(InertiaConfig config, LearningObserver observer, int inputPartitions,
            TransactionAborts aborts) {
        requireLearnableLive(config);
        Topology topology = new Topology();
        topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), config.inputTopic());
        // One registry client for the topology's readers, re-keying and learning alike: each schema id asked once.
        SchemaRegistryClient registry = registry(config);
        String[] writers = {LEARNER};
        if (config.outcomeJoin()) {
            // The joiner decides what the learner applies; it scores events without label with the learner's models,
            // read-only, on the same thread, between the learner's updates.
            OutcomeJoiner.addTo(topology, config, inputPartitions, SOURCE, scorers(config), LEARNER, observer);
            topology.addProcessor(LEARNER, learner(config, observer, inputPartitions, registry), OutcomeJoiner.NAME);
            writers = new String[] {LEARNER, OutcomeJoiner.NAME};
        } else {
            String learnerSource = config.rekeys() ? addRekeying(topology, config, observer, registry) : SOURCE;
            topology.addProcessor(LEARNER, learner(config, observer, inputPartitions, registry), learnerSource);
        }
        topology.addStateStore(ModelStore.headerStore(), LEARNER);
        topology.addStateStore(ModelStore.partStore(), LEARNER);
        topology.addStateStore(ModelStore.coordinateStore(), LEARNER);
        topology.addStateStore(workingModelStore(config, aborts), writers);
        topology.addSink(SNAPSHOT_SINK, config.snapshotTopic(), new ByteArraySerializer(), new ByteArraySerializer(),
                SnapshotLayout.partitioner(), LEARNER);
        topology.addSink(PREDICTION_SINK, config.predictionTopic(), new ByteArraySerializer(),
                new ByteArraySerializer(), LEARNER);
        topology.addSink(DEAD_LETTER_SINK, config.deadLetterTopic(), new ByteArraySerializer(),
                new ByteArraySerializer(), writers);
        return topology;
    }

    /**
     * The outcome joiner's processors, one per {@code get()}, forwarding to {@link #LEARNER}: the node {@link #build}
     * adds with {@code inertia.outcome.join=true}, for a driver without Kafka Streams ({@code LocalLearner}, replaying
     * the raw event and outcome topics) to take one per partition.
     */
    public static ProcessorSupplier<byte[], byte[], byte[], byte[]> joiner(InertiaConfig config,
            LearningObserver observer, int inputPartitions) {
        OutcomeJoinProcessor.ScorerFactory scorers = scorers(config);
        return () -> new OutcomeJoinProcessor(config, inputPartitions, scorers, LEARNER, observer);
    }

    /** The outcome joiner's scorers: each task's scores with the models of its learner, read-only. */
    private static OutcomeJoinProcessor.ScorerFactory scorers(InertiaConfig config) {
        return context -> {
            WorkingModelStore models = context.getStateStore(WorkingModelStore.NAME);
            return new ModelScorer(config.learner(), config.hashBits(), models::model);
        };
    }

    /**
     * Adds the re-keying step after {@link #SOURCE}: {@link #REKEY} forwards each record under its model key to the
     * re-keyed topic through {@link #REKEYED_SINK}, partitioned by Kafka's default partitioner (no partitioner given),
     * and {@link #REKEYED_SOURCE} reads it back. The sink and the source are two sub-topologies of one application,
     * so under exactly-once a record's re-keyed copy and its input offset commit in one transaction, and the learner's
     * outputs with the re-keyed offset in another. Returns the node the learner reads from.
     */
    private static String addRekeying(Topology topology, InertiaConfig config, LearningObserver observer,
            SchemaRegistryClient registry) {
        Function<FeatureExtractor.Standardizer, SpecEventReader> readers = specReaders(config, registry);
        topology.addProcessor(REKEY, () -> new RekeyProcessor(readers.apply(null), config.maxRecordBytes(), observer),
                SOURCE);
        topology.addSink(REKEYED_SINK, config.rekeyedTopic(), new ByteArraySerializer(), new ByteArraySerializer(),
                REKEY);
        topology.addSink(REKEY_DEAD_LETTER_SINK, config.deadLetterTopic(), new ByteArraySerializer(),
                new ByteArraySerializer(), REKEY);
        topology.addSource(REKEYED_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                config.rekeyedTopic());
        return REKEYED_SOURCE;
    }

    /**
     * Refuses, in one line, what the live topology cannot learn from yet: Avro records through a spec without their
     * schema, and the outcome joiner with a spec.
     *
     * @throws ConfigException saying what and why
     */
    public static void requireLearnableLive(InertiaConfig config) {
        if (config.featureSpec() != null && config.outcomeJoin()) {
            throw new ConfigException(List.of(JOIN_NEEDS_EVENTS));
        }
        if (config.featureSpec() != null && !config.jsonInput() && !config.confluentAvroInput()
                && config.readerSchema() == null) {
            throw new ConfigException(List.of(AVRO_NEEDS_SCHEMA));
        }
    }

    /**
     * The learner node's processors, one per {@code get()}: Kafka Streams creates one per task and rebuilds them on
     * rebalance, and a driver without Kafka Streams ({@code LocalLearner}) takes one for its single task.
     */
    public static ProcessorSupplier<byte[], byte[], byte[], byte[]> learner(InertiaConfig config,
            LearningObserver observer, int inputPartitions) {
        return learner(config, observer, inputPartitions, registry(config));
    }

    private static ProcessorSupplier<byte[], byte[], byte[], byte[]> learner(InertiaConfig config,
            LearningObserver observer, int inputPartitions, SchemaRegistryClient registry) {
        FeatureSpec spec = config.featureSpec();
        if (spec != null && spec.standardizes()) {
            // Each processor scales with the statistics of its own task's models.
            Function<FeatureExtractor.Standardizer, SpecEventReader> readers = specReaders(config, registry);
            return () -> {
                StandardizedValues standardized = new StandardizedValues(spec);
                return new LearnerProcessor(config.learner(), SnapshotCodec.hyperParameters(config),
                        config.snapshotEvery(), config.hashBits(), config.onDivergence(), config.maxRecordBytes(),
                        inputPartitions, readers.apply(standardized), standardized, config.jsonOutput(), observer);
            };
        }
        Supplier<EventReader> events = events(config, registry);
        return () -> new LearnerProcessor(config.learner(), SnapshotCodec.hyperParameters(config),
                config.snapshotEvery(), config.hashBits(), config.onDivergence(), config.maxRecordBytes(),
                inputPartitions, events.get(), null, config.jsonOutput(), observer);
    }

    /**
     * A new reader of input records per call, as {@code inertia.input.format} and {@code inertia.feature-spec} say:
     * Inertia's own Avro or JSON events, or users' own records through the spec (JSON, Confluent-framed Avro, or Avro
     * with a schema file). The readers of one topology share one schema registry client, so that a process asks the
     * registry for each schema id once.
     */
    public static Supplier<EventReader> events(InertiaConfig config) {
        return events(config, registry(config));
    }

    private static Supplier<EventReader> events(InertiaConfig config, SchemaRegistryClient registry) {
        FeatureSpec spec = config.featureSpec();
        if (spec == null) {
            List<String> classNames = config.classNames();
            return config.jsonInput() ? () -> new JsonEventDecoder(classNames) : EventDecoder::new;
        }
        if (spec.standardizes()) {
            throw new IllegalArgumentException("a spec that standardizes is read by the learner, with its models");
        }
        Function<FeatureExtractor.Standardizer, SpecEventReader> readers = specReaders(config, registry);
        return () -> readers.apply(null);
    }

    /**
     * A new reader of users' records through the spec per call, standardizing with the standardizer given (null: one
     * that reads model keys only, see {@link FeatureExtractor#keysOnly}): JSON, Confluent-framed Avro (asking
     * {@code registry} for writer schemas) or Avro with a schema file.
     */
    private static Function<FeatureExtractor.Standardizer, SpecEventReader> specReaders(InertiaConfig config,
            SchemaRegistryClient registry) {
        FeatureSpec spec = config.featureSpec();
        Function<FeatureExtractor.Standardizer, FeatureExtractor> extractors = standardizer ->
                standardizer == null && spec.standardizes() ? FeatureExtractor.keysOnly(spec)
                        : new FeatureExtractor(spec, standardizer);
        if (config.confluentAvroInput()) {
            return standardizer -> new SpecEventReader(new ConfluentAvroDecoder(registry, config.readerSchema()),
                    extractors.apply(standardizer));
        }
        if (!config.jsonInput() && config.readerSchema() == null) {
            // Checked here rather than in the configuration: a file replay reads its records as JSON whatever the
            // topic's format.
            throw new ConfigException(List.of(AVRO_NEEDS_SCHEMA));
        }
        return standardizer -> new SpecEventReader(config.jsonInput() ? new JsonRecordDecoder()
                : new SchemaFileAvroDecoder(config.readerSchema()), extractors.apply(standardizer));
    }

    /** The schema registry client of users' Confluent-framed Avro records through a spec; null for other inputs. */
    private static SchemaRegistryClient registry(InertiaConfig config) {
        return config.featureSpec() != null && config.confluentAvroInput()
                ? new SchemaRegistryClient(config.registry()) : null;
    }

    /**
     * The working models' store: one memory budget for the models of every task of the topology it is added to,
     * i.e. of one Kafka Streams instance.
     */
    public static StoreBuilder<WorkingModelStore> workingModelStore(InertiaConfig config) {
        return workingModelStore(config, TransactionAborts.NONE);
    }

    private static StoreBuilder<WorkingModelStore> workingModelStore(InertiaConfig config, TransactionAborts aborts) {
        return WorkingModelStore.builder(new WorkingModelStore.MemoryBudget(config.modelCacheMaxBytes()), aborts);
    }
}
