/**
 * Benchmarks, built only by the Maven profile {@code bench} into {@code target/benchmarks.jar}; run them with
 * {@code scripts/bench.sh}.
 *
 * <ul>
 *   <li>JMH micro-benchmarks ({@link io.inertia.bench.SparseEventBenchmark}): {@code scripts/bench.sh jmh}.</li>
 *   <li>The end-to-end benchmark ({@link io.inertia.bench.EndToEndBenchmark}): {@code inertia run} and a
 *       pass-through Kafka Streams application ({@link io.inertia.bench.PassThroughApplication}) on a local broker,
 *       each in its own JVM: {@code scripts/bench.sh e2e}.</li>
 *   <li>The serving benchmark ({@link io.inertia.bench.ServingBenchmark}): two {@code inertia run --http-port}
 *       instances under HTTP load from wrk and from an open-loop generator ({@link io.inertia.bench.OpenLoopLoad})
 *       while the model learns: {@code scripts/bench.sh serve}.</li>
 * </ul>
 */
package io.inertia.bench;
