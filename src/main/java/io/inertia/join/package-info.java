/**
 * The outcome joiner: events that arrive without their label are scored at once and kept pending until their outcome
 * (a label on the outcomes topic, keyed alike, naming the event's id) arrives; the first outcome within
 * {@code inertia.outcome.window.ms} is learned, an event without one is learned with the default label or expires,
 * and every other outcome is a dead letter with its reason. One decision per event id.
 *
 * <ul>
 *   <li>{@link io.inertia.join.OutcomeJoin}: the decisions, a plain class over a {@link io.inertia.join.JoinStore},
 *       without Kafka Streams;</li>
 *   <li>{@link io.inertia.join.PendingStore}: the join's state in changelogged stores: pending entries
 *       ({@value io.inertia.join.PendingStore#PENDING}), their time-ordered deadline index
 *       ({@value io.inertia.join.PendingStore#DEADLINES}) and the two clocks
 *       ({@value io.inertia.join.PendingStore#CLOCKS});</li>
 *   <li>{@link io.inertia.join.OutcomeJoinProcessor}: the topology node reading both topics, writing the learn log
 *       ({@link io.inertia.join.LearnLog}) and dead letters;</li>
 *   <li>{@link io.inertia.join.OutcomeJoiner}: its names and how it is added to a topology.</li>
 * </ul>
 */
package io.inertia.join;
