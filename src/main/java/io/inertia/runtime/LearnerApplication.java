package io.inertia.runtime;

import io.inertia.config.InertiaConfig;
import io.inertia.registry.RegistryUnavailableException;
import io.inertia.serving.HttpApi;
import io.inertia.serving.LearnerMetrics;
import io.inertia.serving.LossHistory;
import io.inertia.topology.InertiaTopology;
import io.inertia.topology.LearningObserver;
import io.inertia.topology.TransactionAborts;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long-running learner: Inertia's topology in a {@link KafkaStreams} instance, with exactly-once processing by
 * default, a periodic progress line, and an orderly close.
 */
public final class LearnerApplication implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LearnerApplication.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

    private final InertiaConfig config;
    private final ProgressReport progress = new ProgressReport();
    /** Metrics and loss history for the HTTP API; null when it is off. */
    private final LearnerMetrics metrics;
    private final LossHistory history;
    private HttpApi api;
    /** Writes heartbeats to the outcome partitions while the outcome joiner runs; null otherwise. */
    private OutcomeHeartbeats heartbeats;
    private final ScheduledExecutorService reporter;
    private KafkaStreams streams;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicLong registryOutages = new java.util.concurrent.atomic.AtomicLong();
    private boolean closed;

    /** A learner for {@code config}; nothing connects until {@link #start()}. */
    public LearnerApplication(InertiaConfig config) {
        this.config = config;
        this.metrics = config.httpPort() > 0 ? new LearnerMetrics(config.metricsMaxModels()) : null;
        this.history = config.httpPort() > 0 ? new LossHistory(config.metricsMaxModels()) : null;
        this.reporter = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "inertia-progress");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Inertia's consumer session timeout: a SIGKILLed instance's partitions move to a survivor after it. */
    static final String SESSION_TIMEOUT_MS = "10000";
    /** A third of the session timeout, as Kafka advises. */
    static final String HEARTBEAT_INTERVAL_MS = "3000";
    /** The file in the state directory that keeps this instance's static group membership id. */
    static final String INSTANCE_ID_FILE = "inertia-instance-id";

    /**
     * The Kafka Streams settings: the pass-through Kafka settings over Inertia's defaults (application id
     * {@code inertia}, {@code exactly_once_v2}, explicit internal resource names required, a 10 s consumer session
     * timeout with a 3 s heartbeat, so that a survivor takes over a crashed instance's models within seconds).
     */
    public static Properties streamsProperties(InertiaConfig config) {
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "inertia");
        properties.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        properties.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, HEARTBEAT_INTERVAL_MS);
        properties.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        properties.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        // The future default (Kafka 5.0); set now so that Kafka Streams does not warn at every start.
        properties.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        properties.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbConfig.class.getName());
        if (config.httpPort() > 0) {
            // Where the other instances reach this one's HTTP API for the models it owns.
            properties.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.httpHost() + ":" + config.httpPort());
        }
        properties.putAll(config.kafka());
        properties.put(BoundedRocksDbConfig.MEMORY_CONFIG, Long.toString(config.rocksDbMemoryBytes()));
        return properties;
    }

    /**
     * Static group membership (classic protocol): unless {@code inertia.static-membership=false}, a
     * {@code group.instance.id} is given, or {@code group.protocol=streams} (which does not support it in Kafka 4.3),
     * this instance joins with an id kept in its state directory ({@value #INSTANCE_ID_FILE}, a random UUID made on
     * first start). A restart with the same state directory then rejoins at once with its old assignment, instead of
     * waiting for the dead member's session to expire; with the same state directory it also keeps Kafka Streams'
     * process id, hence its transactional ids, so its first transaction fences the dead one's and aborts it at once.
     * The id never reaches a model.
     */
    private static void staticMembership(InertiaConfig config, Properties properties) {
        if (!config.staticMembership() || properties.containsKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)
                || "streams".equalsIgnoreCase(String.valueOf(properties.get("group.protocol")))) {
            return;
        }
        Path stateDir = Path.of(String.valueOf(properties.getOrDefault(StreamsConfig.STATE_DIR_CONFIG,
                Path.of(System.getProperty("java.io.tmpdir"), "kafka-streams").toString())));
        Path file = stateDir.resolve(INSTANCE_ID_FILE + "-" + properties.get(StreamsConfig.APPLICATION_ID_CONFIG));
        try {
            Files.createDirectories(stateDir);
            if (!Files.exists(file)) {
                Files.writeString(file, properties.get(StreamsConfig.APPLICATION_ID_CONFIG) + "-"
                        + UUID.randomUUID() + "\n");
            }
            properties.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, Files.readString(file).trim());
        } catch (IOException e) {
            LOG.warn("No static group membership: cannot keep an instance id in {}: {}", file, e.getMessage());
        }
    }

    /**
     * One line per Kafka setting of {@code config} that gives up one of Inertia's guarantees, saying what is given up;
     * {@link #start()} logs them as warnings. Such settings are accepted: a user may have reasons.
     */
    public static java.util.List<String> guaranteeWarnings(InertiaConfig config) {
        java.util.List<String> warnings = new java.util.ArrayList<>();
        String guarantee = config.kafka().get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        if (guarantee != null && !guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
            warnings.add(StreamsConfig.PROCESSING_GUARANTEE_CONFIG + "=" + guarantee + " gives up exactly-once: after "
                    + "a crash the events since the last commit are learned again (a model counts them twice) and "
                    + "their snapshots, predictions and dead letters may be published twice");
        }
        return warnings;
    }

    /**
     * Where the other instances reach this one's HTTP API: {@code application.server}, which defaults to
     * {@code inertia.http.host}:{@code inertia.http.port} (the configuration refuses a wildcard host without it).
     */
    static HostInfo advertised(InertiaConfig config) {
        String server = config.kafka().get(StreamsConfig.APPLICATION_SERVER_CONFIG);
        return server == null ? new HostInfo(config.httpHost(), config.httpPort()) : HostInfo.buildFromEndpoint(server);
    }

    /**
     * Creates missing topics, then starts learning and reporting progress; does nothing once closed.
     *
     * @throws KafkaSetup.ClusterUnavailableException when the cluster does not answer within the startup timeout
     */
    public synchronized void start() {
        if (closed) {
            return;
        }
        guaranteeWarnings(config).forEach(warning -> LOG.warn(warning));
        // Topics first: Kafka Streams' own clients would otherwise retry an unreachable cluster without end.
        int inputPartitions = KafkaSetup.ensureTopics(config, config.outcomeJoin());
        LearningObserver observer = metrics == null ? progress
                : LearningObserver.both(progress, LearningObserver.both(metrics, history));
        Properties properties = streamsProperties(config);
        staticMembership(config, properties);
        // The producers report their aborts to the tasks, which must not outlive an abort of their own outputs.
        TransactionAborts aborts = new TransactionAborts();
        streams = new KafkaStreams(InertiaTopology.build(config, observer, inputPartitions, aborts), properties,
                new AbortCountingClientSupplier(aborts));
        if (metrics != null) {
            metrics.bind(streams);
            // Serving before Kafka Streams starts: /health answers at once, /ready says 503 until RUNNING.
            api = new HttpApi(config, streams, metrics, history, advertised(config), inputPartitions);
            if (config.outcomeJoin()) {
                api.recordLoop(KafkaSetup.producerProperties(config, "inertia-http-loop"));
            }
            api.start();
        }
        streams.setUncaughtExceptionHandler(exception -> {
            RegistryUnavailableException outage = registryOutage(exception);
            if (outage != null) {
                // An outage, not bad input: nothing is dead-lettered for it. The failed thread's transaction is
                // aborted; its replacement resumes from the last commit and asks again.
                registryOutages.incrementAndGet();
                LOG.warn("{}; replacing the stream thread, which resumes from its last commit", outage.getMessage());
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            LOG.error("Learner failed; shutting down", exception);
            failure.compareAndSet(null, exception);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((newState, oldState) -> {
            LOG.info("Kafka Streams {} -> {}", oldState, newState);
            if (newState == KafkaStreams.State.NOT_RUNNING || newState == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
        streams.start();
        if (config.outcomeJoin()) {
            heartbeats = OutcomeHeartbeats.start(config);
        }
        reporter.scheduleAtFixedRate(() -> LOG.info(progress.line(System.nanoTime())), config.progressIntervalMs(),
                config.progressIntervalMs(), TimeUnit.MILLISECONDS);
    }

    /** The registry outage that caused {@code failure}, or null when it has another cause. */
    static RegistryUnavailableException registryOutage(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof RegistryUnavailableException outage) {
                return outage;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return null;
    }

    /**
     * How many times a stream thread was replaced because the schema registry did not answer within
     * {@code inertia.schema.registry.max-block-ms}.
     */
    public long registryOutages() {
        return registryOutages.get();
    }

    /** The running counts. */
    public ProgressReport progress() {
        return progress;
    }

    /** The Kafka Streams state, or {@code CREATED} before {@link #start()}. */
    public synchronized KafkaStreams.State state() {
        return streams == null ? KafkaStreams.State.CREATED : streams.state();
    }

    /** Blocks until Kafka Streams stops; returns the failure that stopped it, or null after a normal close. */
    public Throwable awaitStop() throws InterruptedException {
        stopped.await();
        return failure.get();
    }

    @Override
    public void close() {
        KafkaStreams running;
        synchronized (this) {
            closed = true;
            running = streams;
        }
        reporter.shutdownNow();
        OutcomeHeartbeats beating;
        synchronized (this) {
            beating = heartbeats;
            heartbeats = null;
        }
        if (beating != null) {
            beating.close();
        }
        if (running != null) {
            // Leaving the group, even as a static member: a clean stop hands its models over at once.
            boolean done = running.close(CloseOptions.groupMembershipOperation(
                    CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(CLOSE_TIMEOUT));
            LOG.info("{}; final progress: {}", done ? "Learner closed" : "Learner did not close within "
                    + CLOSE_TIMEOUT.toSeconds() + " s", progress.line(System.nanoTime()));
        }
        if (api != null) {
            api.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        stopped.countDown();
    }

    /** The port the HTTP API serves, or −1 when it is off or not started. */
    public synchronized int httpPort() {
        return api == null ? -1 : api.port();
    }
}
