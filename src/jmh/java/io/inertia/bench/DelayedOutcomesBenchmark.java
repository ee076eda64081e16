package io.inertia.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inertia.avro.LabeledEvent;
import io.inertia.avro.LearnLogEntry;
import io.inertia.avro.Outcome;
import io.inertia.join.LearnLog;
import io.inertia.join.OutcomeJoiner;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The delayed-outcomes benchmark ({@code scripts/bench.sh delayed}): {@code inertia run} with the outcome joiner
 * ({@code java -jar target/inertia.jar run}, a child JVM, exactly_once_v2, commit.interval.ms=100, 4 partitions) on a
 * real broker, in three parts:
 *
 * <ol>
 *   <li><b>Throughput.</b> N events without label, each with an id (64 models, 6 named features of 1,000 each),
 *       their record times 1 ms apart, and for every third its outcome (label 1 for a third of them) 0.1 to 30 s of
 *       record time later; W = 60 s and the default label 0 for the other two thirds; then one heartbeat per outcome
 *       partition 2W after the last event, so that every event is decided. All preloaded with explicit timestamps
 *       (CreateTime); the learner's own heartbeats off, so that only record time counts. The
 *       {@link PassThroughApplication} reads the same two topics before and after the learner; each rate is the
 *       records committed (both topics) between the first commit and the last over that time, reported as events/s
 *       (× N / records); the learner's is set against the mean of the two pass-throughs (target ≥ 0.5).</li>
 *   <li><b>Pending state.</b> 1,000,000 events with ids and no outcome, W = 30 days: every one stays pending. The
 *       learner's JVM runs with the default heap (no -Xmx); its peak RSS (VmHWM) once all are committed (target
 *       ≤ 1 GiB).</li>
 *   <li><b>Outcome latency.</b> The learner live and caught up (W = 5 s, heartbeats every second), events at R/s and
 *       for every third its outcome 0.2–1 s after it, into topics with {@code message.timestamp.type=LogAppendTime}
 *       (events, outcomes and the learn log, which is created here before the learner). For each JOINED record of
 *       the learn log: its append time − the append time of its outcome (carried in the record) — the outcome
 *       appended, read, joined, learned and its decision appended; and its receipt by a read_committed consumer −
 *       the outcome's append time, which adds the wait for the transaction's commit.</li>
 * </ol>
 *
 * Prints the figures against their targets and writes {@code <work-dir>/delayed.json}; child logs stay in
 * {@code <work-dir>/delayed-logs/<run id>/}. Everything it creates on the broker is deleted when it ends.
 *
 * <p>Usage: {@code java -cp target/benchmarks.jar io.inertia.bench.DelayedOutcomesBenchmark --bootstrap-servers
 * HOST:PORT [--events N] [--pending N] [--rate R] [--seconds S] [--inertia-jar JAR] [--work-dir DIR]}. Exit status 0
 * when every part ran and met its target, 1 otherwise, 2 on bad arguments.
 */
public final class DelayedOutcomesBenchmark {

    private static final int PARTITIONS = 4;
    private static final int MODELS = 64;
    private static final int VOCABULARY = 1000;
    private static final int FEATURES = 6;
    private static final long WINDOW_MS = 60_000;
    private static final double TARGET_RATIO = 0.5;
    private static final long TARGET_RSS_KB = 1024 * 1024;
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration STALL = Duration.ofSeconds(120);
    private static final Duration STOP_GRACE = Duration.ofSeconds(60);
    private static final String HEAP = "-Xmx1g";

    private final BenchCluster cluster;
    private final String bootstrap;
    private final Path inertiaJar;
    private final Path logs;
    private final Path state;
    private final String prefix;
    private final SingleObjectAvroSerde<LabeledEvent> events = InertiaSerdes.labeledEvent();
    private final SingleObjectAvroSerde<Outcome> outcomes = InertiaSerdes.outcome();
    private final java.util.concurrent.atomic.AtomicBoolean cleaning = new java.util.concurrent.atomic.AtomicBoolean();

    private DelayedOutcomesBenchmark(BenchCluster cluster, Path inertiaJar, Path workDir) {
        this.cluster = cluster;
        this.bootstrap = cluster.bootstrapServers();
        this.inertiaJar = inertiaJar.toAbsolutePath();
        String runId = "delayed-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        this.logs = workDir.resolve("delayed-logs").resolve(runId).toAbsolutePath();
        this.state = workDir.resolve("delayed-state").resolve(runId).toAbsolutePath();
        this.prefix = runId + "-";
    }

    /** Runs the benchmark; see the class documentation. */
    public static void main(String[] args) {
        Map<String, String> options = new LinkedHashMap<>(Map.of("--events", "300000", "--pending", "1000000",
                "--rate", "500", "--seconds", "30", "--inertia-jar", "target/inertia.jar", "--work-dir",
                "target/bench"));
        for (int i = 0; i < args.length; i += 2) {
            if (!options.containsKey(args[i]) && !args[i].equals("--bootstrap-servers") || i + 1 >= args.length) {
                System.err.println("bench delayed: unknown option or missing value: " + args[i]);
                System.exit(2);
            }
            options.put(args[i], args[i + 1]);
        }
        if (!options.containsKey("--bootstrap-servers")) {
            System.err.println("bench delayed: --bootstrap-servers is required");
            System.exit(2);
        }
        int status;
        Path workDir = Path.of(options.get("--work-dir"));
        try (BenchCluster cluster = new BenchCluster(options.get("--bootstrap-servers"))) {
            cluster.awaitReachable();
            DelayedOutcomesBenchmark benchmark = new DelayedOutcomesBenchmark(cluster,
                    Path.of(options.get("--inertia-jar")), workDir);
            // On Ctrl-C or SIGTERM too: the child JVMs stopped, what the run created deleted.
            Runtime.getRuntime().addShutdownHook(new Thread(benchmark::cleanUp, "bench-shutdown"));
            try {
                status = benchmark.run(Long.parseLong(options.get("--events")),
                        Long.parseLong(options.get("--pending")), Integer.parseInt(options.get("--rate")),
                        Integer.parseInt(options.get("--seconds")), workDir);
            } finally {
                benchmark.cleanUp();
            }
        } catch (BenchmarkFailure e) {
            System.err.println("bench delayed: " + e.getMessage());
            status = 1;
        }
        System.exit(status);
    }

    private int run(long n, long pending, int rate, int seconds, Path workDir) {
        ObjectNode report = new ObjectMapper().createObjectNode();
        System.out.printf(Locale.ROOT, "delayed outcomes: kafka %s, %d partitions, %d models, exactly_once_v2, "
                + "commit.interval.ms=%d%n", bootstrap, PARTITIONS, MODELS, EndToEndBenchmark.COMMIT_INTERVAL_MS);
        boolean met = true;

        Throughput throughput = throughput(n);
        report.set("throughput", throughput.json());
        met &= throughput.ratio() >= TARGET_RATIO;

        long rssKb = pendingRss(pending);
        report.put("pendingEvents", pending);
        report.put("pendingPeakRssKiB", rssKb);
        met &= rssKb > 0 && rssKb <= TARGET_RSS_KB;

        long[][] latency = latency(rate, seconds);
        ObjectNode latencyJson = report.putObject("outcomeToLearnLog");
        latencyJson.put("ratePerSecond", rate).put("seconds", seconds).put("joined", latency[0].length)
                .put("appendP50Ms", percentile(latency[0], 0.50)).put("appendP99Ms", percentile(latency[0], 0.99))
                .put("readCommittedP50Ms", percentile(latency[1], 0.50))
                .put("readCommittedP99Ms", percentile(latency[1], 0.99));

        System.out.println();
        System.out.printf(Locale.ROOT, "throughput:   inertia %,.0f events/s, pass-through %,.0f events/s (mean of "
                + "%,.0f and %,.0f): ratio %.2f, target >= %.1f %s%n", throughput.learner(),
                throughput.passThrough(), throughput.before(), throughput.after(), throughput.ratio(), TARGET_RATIO,
                throughput.ratio() >= TARGET_RATIO ? "met" : "MISSED");
        System.out.printf(Locale.ROOT, "pending:      %,d events pending, peak RSS %,d MiB (default heap), target "
                + "<= 1024 MiB %s%n", pending, rssKb / 1024, rssKb > 0 && rssKb <= TARGET_RSS_KB ? "met" : "MISSED");
        System.out.printf(Locale.ROOT, "outcome → learn log (%,d joins at %d events/s): appended p50 %d ms, p99 %d ms;"
                + " read_committed p50 %d ms, p99 %d ms%n", latency[0].length, rate, percentile(latency[0], 0.50),
                percentile(latency[0], 0.99), percentile(latency[1], 0.50), percentile(latency[1], 0.99));
        try {
            Files.createDirectories(workDir);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(workDir.resolve("delayed.json").toFile(), report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return met ? 0 : 1;
    }

    /**
     * Rates of part 1, in events/s.
     *
     * @param before the pass-through before the learner
     * @param learner the learner
     * @param after the pass-through after it
     * @param events events without label
     * @param records records of both topics
     */
    private record Throughput(double before, double learner, double after, long events, long records) {
        double passThrough() {
            return (before + after) / 2;
        }

        double ratio() {
            return learner / passThrough();
        }

        ObjectNode json() {
            ObjectNode json = new ObjectMapper().createObjectNode();
            json.put("events", events).put("records", records).put("learnerEventsPerSecond", learner)
                    .put("passThroughBeforeEventsPerSecond", before).put("passThroughAfterEventsPerSecond", after)
                    .put("ratio", ratio());
            return json;
        }
    }

    private Throughput throughput(long n) {
        String eventTopic = prefix + "events";
        String outcomeTopic = prefix + "outcomes";
        createTopics(Map.of(), eventTopic, outcomeTopic, prefix + "pass-through-out");
        long start = System.currentTimeMillis() - 10 * 60_000;
        Random random = new Random(18);
        List<long[]> answers = new ArrayList<>();
        long sent = 0;
        try (KafkaProducer<String, byte[]> producer = cluster.producer(20)) {
            BenchCluster.SendCheck check = new BenchCluster.SendCheck();
            for (long i = 0; i < n; i++) {
                long time = start + i;
                String model = "m" + (i % MODELS);
                check.send(producer, new ProducerRecord<>(eventTopic, null, time, model, event(eventTopic, model,
                        "e" + i, random)));
                if (i % 3 == 0) {
                    answers.add(new long[] {i, time + 100 + random.nextInt(29_900), random.nextInt(3) == 0 ? 1 : 0});
                }
            }
            // Each outcome partition in time order, as a producer of outcomes as they happen writes them.
            answers.sort(Comparator.comparingLong(answer -> answer[1]));
            for (long[] answer : answers) {
                String model = "m" + (answer[0] % MODELS);
                check.send(producer, new ProducerRecord<>(outcomeTopic, null, answer[1], model,
                        outcomes.serialize(outcomeTopic, new Outcome(model, "e" + answer[0], (double) answer[2],
                                1.0))));
            }
            long end = start + n - 1 + 2 * WINDOW_MS;
            for (int p = 0; p < PARTITIONS; p++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add(new RecordHeader(OutcomeJoiner.HEARTBEAT_HEADER, new byte[0]));
                check.send(producer, new ProducerRecord<>(outcomeTopic, p, end, null, null, headers));
            }
            producer.flush();
            sent = n + answers.size() + PARTITIONS;
            check.check(sent, eventTopic + " and " + outcomeTopic);
        }
        System.out.printf(Locale.ROOT, "%n== throughput: %,d events, %,d outcomes, %d closing heartbeats preloaded%n",
                n, answers.size(), PARTITIONS);
        List<String> topics = List.of(eventTopic, outcomeTopic);
        double before = passThrough("pass-through", topics, sent) * n / sent;
        ChildJvm learner = ChildJvm.start("inertia", learnerCommand("inertia", eventTopic, outcomeTopic,
                HEAP, WINDOW_MS, 0), logs.resolve("inertia.log"));
        double learned = measure(learner, prefix + "inertia", topics, sent) * n / sent;
        learner.stop(STOP_GRACE);
        double after = passThrough("pass-through-after", topics, sent) * n / sent;
        return new Throughput(before, learned, after, n, sent);
    }

    private double passThrough(String name, List<String> topics, long records) {
        List<String> command = new ArrayList<>(List.of(ChildJvm.java(), HEAP, "-cp", classPath(),
                PassThroughApplication.class.getName(), bootstrap, prefix + name, String.join(",", topics),
                prefix + "pass-through-out", state.resolve(name).toString(), "processing.guarantee=exactly_once_v2",
                "commit.interval.ms=" + EndToEndBenchmark.COMMIT_INTERVAL_MS));
        ChildJvm child = ChildJvm.start(name, command, logs.resolve(name + ".log"));
        double rate = measure(child, prefix + name, topics, records);
        child.stop(STOP_GRACE);
        return rate;
    }

    /** Peak RSS in KiB of a learner (default heap) holding {@code n} pending events. */
    private long pendingRss(long n) {
        String eventTopic = prefix + "pending-events";
        String outcomeTopic = prefix + "pending-outcomes";
        createTopics(Map.of(), eventTopic, outcomeTopic);
        long start = System.currentTimeMillis() - 10 * 60_000;
        Random random = new Random(19);
        try (KafkaProducer<String, byte[]> producer = cluster.producer(20)) {
            BenchCluster.SendCheck check = new BenchCluster.SendCheck();
            for (long i = 0; i < n; i++) {
                String model = "m" + (i % MODELS);
                check.send(producer, new ProducerRecord<>(eventTopic, null, start + i / 10, model,
                        event(eventTopic, model, "p" + i, random)));
            }
            producer.flush();
            check.check(n, eventTopic);
        }
        System.out.printf(Locale.ROOT, "%n== pending: %,d events without outcome preloaded; window 30 days%n", n);
        ChildJvm learner = ChildJvm.start("inertia-pending", learnerCommand("inertia-pending", eventTopic,
                outcomeTopic, null, Duration.ofDays(30).toMillis(), 0), logs.resolve("inertia-pending.log"));
        measure(learner, prefix + "inertia-pending", List.of(eventTopic), n);
        // Settled: RocksDB flushes and compacts after the last commit.
        for (int i = 0; i < 50; i++) {
            learner.samplePeakRssKb();
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        learner.stop(STOP_GRACE);
        long rss = learner.samplePeakRssKb();
        System.out.printf(Locale.ROOT, "  peak RSS %,d MiB with %,d events pending%n", rss / 1024, n);
        return rss;
    }

    /** Part 3: {joined append latencies, joined read_committed latencies}, ms. */
    private long[][] latency(int rate, int seconds) {
        String eventTopic = prefix + "live-events";
        String outcomeTopic = prefix + "live-outcomes";
        String learnLog = prefix + "live-learn-log";
        Map<String, String> logAppend = Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
        createTopics(logAppend, eventTopic, outcomeTopic, learnLog);
        System.out.printf(Locale.ROOT, "%n== outcome latency: %d events/s for %d s, an outcome for every third "
                + "0.2-1 s later; window 5 s, heartbeats every 1 s%n", rate, seconds);
        List<String> command = learnerCommand("inertia-live", eventTopic, outcomeTopic, HEAP, 5_000, 1_000);
        command.addAll(List.of("--property", "inertia.topic.learn-log=" + learnLog));
        ChildJvm learner = ChildJvm.start("inertia-live", command, logs.resolve("inertia-live.log"));
        Random random = new Random(20);
        try (KafkaProducer<String, byte[]> producer = cluster.producer(0)) {
            // Warm up: the learner has joined its group and commits.
            BenchCluster.SendCheck check = new BenchCluster.SendCheck();
            for (int i = 0; i < 100; i++) {
                String model = "m" + (i % MODELS);
                check.send(producer, new ProducerRecord<>(eventTopic, model, event(eventTopic, model, null, random)));
            }
            producer.flush();
            check.check(100, eventTopic);
            measure(learner, prefix + "inertia-live", List.of(eventTopic), 100);
            int total = rate * seconds;
            // Sends, in time order: event i at i / rate s, and for every third its outcome 200-1000 ms later.
            List<Object[]> schedule = new ArrayList<>();
            int expected = 0;
            for (int i = 0; i < total; i++) {
                long due = i * 1_000_000_000L / rate;
                String model = "m" + (i % MODELS);
                schedule.add(new Object[] {due, new ProducerRecord<>(eventTopic, model,
                        event(eventTopic, model, "live-" + i, random))});
                if (i % 3 == 0) {
                    expected++;
                    schedule.add(new Object[] {due + (200 + random.nextInt(800)) * 1_000_000L,
                            new ProducerRecord<>(outcomeTopic, model, outcomes.serialize(outcomeTopic,
                                    new Outcome(model, "live-" + i, (double) random.nextInt(2), 1.0)))});
                }
            }
            schedule.sort(Comparator.comparingLong(entry -> (Long) entry[0]));
            try (JoinedReader reader = new JoinedReader(learnLog, expected)) {
                reader.start();
                long start = System.nanoTime();
                for (Object[] entry : schedule) {
                    long due = start + (Long) entry[0];
                    for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                        LockSupport.parkNanos(wait);
                    }
                    @SuppressWarnings("unchecked")
                    ProducerRecord<String, byte[]> record = (ProducerRecord<String, byte[]>) entry[1];
                    check.send(producer, record);
                }
                producer.flush();
                check.check(schedule.size(), eventTopic + " and " + outcomeTopic);
                reader.awaitAll(Duration.ofSeconds(60));
                System.out.printf(Locale.ROOT, "  %,d of %,d joins read from the learn log%n", reader.count(),
                        expected);
                return reader.latencies();
            }
        } finally {
            learner.stop(STOP_GRACE);
        }
    }

    /** Reads the JOINED records of the learn log, read_committed, from its end, on a thread of its own. */
    private final class JoinedReader extends Thread implements AutoCloseable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final String topic;
        private final long[] appended;
        private final long[] visible;
        private final LearnLog log = new LearnLog(false);
        private volatile int count;
        private volatile boolean stop;

        JoinedReader(String topic, int expected) {
            super("learn-log-reader");
            setDaemon(true);
            this.topic = topic;
            this.appended = new long[expected];
            this.visible = new long[expected];
            Properties properties = new Properties();
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(partition -> consumer.position(partition, BenchCluster.TIMEOUT));
        }

        @Override
        public void run() {
            while (!stop && count < appended.length) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                    long now = System.currentTimeMillis();
                    var decision = record.headers().lastHeader(LearnLog.DECISION_HEADER);
                    if (decision == null || !"JOINED".equals(new String(decision.value(), StandardCharsets.UTF_8))
                            || count >= appended.length) {
                        continue;
                    }
                    LearnLogEntry entry = log.read(topic, record.value());
                    appended[count] = record.timestamp() - entry.getOutcomeTimestamp();
                    visible[count] = now - entry.getOutcomeTimestamp();
                    count++;
                }
            }
        }

        int count() {
            return count;
        }

        void awaitAll(Duration timeout) {
            try {
                join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        long[][] latencies() {
            int n = count;
            return new long[][] {Arrays.copyOf(appended, n), Arrays.copyOf(visible, n)};
        }

        @Override
        public void close() {
            stop = true;
            try {
                join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            consumer.close();
        }
    }

    /** Nearest-rank percentile of {@code values} (sorted here), −1 when empty. */
    private static long percentile(long[] values, double quantile) {
        if (values.length == 0) {
            return -1;
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.max(0, (int) Math.ceil(quantile * sorted.length) - 1)];
    }

    /**
     * An event without label of {@code model}: {@value #FEATURES} named features of {@value #VOCABULARY}, values
     * N(0, 1), id {@code id} (or none).
     */
    private byte[] event(String topic, String model, String id, Random random) {
        Map<String, Double> features = new LinkedHashMap<>();
        while (features.size() < FEATURES) {
            features.put("f" + random.nextInt(VOCABULARY), random.nextGaussian());
        }
        return events.serialize(topic, LabeledEvent.newBuilder().setModelKey(model).setNamedFeatures(features)
                .setEventId(id).setLabel(null).build());
    }

    /**
     * {@code inertia run} with the joiner over the two topics, W = {@code window} ms, default label 0, heartbeats
     * every {@code heartbeat} ms (0: none), its JVM's heap {@code heap} (null: the default).
     */
    private List<String> learnerCommand(String name, String eventTopic, String outcomeTopic, String heap, long window,
            long heartbeat) {
        List<String> command = new ArrayList<>(List.of(ChildJvm.java()));
        if (heap != null) {
            command.add(heap);
        }
        command.addAll(List.of("-jar", inertiaJar.toString(), "run", "--bootstrap-servers", bootstrap,
                "--application-id", prefix + name, "--state-dir", state.resolve(name).toString(),
                "--loss", "logistic"));
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("inertia.topic.input", eventTopic);
        settings.put("inertia.topic.outcomes", outcomeTopic);
        settings.put("inertia.topic.learn-log", prefix + name + "-learn-log");
        settings.put("inertia.topic.snapshots", prefix + name + "-snapshots");
        settings.put("inertia.topic.predictions", prefix + name + "-predictions");
        settings.put("inertia.topic.dead-letters", prefix + name + "-dead-letters");
        settings.put("inertia.topic.partitions", Integer.toString(PARTITIONS));
        settings.put("inertia.outcome.join", "true");
        settings.put("inertia.outcome.window.ms", Long.toString(window));
        settings.put("inertia.outcome.default-label", "0");
        settings.put("inertia.outcome.heartbeat-ms", Long.toString(heartbeat));
        settings.put("processing.guarantee", "exactly_once_v2");
        settings.put("commit.interval.ms", Integer.toString(EndToEndBenchmark.COMMIT_INTERVAL_MS));
        settings.forEach((key, value) -> {
            command.add("--property");
            command.add(key + "=" + value);
        });
        return command;
    }

    /**
     * Waits until {@code group}'s committed offsets over {@code topics} reach {@code records}; returns the rate, in
     * records/s, from the first commit to the last (JVM start and the first rebalance left out).
     */
    private double measure(ChildJvm child, String group, List<String> topics, long records) {
        long start = System.nanoTime();
        long first = -1;
        long firstCount = 0;
        long count = 0;
        long lastProgress = start;
        long nextReport = start + Duration.ofSeconds(10).toNanos();
        while (true) {
            child.samplePeakRssKb();
            long committed = 0;
            for (String topic : topics) {
                long offsets = cluster.committed(group, topic);
                committed = offsets < 0 || committed < 0 ? -1 : committed + offsets;
            }
            long now = System.nanoTime();
            if (committed > count) {
                count = committed;
                lastProgress = now;
            }
            if (count > 0 && first < 0) {
                first = now;
                firstCount = count;
            }
            if (count >= records) {
                double seconds = (now - first) / 1e9;
                double rate = seconds > 0 ? (records - firstCount) / seconds : Double.NaN;
                System.out.printf(Locale.ROOT, "  %s: %,d records committed; %,.0f records/s over %.1f s (first "
                        + "commit %.1f s after start)%n", child.name(), records, rate, seconds, (first - start) / 1e9);
                return rate;
            }
            if (!child.alive()) {
                throw new BenchmarkFailure(child.name() + " exited (" + child.exitStatus() + ") after " + count
                        + " records: " + child.failureLine());
            }
            if (now - lastProgress > STALL.toNanos()) {
                throw new BenchmarkFailure(child.name() + " made no progress for " + STALL.toSeconds() + " s at "
                        + count + " records: " + child.lastLogLine());
            }
            if (now >= nextReport) {
                nextReport = now + Duration.ofSeconds(10).toNanos();
                System.out.printf(Locale.ROOT, "  %s: %,d / %,d committed%n", child.name(), count, records);
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    private void createTopics(Map<String, String> configs, String... names) {
        List<NewTopic> topics = new ArrayList<>();
        for (String name : names) {
            topics.add(new NewTopic(name, PARTITIONS, (short) 1).configs(configs));
        }
        cluster.createTopics(topics);
    }

    private void cleanUp() {
        if (!cleaning.compareAndSet(false, true)) {
            return;
        }
        ChildJvm.stopAll(STOP_GRACE);
        try {
            List<String> deleted = cluster.deleteTopicsStartingWith(prefix);
            List<String> groups = new ArrayList<>();
            for (String name : List.of("pass-through", "pass-through-after", "inertia", "inertia-pending",
                    "inertia-live")) {
                groups.add(prefix + name);
            }
            cluster.deleteGroups(groups);
            deleteRecursively(state);
            System.out.printf(Locale.ROOT, "cleaned up %d topics, the consumer groups of %s* and %s%n",
                    deleted.size(), prefix, state);
        } catch (RuntimeException e) {
            System.err.println("bench delayed: clean-up incomplete: " + BenchCluster.message(e));
        }
    }

    /** Deletes {@code directory} and everything in it, if it exists (the learners' state: RocksDB files). */
    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (var paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            System.err.println("bench delayed: cannot delete " + directory + ": " + e.getMessage());
        }
    }

    private static String classPath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            entries.add(Path.of(entry).toAbsolutePath().toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }
}
