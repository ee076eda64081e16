package io.inertia.serving;

import io.inertia.topology.DeadLetterReasons;
import io.inertia.topology.LearningObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Inertia's metrics in a Micrometer registry, scraped as Prometheus text: Kafka Streams' own (bound with Micrometer's
 * {@link KafkaStreamsMetrics}) and, as the learner reports them:
 *
 * <ul>
 *   <li>{@code inertia_events_learned_total};</li>
 *   <li>{@code inertia_events_dead_lettered_total{reason}}, by the {@linkplain DeadLetterReasons category} of the
 *       reason (a reason's text names values and would make a series per event);</li>
 *   <li>{@code inertia_snapshot_records_published_total} (headers, parts and tombstones) and
 *       {@code inertia_snapshots_published_total};</li>
 *   <li>{@code inertia_update_latency_seconds}, a histogram of the time from an event's bytes to its update;</li>
 *   <li>{@code inertia_model_version{model}} and {@code inertia_model_running_loss{model}} for the first
 *       {@code max-models} models this process learns (so that a million keys cannot explode a scrape), and
 *       {@code inertia_models{scope="seen"|"exported"}};</li>
 *   <li>the HTTP API's {@code inertia_http_connections} (open) and {@code inertia_http_threads{state="all"|"busy"}}
 *       (its worker threads, and those running a request now).</li>
 * </ul>
 *
 * Called on the stream threads; metrics only, nothing here reaches a model.
 */
public final class LearnerMetrics implements LearningObserver, AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter learned;
    private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
    private final Counter snapshotRecords;
    private final Counter snapshots;
    private final Timer update;
    private final int maxModels;
    /** Version and running loss of each model, as last learned; exported for the first {@link #maxModels}. */
    private final Map<String, double[]> models = new ConcurrentHashMap<>();
    private final AtomicInteger exported = new AtomicInteger();
    private KafkaStreamsMetrics streamsMetrics;

    /** Metrics exporting at most {@code maxModels} models' own series. */
    public LearnerMetrics(int maxModels) {
        this.maxModels = maxModels;
        learned = Counter.builder("inertia.events.learned").description("Events learned from").register(registry);
        for (String category : DeadLetterReasons.CATEGORIES) {
            deadLettered.put(category, Counter.builder("inertia.events.dead.lettered")
                    .description("Events sent to the dead-letter topic, by reason").tag("reason", category)
                    .register(registry));
        }
        snapshotRecords = Counter.builder("inertia.snapshot.records.published")
                .description("Snapshot records published: headers, parts and tombstones of obsolete parts")
                .register(registry);
        snapshots = Counter.builder("inertia.snapshots.published").description("Snapshots published")
                .register(registry);
        update = Timer.builder("inertia.update.latency")
                .description("Time from an event's bytes to its update, prediction and snapshot records")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(500))
                .maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry);
        Gauge.builder("inertia.models", models, Map::size).description("Models learned by this process")
                .tag("scope", "seen").register(registry);
        Gauge.builder("inertia.models", exported, AtomicInteger::get)
                .description("Models with their own series here (inertia.metrics.max-models)")
                .tag("scope", "exported").register(registry);
    }

    /** Adds the HTTP API's open connections and worker threads, all and busy, as the suppliers report them. */
    public void bindHttp(IntSupplier connections, IntSupplier threads, IntSupplier busyThreads) {
        // Strong references: a gauge holds its object weakly, and nothing else holds these suppliers.
        Gauge.builder("inertia.http.connections", connections, IntSupplier::getAsInt).strongReference(true)
                .description("Open connections of the HTTP API").register(registry);
        Gauge.builder("inertia.http.threads", threads, IntSupplier::getAsInt).strongReference(true)
                .description("Worker threads of the HTTP API").tag("state", "all").register(registry);
        Gauge.builder("inertia.http.threads", busyThreads, IntSupplier::getAsInt).strongReference(true)
                .description("Worker threads of the HTTP API").tag("state", "busy").register(registry);
    }

    /** Adds Kafka Streams' own metrics of {@code streams}. */
    public synchronized void bind(KafkaStreams streams) {
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
    }

    @Override
    public void learned(String modelKey, long version, double loss, double runningLoss) {
        learned.increment();
        double[] latest = models.get(modelKey);
        if (latest == null) {
            latest = new double[] {version, runningLoss};
            if (models.putIfAbsent(modelKey, latest) == null && claimSeries()) {
                double[] values = latest;
                Gauge.builder("inertia.model.version", values, v -> v[0]).description("Updates applied to the model")
                        .tag("model", modelKey).register(registry);
                Gauge.builder("inertia.model.running.loss", values, v -> v[1])
                        .description("Running (exponentially weighted) prequential loss of the model")
                        .tag("model", modelKey).register(registry);
            }
        }
        // Overwritten in place: a scrape tolerates a version and a loss a moment apart.
        latest[0] = version;
        latest[1] = runningLoss;
    }

    /** Whether one more model may have its own series. */
    private boolean claimSeries() {
        for (int n = exported.get(); n < maxModels; n = exported.get()) {
            if (exported.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void rejected(String reason) {
        deadLettered.get(DeadLetterReasons.category(reason)).increment();
    }

    @Override
    public void updateTook(long nanos) {
        update.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void published(String modelKey, int records) {
        snapshots.increment();
        snapshotRecords.increment(records);
    }

    /** Every metric in the Prometheus text format. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public synchronized void close() {
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        registry.close();
    }
}
