/**
 * The Kafka Streams topology: one factory ({@link io.inertia.topology.InertiaTopology}) used by {@code run},
 * {@code replay} and the tests; the learner processor; the model store. Every processor, store and topic is named.
 */
package io.inertia.topology;
