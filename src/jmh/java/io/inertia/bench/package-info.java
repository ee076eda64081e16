/**
 * JMH benchmarks, built only by the Maven profile {@code bench} into {@code target/benchmarks.jar}; run them with
 * {@code scripts/bench.sh}.
 */
package io.inertia.bench;
