package io.inertia.it;

import io.inertia.config.InertiaConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an integration test on a real broker sets up and takes down around each test: the in-process cluster, an
 * admin client, the learners and feeders it starts (closed after the test, newest first), a log line stamped with
 * the seconds since the test began, the settings of one learner application, and {@code inertia run} started in a
 * child JVM on the cluster. Registered as a field:
 *
 * <pre>{@code
 * @RegisterExtension
 * final KafkaFixture cluster = KafkaFixture.brokers(1);
 * }</pre>
 */
final class KafkaFixture implements BeforeEachCallback, AfterEachCallback {

    private final int brokers;
    private final Map<String, String> brokerSettings;
    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
    private EmbeddedKafka kafka;
    private Admin admin;
    private Logger log;
    private long started;
    private int incarnations;

    private KafkaFixture(int brokers, Map<String, String> brokerSettings) {
        this.brokers = brokers;
        this.brokerSettings = brokerSettings;
    }

    /** A cluster of {@code brokers} brokers with the defaults of {@link EmbeddedKafka#start(int)}. */
    static KafkaFixture brokers(int brokers) {
        return new KafkaFixture(brokers, Map.of());
    }

    /** A cluster of {@code brokers} brokers with {@code brokerSettings} over the defaults. */
    static KafkaFixture brokers(int brokers, Map<String, String> brokerSettings) {
        return new KafkaFixture(brokers, brokerSettings);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        started = System.nanoTime();
        incarnations = 0;
        log = LoggerFactory.getLogger(context.getRequiredTestClass());
        kafka = EmbeddedKafka.start(brokers, brokerSettings);
        admin = Admin.create(kafka.clientProperties());
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception first = null;
        while (!toClose.isEmpty()) {
            try {
                toClose.pop().close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (first != null) {
            throw first;
        }
    }

    EmbeddedKafka kafka() {
        return kafka;
    }

    Admin admin() {
        return admin;
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** Closes {@code resource} after the test (before the cluster), and returns it. */
    <T extends AutoCloseable> T closeAfterTest(T resource) {
        toClose.push(resource);
        return resource;
    }

    /** Logs a line prefixed with the seconds since the test began, so that a slow phase shows in the log. */
    void log(String format, Object... arguments) {
        log.info("[{} s] {}", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9),
                String.format(Locale.ROOT, format, arguments));
    }

    /**
     * The settings of learner application {@code applicationId}: its output topics named after it (so that several
     * runs on one cluster never share one) and its state under {@code work}; tests add their input and learning
     * settings.
     */
    static Map<String, String> application(String applicationId, Path work) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("inertia.topic.snapshots", applicationId + "-snapshots");
        settings.put("inertia.topic.predictions", applicationId + "-predictions");
        settings.put("inertia.topic.dead-letters", applicationId + "-dead-letters");
        settings.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        settings.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve(applicationId).toString());
        return settings;
    }

    /**
     * Starts the test's next incarnation of a learner: {@code inertia run} on this cluster in a child JVM with at most
     * {@code maxHeap} of heap (see {@link ChildLearner}), given {@code arguments} and then each of {@code properties}
     * as {@code -p key=value}. Named "incarnation N", N counting from 1, its output in {@code work/incarnation-N.log};
     * killed after the test unless it ended before.
     */
    ChildLearner startIncarnation(Path work, List<String> arguments, Map<String, String> properties, String maxHeap)
            throws IOException {
        List<String> all = new ArrayList<>(List.of("--bootstrap-servers", bootstrapServers()));
        all.addAll(arguments);
        properties.forEach((key, value) -> {
            all.add("-p");
            all.add(key + "=" + value);
        });
        int incarnation = incarnations + 1;
        ChildLearner learner = closeAfterTest(ChildLearner.start("incarnation " + incarnation,
                work.resolve("incarnation-" + incarnation + ".log"), all, maxHeap));
        incarnations = incarnation;
        return learner;
    }

    /** How many learners {@link #startIncarnation} started in this test. */
    int incarnations() {
        return incarnations;
    }

    /** {@code settings} over this cluster's bootstrap servers, as the learner reads them. */
    InertiaConfig config(Map<String, String> settings) {
        return InertiaConfig.of(kafka.settings(settings));
    }
}
