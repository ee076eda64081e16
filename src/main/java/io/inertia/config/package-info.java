/**
 * Inertia's one typed, immutable configuration: the learner's settings ({@code inertia.*}) plus Kafka settings that
 * pass through unchanged.
 */
package io.inertia.config;
