/**
 * Running against a real Kafka cluster: client settings, topic creation, the long-running learner and its progress
 * report.
 */
package io.inertia.runtime;
