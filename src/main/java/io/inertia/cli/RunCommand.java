package io.inertia.cli;

import io.inertia.config.InertiaConfig;
import io.inertia.runtime.KafkaSetup;
import io.inertia.runtime.LearnerApplication;
import io.inertia.topology.InertiaTopology;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code inertia run}: the long-running learner against a Kafka cluster. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Learn from the input topic of a Kafka cluster until stopped (SIGTERM or Ctrl-C), publishing "
                + "snapshots; creates the topics when missing; exactly_once_v2 by default.")
final class RunCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (bootstrap.servers); required unless set in --config.")
    String bootstrapServers;

    @Option(names = "--application-id", paramLabel = "ID",
            description = "Kafka Streams application.id (default inertia): consumer group, transactional id and "
                    + "internal topic prefix.")
    String applicationId;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Kafka Streams state.dir for the local stores (default: Kafka Streams' own, "
                    + "<java.io.tmpdir>/kafka-streams).")
    String stateDir;

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Serve the HTTP API, /metrics and the dashboard on this port; 0 is off "
                    + "(inertia.http.port; default 0).")
    Integer httpPort;

    @Option(names = "--http-host", paramLabel = "ADDRESS",
            description = "Address the HTTP API binds to (inertia.http.host; default 127.0.0.1).")
    String httpHost;

    @Mixin
    LearnerOptions learner;

    @Override
    public Integer call() throws InterruptedException {
        InertiaConfig config = learner.config(kafkaOverrides(bootstrapServers,
                StreamsConfig.APPLICATION_ID_CONFIG, applicationId, StreamsConfig.STATE_DIR_CONFIG, stateDir,
                InertiaConfig.Key.HTTP_PORT.key(), httpPort == null ? null : Integer.toString(httpPort),
                InertiaConfig.Key.HTTP_HOST.key(), httpHost));
        requireBootstrap(config);
        // Before the cluster is contacted: a spec the live learner cannot take yet stops the command at once.
        InertiaTopology.requireLearnableLive(config);
        CountDownLatch exited = new CountDownLatch(1);
        AtomicInteger exitCode = new AtomicInteger(1);
        LearnerApplication application = new LearnerApplication(config);
        Thread hook = new Thread(() -> {
            application.close();
            try {
                exited.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // SIGTERM/SIGINT is the normal way to stop the learner: report a clean close as success (the JVM
            // would otherwise exit 128 + signal number).
            Runtime.getRuntime().halt(exitCode.get());
        }, "inertia-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            application.start();
            Throwable failure = application.awaitStop();
            if (failure != null) {
                throw new CommandFailedException("learner stopped: " + failure.getMessage(), failure);
            }
            exitCode.set(0);
            return 0;
        } catch (KafkaSetup.ClusterUnavailableException | java.io.UncheckedIOException e) {
            // The cluster cannot be reached, or the HTTP port cannot be bound: one line, no stack trace.
            throw new CommandFailedException(e.getMessage(), e);
        } finally {
            exited.countDown();
        }
    }

    /** Kafka settings given as dedicated options, as alternating keys and values; null values are left out. */
    static Map<String, String> kafkaOverrides(String bootstrapServers, String... keysAndValues) {
        Map<String, String> overrides = new LinkedHashMap<>();
        if (bootstrapServers != null) {
            overrides.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        }
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) {
                overrides.put(keysAndValues[i], keysAndValues[i + 1]);
            }
        }
        return overrides;
    }

    static void requireBootstrap(InertiaConfig config) {
        if (!config.kafka().containsKey(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new CommandFailedException("no Kafka cluster given: use --bootstrap-servers HOST:PORT or set "
                    + "bootstrap.servers in --config");
        }
    }
}
