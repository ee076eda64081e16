package io.inertia.join;

import io.inertia.config.InertiaConfig;
import io.inertia.topology.LearningObserver;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.Topology;

/**
 * The outcome joiner's part of the topology, with its names:
 *
 * <pre>
 *   [labeled-events] → (the events' source) ─┐
 *                                             ├→ outcome-joiner ⇄ inertia-pending, inertia-pending-deadlines,
 *   [outcomes]       → outcomes-source ──────┘        │             inertia-pending-clocks
 *                                                     ├→ learn-log-sink → [learn-log]
 *                                                     ├→ (the learner, when named)
 *                                                     └→ dead-letters-sink (added by the caller, with the learner)
 * </pre>
 */
public final class OutcomeJoiner {

    /** Name of the joiner node. */
    public static final String NAME = "outcome-joiner";
    /** Name of the source node reading the outcomes topic. */
    public static final String OUTCOMES_SOURCE = "outcomes-source";
    /** Name of the sink node writing the learn log. */
    public static final String LEARN_LOG_SINK = "learn-log-sink";
    /**
     * Header of a heartbeat on the outcomes topic: a record that only says the outcome partition's time has reached
     * its timestamp (see {@code OutcomeHeartbeats}). Its key and value are not read.
     */
    public static final String HEARTBEAT_HEADER = "inertia.heartbeat";

    private OutcomeJoiner() {
    }

    /**
     * Adds the outcomes source, the joiner reading it and {@code eventSource} (a source already added, of
     * {@code config}'s input topic, whose partition count is {@code inputPartitions}; 0: partitions not checked), its
     * stores and the learn-log sink to {@code topology}. The joiner forwards to the node {@code learner} too, unless
     * it is null; the caller adds that node and the dead-letter sink ({@code InertiaTopology.DEAD_LETTER_SINK}) with
     * {@link #NAME} among their parents.
     */
    public static void addTo(Topology topology, InertiaConfig config, int inputPartitions, String eventSource,
            OutcomeJoinProcessor.ScorerFactory scorers, String learner, LearningObserver observer) {
        topology.addSource(OUTCOMES_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                config.outcomeTopic());
        topology.addProcessor(NAME, () -> new OutcomeJoinProcessor(config, inputPartitions, scorers, learner,
                observer), eventSource, OUTCOMES_SOURCE);
        topology.addStateStore(PendingStore.pendingStore(), NAME);
        topology.addStateStore(PendingStore.deadlineStore(), NAME);
        topology.addStateStore(PendingStore.clockStore(), NAME);
        topology.addSink(LEARN_LOG_SINK, config.learnLogTopic(), new ByteArraySerializer(), new ByteArraySerializer(),
                NAME);
    }
}
