package io.inertia.bench;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * The baseline of {@link EndToEndBenchmark}: a Kafka Streams application that forwards every record of one topic to
 * another byte for byte (key, value, headers and timestamp; nothing is decoded), so that the learner's throughput can
 * be set against what Kafka Streams itself costs on the same machine with the same settings.
 *
 * <p>Usage: {@code java -cp target/benchmarks.jar io.inertia.bench.PassThroughApplication BOOTSTRAP APPLICATION_ID
 * INPUT_TOPIC[,INPUT_TOPIC …] OUTPUT_TOPIC STATE_DIR [KEY=VALUE …]} (several input topics: the delayed-outcomes case
 * reads events and outcomes); every KEY=VALUE is a Kafka Streams setting (the benchmark passes
 * {@code processing.guarantee}, {@code commit.interval.ms} and {@code num.stream.threads}). Runs until SIGTERM or
 * SIGINT, then closes Kafka Streams and exits 0; exits 1 when Kafka Streams fails, 2 on bad arguments.
 */
public final class PassThroughApplication {

    /** Name of the source node. */
    public static final String SOURCE = "pass-through-source";
    /** Name of the sink node. */
    public static final String SINK = "pass-through-sink";
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

    private PassThroughApplication() {
    }

    /** The topology: one source (of the comma-separated topics {@code input}), one sink, raw bytes. */
    public static Topology topology(String input, String output) {
        Topology topology = new Topology();
        topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), input.split(","));
        topology.addSink(SINK, output, new ByteArraySerializer(), new ByteArraySerializer(), SOURCE);
        return topology;
    }

    /** Runs the application; see the class documentation for the arguments. */
    public static void main(String[] args) throws InterruptedException {
        if (args.length < 5) {
            System.err.println("pass-through: usage: BOOTSTRAP APPLICATION_ID INPUT_TOPIC OUTPUT_TOPIC STATE_DIR "
                    + "[KEY=VALUE ...]");
            System.exit(2);
        }
        Properties properties = new Properties();
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
        properties.put(StreamsConfig.STATE_DIR_CONFIG, args[4]);
        for (int i = 5; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            if (equals <= 0) {
                System.err.println("pass-through: expected KEY=VALUE, got '" + args[i] + "'");
                System.exit(2);
            }
            properties.put(args[i].substring(0, equals), args[i].substring(equals + 1));
        }
        KafkaStreams streams = new KafkaStreams(topology(args[2], args[3]), properties);
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean failed = new AtomicBoolean();
        streams.setUncaughtExceptionHandler(exception -> {
            System.err.println("pass-through: failed: " + exception);
            failed.set(true);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((newState, oldState) -> {
            if (newState == KafkaStreams.State.NOT_RUNNING || newState == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close(CLOSE_TIMEOUT);
            stopped.countDown();
            // A requested stop is a success, not 128 + the signal's number.
            Runtime.getRuntime().halt(failed.get() ? 1 : 0);
        }, "pass-through-shutdown"));
        streams.start();
        stopped.await();
        streams.close(CLOSE_TIMEOUT);
        System.exit(failed.get() ? 1 : 0);
    }
}
