package io.inertia.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inertia.avro.LabeledEvent;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The end-to-end benchmark: Inertia's learner ({@code inertia run}, driven only through its command line) against a
 * pass-through Kafka Streams application on a real broker, case by case (see {@link EndToEndCase#all}).
 *
 * <p>For each case it creates an input topic of its own ({@code message.timestamp.type=LogAppendTime}), preloads N
 * seeded events ({@link SyntheticEvents}), then runs, one after the other and each in a child JVM with
 * {@code -Xmx1g}, {@code processing.guarantee=exactly_once_v2}, {@code commit.interval.ms=100} and the case's
 * {@code num.stream.threads}: the {@link PassThroughApplication}, {@code java -jar target/inertia.jar run}, and the
 * pass-through once more (the broker's speed drifts within a run; the ratio is taken to the mean of the two). Each
 * reads the topic from offset 0 until its committed consumer-group offsets reach N. Throughput is the events committed
 * between the first observation of committed offsets above 0 and reaching N, over that time, so JVM start and the
 * first rebalance are left out. The learner's peak RSS is its VmHWM. With the learner still running and caught up, a
 * live phase ({@link LatencyProbe}) then measures the latency of predictions as processed and as read_committed.
 *
 * <p>A learner that exits before reaching N is reported with the events it had committed and its last log line, and
 * the next case runs. Everything a case creates (topics, consumer groups, state directories) is deleted when it ends,
 * also on Ctrl-C or SIGTERM (a shutdown hook stops the child JVMs first); child logs stay in
 * {@code <work-dir>/e2e-logs/<run id>/}.
 *
 * <p>Usage: {@code java -cp target/benchmarks.jar io.inertia.bench.EndToEndBenchmark [options] [case …]}, normally
 * through {@code scripts/bench.sh e2e}; {@code --help} lists the options. Exit status: 0 when every case ran to its
 * end and met its target, 1 otherwise, 2 on bad arguments.
 */
public final class EndToEndBenchmark {

    /** {@code commit.interval.ms} of both applications. */
    static final int COMMIT_INTERVAL_MS = 100;
    /** Heap of each child JVM. */
    static final String CHILD_HEAP = "-Xmx1g";
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STOP_GRACE = Duration.ofSeconds(90);
    private static final Duration REPORT_TIMEOUT = Duration.ofSeconds(20);
    private static final long MIB = 1024;

    private final Options options;
    private final BenchCluster cluster;
    private final String runId;
    private final Path stateRoot;
    private final Path logRoot;
    private final List<String> leftoverGroups = new CopyOnWriteArrayList<>();
    private volatile CaseNames current;
    private volatile boolean aborting;
    private volatile boolean finished;
    private final CountDownLatch reported = new CountDownLatch(1);

    private EndToEndBenchmark(Options options, BenchCluster cluster) {
        this.options = options;
        this.cluster = cluster;
        this.runId = "bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        this.stateRoot = options.workDir.resolve("e2e-state").resolve(runId).toAbsolutePath();
        this.logRoot = options.workDir.resolve("e2e-logs").resolve(runId).toAbsolutePath();
    }

    /** Runs the benchmark; see the class documentation. */
    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench e2e: " + e.getMessage() + " (see --help)");
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.print(Options.USAGE);
            System.exit(0);
        }
        if (options.list) {
            for (EndToEndCase c : EndToEndCase.all()) {
                System.out.printf(Locale.ROOT, "%d %-17s %-60s N = %,d  %s%n", c.number(), c.name(),
                        c.description(), options.events(c), c.target().describe());
            }
            System.exit(0);
        }
        int status;
        try (BenchCluster cluster = new BenchCluster(options.bootstrapServers)) {
            status = new EndToEndBenchmark(options, cluster).run();
        } catch (BenchmarkFailure e) {
            System.err.println("bench e2e: " + e.getMessage());
            status = 1;
        }
        System.exit(status);
    }

    private int run() {
        long started = System.nanoTime();
        ObjectNode machine = machine();
        String machineLine = String.format(Locale.ROOT,
                "machine: %d cores (nproc), %.1f GiB memory, JDK %s (%s), %s%n", machine.get("nproc").asInt(), machine.get("memoryMiB").asLong() / 1024.0,
                machine.get("jdk").asText(), machine.get("jvm").asText(), machine.get("cpu").asText());
        System.out.print(machineLine);
        System.out.printf(Locale.ROOT, "kafka: %s; both applications: processing.guarantee=exactly_once_v2, "
                + "commit.interval.ms=%d, child JVMs %s%s%n", options.bootstrapServers, COMMIT_INTERVAL_MS, CHILD_HEAP,
                options.properties.isEmpty() ? "" : ", " + options.properties);
        cluster.awaitReachable();
        Thread hook = new Thread(this::abort, "bench-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        warmUp();
        List<CaseResult> results = new ArrayList<>();
        for (EndToEndCase c : options.cases) {
            if (aborting) {
                break;
            }
            results.add(runCase(c));
        }
        if (!leftoverGroups.isEmpty() && !aborting) {
            // Their members' sessions have had time to expire meanwhile.
            leftoverGroups.removeAll(List.copyOf(leftoverGroups).stream()
                    .filter(group -> cluster.deleteGroups(List.of(group)).isEmpty()).toList());
        }
        deleteTree(stateRoot);
        deleteIfEmpty(stateRoot.getParent());
        double minutes = (System.nanoTime() - started) / 60e9;
        try {
            // The machine again, so that the table can be copied on its own.
            System.out.printf("%n%s", machineLine);
            System.out.print(table(results));
            writeJson(results, machine, minutes);
            System.out.printf(Locale.ROOT, "%nend-to-end results: %s; child logs: %s; %.1f min in all%n",
                    options.json.toAbsolutePath(), logRoot, minutes);
        } finally {
            reported.countDown();
        }
        finished = true;
        boolean ok = results.size() == options.cases.size() && results.stream().allMatch(CaseResult::ok);
        return ok ? 0 : 1;
    }

    /** The shutdown hook: after Ctrl-C or SIGTERM, stop the children and delete what the current case created. */
    private void abort() {
        if (finished) {
            return;
        }
        // Taken first: the main thread forgets the case as soon as it sees its children gone.
        CaseNames names = current;
        aborting = true;
        System.err.println("bench e2e: stopping; cleaning up what this run created");
        ChildJvm.stopAll(Duration.ofSeconds(60));
        // A client of its own: the main thread may close the shared one while this hook runs.
        try (BenchCluster cleaner = new BenchCluster(options.bootstrapServers)) {
            List<String> earlier = List.copyOf(leftoverGroups);
            if (names != null) {
                cleanUp(cleaner, names);
            }
            cleaner.deleteGroups(earlier);
        }
        deleteTree(stateRoot);
        try {
            // The JVM halts when this hook returns: let the main thread finish the table and the JSON file.
            if (!reported.await(REPORT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                System.err.println("bench e2e: the report was not finished within " + REPORT_TIMEOUT.toSeconds()
                        + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One unmeasured pass-through over 300,000 dense events before the first case: the broker's own JIT and caches
     * are cold in a fresh run, which made the first case's pass-through up to twice slower than the same case later.
     */
    private void warmUp() {
        EndToEndCase c = new EndToEndCase(0, "warm-up", "broker warm-up", 300_000, 1, 1, 1, 10,
                EndToEndCase.Features.DENSE, 0, 1, EndToEndCase.all().get(0).target());
        CaseNames names = new CaseNames(runId, c, stateRoot, logRoot);
        current = names;
        ChildJvm passThrough = null;
        System.out.println();
        System.out.println("== warm-up: an unmeasured pass-through over 300,000 dense events");
        try {
            cluster.createTopics(List.of(new NewTopic(names.input, 1, (short) 1),
                    new NewTopic(names.passThroughOutput, 1, (short) 1)));
            preload(new SyntheticEvents(c), names.input, c.defaultEvents());
            passThrough = ChildJvm.start("pass-through", passThroughCommand(c, names, names.passThroughApplication,
                    "pass-through"), names.log("pass-through"));
            measure(passThrough, names.passThroughApplication, names.input, c.defaultEvents());
        } catch (RuntimeException e) {
            System.out.println("  warm-up failed (the cases still run): " + BenchCluster.message(e));
        } finally {
            if (passThrough != null) {
                passThrough.stop(STOP_GRACE);
            }
            if (!aborting) {
                cleanUp(cluster, names);
            }
            current = null;
        }
    }

    // ------------------------------------------------------------------------------------------------ one case

    private CaseResult runCase(EndToEndCase c) {
        if (c.features().spec()) {
            return runSpecCase(c);
        }
        long events = options.events(c);
        CaseNames names = new CaseNames(runId, c, stateRoot, logRoot);
        current = names;
        System.out.printf(Locale.ROOT, "%n== case %d %s: %s; N = %,d, %d partition(s), %d stream thread(s)%n",
                c.number(), c.name(), c.description(), events, c.partitions(), c.streamThreads());
        CaseResult result = new CaseResult(c, events);
        ChildJvm passThrough = null;
        ChildJvm learner = null;
        try {
            cluster.createTopics(List.of(
                    new NewTopic(names.input, c.partitions(), (short) 1).configs(Map.of(
                            TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime")),
                    new NewTopic(names.passThroughOutput, c.partitions(), (short) 1)));
            SyntheticEvents generator = new SyntheticEvents(c);
            result.preloadSeconds = preload(generator, names.input, events);
            // Every send was acknowledged; the topic holding exactly N events proves none was lost on the way in.
            long stored = cluster.endOffsetSum(names.input, c.partitions());
            if (stored != events) {
                throw new BenchmarkFailure(names.input + " holds " + stored + " events after preloading " + events);
            }

            passThrough = ChildJvm.start("pass-through", passThroughCommand(c, names, names.passThroughApplication,
                    "pass-through"), names.log("pass-through"));
            result.passThrough = measure(passThrough, names.passThroughApplication, names.input, events);
            passThrough.stop(STOP_GRACE);

            learner = ChildJvm.start("inertia", learnerCommand(c, names), names.log("inertia"));
            result.inertia = measure(learner, names.learnerApplication, names.input, events);
            if (result.inertia.status == Status.COMPLETED && options.latencySeconds > 0) {
                double capacity = result.inertia.eventsPerSecond;
                // Well below capacity, so that the latency is not queueing behind a backlog.
                int rate = Double.isFinite(capacity)
                        ? (int) Math.max(1, Math.min(options.latencyRate, capacity / 2)) : options.latencyRate;
                System.out.printf(Locale.ROOT, "  live phase: %,d events/s for %d s ...%n", rate,
                        options.latencySeconds);
                result.latency = LatencyProbe.run(cluster, generator, names.input, names.predictions, rate,
                        options.latencySeconds);
                System.out.printf(Locale.ROOT, "  latency as processed p50 %d ms, p99 %d ms; read_committed p50 %d ms,"
                        + " p99 %d ms (%,d and %,d of %,d predictions)%n", result.latency.processed().p50Ms(),
                        result.latency.processed().p99Ms(), result.latency.readCommitted().p50Ms(),
                        result.latency.readCommitted().p99Ms(), result.latency.processed().received(),
                        result.latency.readCommitted().received(), result.latency.sent());
                if (!learner.alive()) {
                    result.inertia = Phase.died(events, learner.exitStatus(), "in the live phase: "
                            + learner.failureLine(), learner.lastLogLine());
                }
            }
            result.peakRssKb = Math.max(result.peakRssKb, learner.samplePeakRssKb());
            // Recovery: a crash of the learner, then a restart with the same state directory.
            learner.kill();
            learner = restartAfterCrash(c, names, generator, result);
            if (c.partitions() > 1) {
                // And with a second instance: the survivor's takeover of a SIGKILLed instance's models.
                takeoverAfterCrash(c, names, generator, learner, result);
            }
            learner.stop(STOP_GRACE);
            // The same pass-through once more, after the learner: the broker's speed drifts within a run (by up to 2×
            // on this machine), and the mean of a pass-through before and after brackets the learner's run.
            passThrough = ChildJvm.start("pass-through-after", passThroughCommand(c, names,
                    names.passThroughAfterApplication, "pass-through-after"), names.log("pass-through-after"));
            result.passThroughAfter = measure(passThrough, names.passThroughAfterApplication, names.input, events);
            passThrough.stop(STOP_GRACE);
            topicReplay(c, names, result);
        } catch (RuntimeException e) {
            // One case's failure (of the harness, or a client error) is reported; the other cases still run.
            result.error = e instanceof BenchmarkFailure ? e.getMessage() : BenchCluster.message(e);
            System.out.println("  failed: " + result.error);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.error = "interrupted";
        } finally {
            if (learner != null) {
                result.peakRssKb = Math.max(result.peakRssKb, learner.samplePeakRssKb());
                learner.stop(STOP_GRACE);
            }
            if (passThrough != null) {
                passThrough.stop(STOP_GRACE);
            }
            if (!aborting) {
                cleanUp(cluster, names);
            }
            current = null;
        }
        return result;
    }

    /**
     * A feature-spec case: users' Confluent-framed Avro clicks (their schema registered with the registry of
     * {@code --registry-url}), the pass-through, then {@code inertia run --feature-spec} over the same records, then
     * the pass-through again. With the model key from a field, the learner's rate is that of its learning step, read
     * from its committed offsets on the re-keyed topic, which holds the N records once the re-keying step has passed
     * them on. No live phase, crash or replay: those are the other cases'.
     */
    private CaseResult runSpecCase(EndToEndCase c) {
        long events = options.events(c);
        CaseNames names = new CaseNames(runId, c, stateRoot, logRoot);
        current = names;
        boolean rekeyed = c.features() == EndToEndCase.Features.SPEC_CLICKS_REKEYED;
        System.out.printf(Locale.ROOT, "%n== case %d %s: %s; N = %,d, %d partition(s), %d stream thread(s)%n",
                c.number(), c.name(), c.description(), events, c.partitions(), c.streamThreads());
        CaseResult result = new CaseResult(c, events);
        ChildJvm passThrough = null;
        ChildJvm learner = null;
        try {
            if (options.registryUrl == null) {
                throw new BenchmarkFailure("a feature-spec case needs a schema registry: --registry-url URL");
            }
            cluster.createTopics(List.of(
                    new NewTopic(names.input, c.partitions(), (short) 1).configs(Map.of(
                            TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime")),
                    new NewTopic(names.passThroughOutput, c.partitions(), (short) 1)));
            int schemaId = SpecClicks.register(options.registryUrl, names.input + "-value");
            SpecClicks clicks = new SpecClicks(c, schemaId);
            long start = System.nanoTime();
            try (KafkaProducer<String, byte[]> producer = cluster.producer(20)) {
                BenchCluster.SendCheck check = new BenchCluster.SendCheck();
                for (long i = 0; i < events && !aborting; i++) {
                    SpecClicks.Click click = clicks.next(rekeyed);
                    check.send(producer, new ProducerRecord<>(names.input, click.key(), click.value()));
                }
                producer.flush();
                check.check(events, names.input);
            }
            result.preloadSeconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "  preloaded %,d clicks in %.1f s (schema id %d)%n", events,
                    result.preloadSeconds, schemaId);
            long stored = cluster.endOffsetSum(names.input, c.partitions());
            if (stored != events) {
                throw new BenchmarkFailure(names.input + " holds " + stored + " events after preloading " + events);
            }
            passThrough = ChildJvm.start("pass-through", passThroughCommand(c, names, names.passThroughApplication,
                    "pass-through"), names.log("pass-through"));
            result.passThrough = measure(passThrough, names.passThroughApplication, names.input, events);
            passThrough.stop(STOP_GRACE);

            Path spec = names.stateDir("spec").resolve("clicks.spec.yaml");
            Files.createDirectories(spec.getParent());
            Files.writeString(spec, rekeyed ? SpecClicks.REKEYED_SPEC : SpecClicks.SPEC);
            List<String> command = learnerCommand(c, names);
            String rekeyedTopic = names.topicPrefix + "rekeyed";
            command.addAll(List.of("--feature-spec", spec.toString(), "--loss", "logistic",
                    "--property", "inertia.input.format=confluent-avro",
                    "--property", "inertia.schema.registry.url=" + options.registryUrl,
                    "--property", "inertia.topic.rekeyed=" + rekeyedTopic));
            learner = ChildJvm.start("inertia", command, names.log("inertia"));
            result.inertia = measure(learner, names.learnerApplication, rekeyed ? rekeyedTopic : names.input,
                    events);
            result.peakRssKb = Math.max(result.peakRssKb, learner.samplePeakRssKb());
            learner.stop(STOP_GRACE);
            passThrough = ChildJvm.start("pass-through-after", passThroughCommand(c, names,
                    names.passThroughAfterApplication, "pass-through-after"), names.log("pass-through-after"));
            result.passThroughAfter = measure(passThrough, names.passThroughAfterApplication, names.input, events);
            passThrough.stop(STOP_GRACE);
        } catch (RuntimeException e) {
            result.error = e instanceof BenchmarkFailure ? e.getMessage() : BenchCluster.message(e);
            System.out.println("  failed: " + result.error);
        } catch (java.io.IOException e) {
            result.error = "cannot write the spec: " + e.getMessage();
            System.out.println("  failed: " + result.error);
        } finally {
            if (learner != null) {
                result.peakRssKb = Math.max(result.peakRssKb, learner.samplePeakRssKb());
                learner.stop(STOP_GRACE);
            }
            if (passThrough != null) {
                passThrough.stop(STOP_GRACE);
            }
            if (!aborting) {
                cleanUp(cluster, names);
            }
            current = null;
        }
        return result;
    }

    /** Events sent after a restart, to see the restarted learner learn. */
    private static final int RESTART_EVENTS = 1_000;

    /**
     * Starts the learner again after its SIGKILL, with the same state directory, sends {@value #RESTART_EVENTS} new
     * events and times, from the restart, until it commits past where the crashed one stood: rejoining the group (a
     * static member, at once), fencing the dead one's transaction, restoring the state the crash left dirty (Kafka
     * Streams wipes it under exactly-once and restores it from the changelogs, which grow with the model) and
     * learning. Returns the restarted learner.
     */
    private ChildJvm restartAfterCrash(EndToEndCase c, CaseNames names, SyntheticEvents generator,
            CaseResult result) {
        long before = cluster.committed(names.learnerApplication, names.input);
        result.changelogRecords = cluster.endOffsetSum(names.learnerApplication + "-inertia-model-parts-changelog",
                c.partitions()) + cluster.endOffsetSum(names.learnerApplication + "-inertia-models-changelog",
                c.partitions());
        long start = System.nanoTime();
        ChildJvm restarted = ChildJvm.start("inertia-restarted", learnerCommand(c, names),
                names.log("inertia-restarted"));
        preloadQuietly(generator, names.input, RESTART_EVENTS);
        long deadline = start + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && restarted.alive()) {
            if (cluster.committed(names.learnerApplication, names.input) > before) {
                result.restartSeconds = (System.nanoTime() - start) / 1e9;
                break;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        System.out.printf(Locale.ROOT, "  restart after SIGKILL: learning again %s after the start (changelogs: "
                + "%,d records)%n", Double.isNaN(result.restartSeconds) ? "not within the timeout"
                : String.format(Locale.ROOT, "%.1f s", result.restartSeconds), result.changelogRecords);
        return restarted;
    }

    /**
     * Starts a second learner instance beside {@code first}, waits until both hold partitions, SIGKILLs
     * {@code first} and times, while events keep arriving, until every partition commits again past where it stood:
     * the session timeout, the rebalance, the wait for the dead member's open transaction to be aborted, the restore of
     * the moved tasks' state, and learning.
     */
    private void takeoverAfterCrash(EndToEndCase c, CaseNames names, SyntheticEvents generator, ChildJvm first,
            CaseResult result) {
        ChildJvm second = ChildJvm.start("inertia-second", learnerCommand(c, names, "inertia-second"),
                names.log("inertia-second"));
        try {
            long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline && second.alive()
                    && cluster.membersWithPartitions(names.learnerApplication, names.input) < 2) {
                preloadQuietly(generator, names.input, 200);
                sleep(200);
            }
            if (cluster.membersWithPartitions(names.learnerApplication, names.input) < 2) {
                System.out.println("  takeover: the second instance got no partitions; not measured");
                return;
            }
            preloadQuietly(generator, names.input, 200);
            sleep(1000);
            Map<TopicPartition, Long> atKill = cluster.committedByPartition(names.learnerApplication, names.input);
            first.kill();
            long start = System.nanoTime();
            while (System.nanoTime() - start < STARTUP_TIMEOUT.toNanos() && second.alive()) {
                preloadQuietly(generator, names.input, 200);
                Map<TopicPartition, Long> now = cluster.committedByPartition(names.learnerApplication, names.input);
                if (!atKill.isEmpty() && atKill.keySet().stream()
                        .allMatch(partition -> now.getOrDefault(partition, 0L) > atKill.get(partition))) {
                    result.takeoverSeconds = (System.nanoTime() - start) / 1e9;
                    break;
                }
                sleep(100);
            }
            System.out.printf(Locale.ROOT, "  takeover after SIGKILL of one of two instances: %s%n",
                    Double.isNaN(result.takeoverSeconds) ? "not within the timeout"
                            : String.format(Locale.ROOT, "every partition learned again %.1f s after the kill",
                                    result.takeoverSeconds));
        } finally {
            second.stop(STOP_GRACE);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void preloadQuietly(SyntheticEvents generator, String topic, long events) {
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
        try (KafkaProducer<String, byte[]> producer = cluster.producer(5)) {
            BenchCluster.SendCheck check = new BenchCluster.SendCheck();
            for (long i = 0; i < events; i++) {
                LabeledEvent event = generator.next(null);
                check.send(producer, new ProducerRecord<>(topic, event.getModelKey(), serde.serialize(topic, event)));
            }
            producer.flush();
            check.check(events, topic);
        }
    }

    /** Produces {@code events} events, checking every send; returns the seconds it took. */
    private double preload(SyntheticEvents generator, String topic, long events) {
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = cluster.producer(20)) {
            BenchCluster.SendCheck check = new BenchCluster.SendCheck();
            for (long i = 0; i < events && !aborting; i++) {
                LabeledEvent event = generator.next(null);
                check.send(producer, new ProducerRecord<>(topic, event.getModelKey(), serde.serialize(topic, event)));
            }
            producer.flush();
            check.check(events, topic);
        }
        if (aborting) {
            throw new BenchmarkFailure("interrupted");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "  preloaded %,d events in %.1f s (%,.0f events/s)%n", events, seconds,
                events / seconds);
        return seconds;
    }

    /**
     * Waits, polling the committed offsets of {@code group}, until they reach {@code events}, the child exits, the
     * child commits nothing within {@link #STARTUP_TIMEOUT}, or its offsets stop moving for the stall timeout.
     */
    private Phase measure(ChildJvm child, String group, String topic, long events) {
        long start = System.nanoTime();
        long first = -1;
        long firstCount = 0;
        long count = 0;
        long lastProgress = start;
        long nextReport = start + PROGRESS_EVERY.toNanos();
        long stall = Duration.ofSeconds(options.stallSeconds).toNanos();
        while (true) {
            if (aborting) {
                throw new BenchmarkFailure("interrupted");
            }
            child.samplePeakRssKb();
            long committed = cluster.committed(group, topic);
            long now = System.nanoTime();
            if (committed > count) {
                count = committed;
                lastProgress = now;
            }
            if (count > 0 && first < 0) {
                first = now;
                firstCount = count;
            }
            if (count >= events) {
                double seconds = (now - first) / 1e9;
                double rate = events > firstCount && now > first ? (events - firstCount) / seconds : Double.NaN;
                Phase phase = Phase.completed(events, rate, seconds, (first - start) / 1e9);
                System.out.printf(Locale.ROOT, "  %s: %,d events committed; %s events/s over %.1f s "
                        + "(first commit %.1f s after start, at %,d events)%n", child.name(), events,
                        Double.isNaN(rate) ? "n/a" : String.format(Locale.ROOT, "%,.0f", rate), seconds,
                        phase.startupSeconds, firstCount);
                return phase;
            }
            if (!child.alive()) {
                Phase phase = Phase.died(count, child.exitStatus(), child.failureLine(), child.lastLogLine());
                System.out.printf(Locale.ROOT, "  %s: died after %,d events (exit %d): %s%n", child.name(), count,
                        phase.exitStatus, phase.detail);
                return phase;
            }
            if (first < 0 && now - start > STARTUP_TIMEOUT.toNanos()) {
                Phase phase = Phase.stalled(0, "committed nothing within " + STARTUP_TIMEOUT.toSeconds() + " s",
                        child.lastLogLine());
                System.out.printf(Locale.ROOT, "  %s: %s%n", child.name(), phase.describe());
                return phase;
            }
            if (first >= 0 && now - lastProgress > stall) {
                Phase phase = Phase.stalled(count, "no progress for " + options.stallSeconds + " s at "
                        + String.format(Locale.ROOT, "%,d", count) + " events", child.lastLogLine());
                System.out.printf(Locale.ROOT, "  %s: %s%n", child.name(), phase.describe());
                return phase;
            }
            if (now >= nextReport) {
                nextReport = now + PROGRESS_EVERY.toNanos();
                System.out.printf(Locale.ROOT, "  %s: %,d / %,d committed%n", child.name(), count, events);
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    /**
     * {@code inertia replay --topic} over the case's input (its N events and the live phase's), timed from the JVM's
     * start to its exit: what replaying the live learner's history costs, beside what learning it live cost.
     */
    private void topicReplay(EndToEndCase c, CaseNames names, CaseResult result) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of(ChildJvm.java(), CHILD_HEAP, "-jar",
                options.inertiaJar.toAbsolutePath().toString(), "replay", "--topic", names.input,
                "--bootstrap-servers", options.bootstrapServers,
                // Avro: the records as published, so a model in parts costs a snapshot what it costs live.
                "--output", names.stateDir("replay").resolve("snapshots.avro").toString()));
        command.addAll(learnerOptions(c));
        try {
            Files.createDirectories(names.stateDir("replay"));
        } catch (java.io.IOException e) {
            throw new BenchmarkFailure("cannot create " + names.stateDir("replay") + ": " + e.getMessage());
        }
        System.out.println("  topic replay: inertia replay --topic " + names.input + " ...");
        long start = System.nanoTime();
        ChildJvm replay = ChildJvm.start("replay", command, names.log("replay"));
        long deadline = start + Duration.ofMinutes(10).toNanos();
        while (replay.alive() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(POLL.toNanos());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int status = replay.stop(STOP_GRACE);
        java.util.regex.Matcher replayed = java.util.regex.Pattern.compile("replayed (\\d+) events.*; ([0-9.]+) s, ")
                .matcher(String.join("\n", replay.tail()));
        if (status != 0 || !replayed.find()) {
            System.out.println("  topic replay failed (exit " + status + "): " + replay.lastLogLine());
            return;
        }
        result.topicReplayEvents = Long.parseLong(replayed.group(1));
        result.topicReplaySeconds = seconds;
        // As inertia run's rate leaves out its JVM start and first rebalance, the comparison leaves out the replay's
        // JVM start (its own figure); the rate with it is printed too.
        result.topicReplayOwnSeconds = Double.parseDouble(replayed.group(2));
        System.out.printf(Locale.ROOT, "  topic replay: %,d events in %.1f s, %,.0f events/s (JVM start included); "
                + "%,.0f events/s without it%n", result.topicReplayEvents, seconds, result.topicReplayEvents / seconds,
                result.topicReplayEvents / result.topicReplayOwnSeconds);
    }

    /** The learner options case {@code c} needs, alike for {@code run} and {@code replay}. */
    private static List<String> learnerOptions(EndToEndCase c) {
        List<String> options = new ArrayList<>();
        if (c.hashBits() > 0) {
            options.addAll(List.of("--hash-bits", Integer.toString(c.hashBits())));
        }
        if (c.classes() > 1) {
            options.addAll(List.of("--loss", "softmax", "--classes", Integer.toString(c.classes())));
        }
        return options;
    }

    private List<String> passThroughCommand(EndToEndCase c, CaseNames names, String applicationId, String state) {
        List<String> command = new ArrayList<>(List.of(ChildJvm.java(), CHILD_HEAP, "-cp", ownClassPath(),
                PassThroughApplication.class.getName(), options.bootstrapServers, applicationId,
                names.input, names.passThroughOutput, names.stateDir(state).toString()));
        commonSettings(c).forEach((key, value) -> command.add(key + "=" + value));
        return command;
    }

    private List<String> learnerCommand(EndToEndCase c, CaseNames names) {
        return learnerCommand(c, names, "inertia");
    }

    /** The learner's command, its state in the state directory {@code state} of the case. */
    private List<String> learnerCommand(EndToEndCase c, CaseNames names, String state) {
        List<String> command = new ArrayList<>(List.of(ChildJvm.java(), CHILD_HEAP));
        // Extra JVM options of the learner only, e.g. a flight recording to see where its time goes.
        String extra = System.getenv("BENCH_LEARNER_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", options.inertiaJar.toAbsolutePath().toString(), "run",
                "--bootstrap-servers", options.bootstrapServers,
                "--application-id", names.learnerApplication,
                "--state-dir", names.stateDir(state).toString()));
        command.addAll(learnerOptions(c));
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("inertia.topic.input", names.input);
        settings.put("inertia.topic.snapshots", names.snapshots);
        settings.put("inertia.topic.predictions", names.predictions);
        settings.put("inertia.topic.dead-letters", names.deadLetters);
        settings.put("inertia.topic.partitions", Integer.toString(c.partitions()));
        settings.putAll(commonSettings(c));
        settings.forEach((key, value) -> {
            command.add("--property");
            command.add(key + "=" + value);
        });
        return command;
    }

    /** The Kafka Streams settings both applications get, the same for both. */
    private Map<String, String> commonSettings(EndToEndCase c) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("processing.guarantee", "exactly_once_v2");
        settings.put("commit.interval.ms", Integer.toString(COMMIT_INTERVAL_MS));
        settings.put("num.stream.threads", Integer.toString(c.streamThreads()));
        settings.putAll(options.properties);
        return settings;
    }

    private static String ownClassPath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            entries.add(Path.of(entry).toAbsolutePath().toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** Deletes the topics, consumer groups and state directories of a case; reports what it could not. */
    private void cleanUp(BenchCluster cluster, CaseNames names) {
        try {
            cluster.deleteTopicsStartingWith(names.topicPrefix);
        } catch (BenchmarkFailure e) {
            System.err.println("bench e2e: " + e.getMessage());
        }
        leftoverGroups.addAll(cluster.deleteGroups(List.of(names.passThroughApplication, names.learnerApplication,
                names.passThroughAfterApplication)));
        deleteTree(names.stateDir);
    }

    private static void deleteIfEmpty(Path directory) {
        try {
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // Not empty: another run's state is still there.
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("bench e2e: cannot delete " + root + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------ report

    private String table(List<CaseResult> results) {
        StringBuilder out = new StringBuilder();
        String format = "%-19s %12s %12s %6s %-14s %-4s %8s %9s %15s %15s%n";
        out.append(String.format(Locale.ROOT, format, "case", "pass ev/s", "inertia ev/s", "ratio", "target", "met?",
                "RSS MiB", "live ev/s", "processed ms", "committed ms"));
        out.append(String.format(Locale.ROOT, format, "", "", "", "", "", "", "(peak)", "", "p50 / p99",
                "p50 / p99"));
        List<String> notes = new ArrayList<>();
        for (CaseResult r : results) {
            String label = r.spec.number() + " " + r.spec.name();
            String latencyRate = "—";
            String processed = "—";
            String committed = "—";
            if (r.latency != null) {
                latencyRate = String.format(Locale.ROOT, "%,d", r.latency.ratePerSecond());
                processed = r.latency.processed().p50Ms() + " / " + r.latency.processed().p99Ms();
                committed = r.latency.readCommitted().p50Ms() + " / " + r.latency.readCommitted().p99Ms();
                if (r.latency.processed().received() < r.latency.sent()
                        || r.latency.readCommitted().received() < r.latency.sent()) {
                    notes.add(label + ": only " + r.latency.processed().received() + " (as processed) and "
                            + r.latency.readCommitted().received() + " (read_committed) of " + r.latency.sent()
                            + " live predictions arrived");
                }
            }
            Boolean met = r.met();
            String pass = Double.isNaN(r.passThroughRate()) ? rate(r.passThrough)
                    : String.format(Locale.ROOT, "%,.0f", r.passThroughRate());
            if (r.passThrough != null && r.passThroughAfter != null) {
                notes.add(label + ": pass-through " + rate(r.passThrough) + " ev/s before the learner, "
                        + rate(r.passThroughAfter) + " after");
            }
            if (!Double.isNaN(r.restartSeconds)) {
                notes.add(String.format(Locale.ROOT, "%s: restart after SIGKILL learning again in %.1f s, restoring "
                        + "%,d changelog records (target for the demo's model sizes <= 10 s: %s)", label,
                        r.restartSeconds, r.changelogRecords, r.restartSeconds <= 10 ? "yes" : "NO"));
            }
            if (!Double.isNaN(r.takeoverSeconds)) {
                notes.add(String.format(Locale.ROOT, "%s: takeover after SIGKILL of one of two instances in %.1f s "
                        + "(target: session timeout 10 s + 10 s = 20 s: %s)", label, r.takeoverSeconds,
                        r.takeoverSeconds <= 20 ? "yes" : "NO"));
            }
            if (r.topicReplayEvents > 0 && r.inertia != null && r.inertia.status == Status.COMPLETED) {
                double replayRate = r.topicReplayEvents / r.topicReplayOwnSeconds;
                notes.add(String.format(Locale.ROOT, "%s: inertia replay --topic %,.0f ev/s (JVM start left out, as "
                        + "for run; %,.0f with it) vs inertia run %,.0f: %.2f (target >= 1: %s)", label, replayRate,
                        r.topicReplayEvents / r.topicReplaySeconds, r.inertia.eventsPerSecond,
                        replayRate / r.inertia.eventsPerSecond, replayRate >= r.inertia.eventsPerSecond ? "yes"
                        : "NO"));
            }
            out.append(String.format(Locale.ROOT, format, label, pass, rate(r.inertia),
                    Double.isNaN(r.ratio()) ? "—" : String.format(Locale.ROOT, "%.2f", r.ratio()),
                    r.spec.target().describe(), met == null ? "—" : met ? "yes" : "NO",
                    r.peakRssKb < 0 ? "—" : Long.toString(r.peakRssKb / MIB), latencyRate, processed, committed));
            if (r.error != null) {
                notes.add(label + ": " + r.error);
            }
            if (r.passThrough != null && r.passThrough.status != Status.COMPLETED) {
                notes.add(label + ": pass-through " + r.passThrough.describe());
            }
            if (r.inertia != null && r.inertia.status != Status.COMPLETED) {
                notes.add(label + ": learner " + r.inertia.describe());
            }
        }
        out.append(String.format(Locale.ROOT, "%nThroughput: events committed between the first observation of "
                + "committed offsets > 0 and reaching N, over that time (JVM start and the first rebalance left out);"
                + "%nthe pass-through's is the mean of a run before the learner and one after it (both in the notes)."
                + "%nLatency: receipt wall time − broker append time of the event, for every case whose learner ran "
                + "to its end, with events%nproduced at min(%,d, half the learner's throughput) events/s for %d s "
                + "once it had caught up; \"processed\" reads read_uncommitted.%nread_committed latency cannot be "
                + "below the commit interval: a prediction is visible only once the transaction that wrote it%n"
                + "commits, every commit.interval.ms = %d ms, so its p99 is at least ~%d ms and its p50 at least ~%d ms "
                + "by construction.%n", options.latencyRate, options.latencySeconds, COMMIT_INTERVAL_MS,
                COMMIT_INTERVAL_MS, COMMIT_INTERVAL_MS / 2));
        if (!notes.isEmpty()) {
            out.append(String.format("%nNotes:%n"));
            notes.forEach(note -> out.append("  ").append(note).append(System.lineSeparator()));
        }
        return out.toString();
    }

    private static String rate(Phase phase) {
        if (phase == null) {
            return "—";
        }
        return switch (phase.status) {
            case COMPLETED -> Double.isNaN(phase.eventsPerSecond) ? "n/a"
                    : String.format(Locale.ROOT, "%,.0f", phase.eventsPerSecond);
            case DIED -> "died";
            case STALLED -> "stalled";
        };
    }

    private void writeJson(List<CaseResult> results, ObjectNode machine, double minutes) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("runId", runId);
        root.put("interrupted", aborting);
        root.set("machine", machine);
        ObjectNode settings = root.putObject("settings");
        settings.put("bootstrapServers", options.bootstrapServers);
        settings.put("processingGuarantee", "exactly_once_v2");
        settings.put("commitIntervalMs", COMMIT_INTERVAL_MS);
        settings.put("childHeap", CHILD_HEAP);
        settings.put("scale", options.scale);
        settings.put("latencyRateMax", options.latencyRate);
        settings.put("latencySeconds", options.latencySeconds);
        options.properties.forEach(settings.putObject("extraProperties")::put);
        root.put("minutes", minutes);
        ArrayNode cases = root.putArray("cases");
        for (CaseResult r : results) {
            ObjectNode node = cases.addObject();
            node.put("number", r.spec.number());
            node.put("name", r.spec.name());
            node.put("description", r.spec.description());
            node.put("events", r.events);
            node.put("partitions", r.spec.partitions());
            node.put("streamThreads", r.spec.streamThreads());
            node.put("models", r.spec.models());
            node.put("hashBits", r.spec.hashBits());
            node.put("classes", r.spec.classes());
            node.put("preloadSeconds", r.preloadSeconds);
            phaseJson(node.putObject("passThrough"), r.passThrough);
            phaseJson(node.putObject("passThroughAfter"), r.passThroughAfter);
            putNumber(node, "passThroughEventsPerSecond", r.passThroughRate());
            ObjectNode restart = node.putObject("restartAfterCrash");
            putNumber(restart, "seconds", r.restartSeconds);
            restart.put("changelogRecords", r.changelogRecords);
            putNumber(node.putObject("takeoverAfterCrash"), "seconds", r.takeoverSeconds);
            ObjectNode replay = node.putObject("topicReplay");
            replay.put("events", r.topicReplayEvents);
            putNumber(replay, "seconds", r.topicReplaySeconds);
            putNumber(replay, "eventsPerSecond", r.topicReplayEvents / r.topicReplaySeconds);
            putNumber(replay, "ownSeconds", r.topicReplayOwnSeconds);
            putNumber(replay, "eventsPerSecondWithoutJvmStart", r.topicReplayEvents / r.topicReplayOwnSeconds);
            phaseJson(node.putObject("inertia"), r.inertia);
            putNumber(node, "ratio", r.ratio());
            ObjectNode target = node.putObject("target");
            target.put("kind", r.spec.target().kind().name());
            putNumber(target, "threshold", r.spec.target().threshold());
            target.put("description", r.spec.target().describe());
            if (r.met() == null) {
                node.putNull("met");
            } else {
                node.put("met", r.met());
            }
            if (r.peakRssKb < 0) {
                node.putNull("learnerPeakRssMiB");
            } else {
                node.put("learnerPeakRssMiB", r.peakRssKb / MIB);
            }
            if (r.latency == null) {
                node.putNull("latency");
            } else {
                ObjectNode latency = node.putObject("latency");
                latency.put("ratePerSecond", r.latency.ratePerSecond());
                latency.put("sent", r.latency.sent());
                percentilesJson(latency.putObject("processed"), r.latency.processed());
                percentilesJson(latency.putObject("readCommitted"), r.latency.readCommitted());
            }
            if (r.error == null) {
                node.putNull("error");
            } else {
                node.put("error", r.error);
            }
            node.put("ok", r.ok());
        }
        try {
            Files.createDirectories(options.json.toAbsolutePath().getParent());
            mapper.writeValue(options.json.toFile(), root);
        } catch (IOException e) {
            throw new BenchmarkFailure("cannot write " + options.json + ": " + e.getMessage());
        }
    }

    private static void phaseJson(ObjectNode node, Phase phase) {
        if (phase == null) {
            node.put("status", "NOT_RUN");
            return;
        }
        node.put("status", phase.status.name());
        node.put("committedEvents", phase.committed);
        putNumber(node, "eventsPerSecond", phase.eventsPerSecond);
        putNumber(node, "measuredSeconds", phase.seconds);
        putNumber(node, "firstCommitSeconds", phase.startupSeconds);
        if (phase.status == Status.DIED) {
            node.put("exitStatus", phase.exitStatus);
        }
        if (phase.detail != null) {
            node.put("detail", phase.detail);
        }
        if (phase.lastLogLine != null) {
            node.put("lastLogLine", phase.lastLogLine);
        }
    }

    private static void percentilesJson(ObjectNode node, LatencyProbe.Percentiles percentiles) {
        node.put("received", percentiles.received());
        node.put("p50Ms", percentiles.p50Ms());
        node.put("p99Ms", percentiles.p99Ms());
        node.put("maxMs", percentiles.maxMs());
    }

    private static void putNumber(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else {
            node.putNull(field);
        }
    }

    /** Cores, memory, JDK and CPU of this machine. */
    private static ObjectNode machine() {
        ObjectNode machine = new ObjectMapper().createObjectNode();
        machine.put("nproc", Runtime.getRuntime().availableProcessors());
        machine.put("memoryMiB", procValue("/proc/meminfo", "MemTotal:") / MIB);
        machine.put("jdk", System.getProperty("java.runtime.version"));
        machine.put("jvm", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        String cpu = "CPU unknown";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).strip();
                    break;
                }
            }
        } catch (IOException e) {
            // Not Linux: say so in the report rather than fail.
        }
        machine.put("cpu", cpu);
        return machine;
    }

    /** The number in the line of {@code file} that starts with {@code prefix} (kB in /proc), or -1. */
    private static long procValue(String file, String prefix) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(prefix)) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Reported as unknown.
        }
        return -1;
    }

    // ------------------------------------------------------------------------------------------------ values

    /** How a measured phase ended. */
    enum Status { COMPLETED, DIED, STALLED }

    /** One application's run over the preloaded events. */
    static final class Phase {
        final Status status;
        final long committed;
        final double eventsPerSecond;
        final double seconds;
        final double startupSeconds;
        final int exitStatus;
        final String detail;
        final String lastLogLine;

        private Phase(Status status, long committed, double eventsPerSecond, double seconds, double startupSeconds,
                int exitStatus, String detail, String lastLogLine) {
            this.status = status;
            this.committed = committed;
            this.eventsPerSecond = eventsPerSecond;
            this.seconds = seconds;
            this.startupSeconds = startupSeconds;
            this.exitStatus = exitStatus;
            this.detail = detail;
            this.lastLogLine = lastLogLine;
        }

        static Phase completed(long events, double eventsPerSecond, double seconds, double startupSeconds) {
            return new Phase(Status.COMPLETED, events, eventsPerSecond, seconds, startupSeconds, 0, null, null);
        }

        /** A child that exited: {@code reason} is what its log says made it stop. */
        static Phase died(long committed, int exitStatus, String reason, String lastLogLine) {
            return new Phase(Status.DIED, committed, Double.NaN, Double.NaN, Double.NaN, exitStatus, reason,
                    lastLogLine);
        }

        static Phase stalled(long committed, String detail, String lastLogLine) {
            return new Phase(Status.STALLED, committed, Double.NaN, Double.NaN, Double.NaN, 0, detail, lastLogLine);
        }

        String describe() {
            return switch (status) {
                case COMPLETED -> "completed";
                case DIED -> String.format(Locale.ROOT, "died after %,d events (exit %d): %s", committed, exitStatus,
                        detail);
                case STALLED -> "stalled: " + detail + "; last log line: " + lastLogLine;
            };
        }
    }

    /** Everything measured for one case. */
    static final class CaseResult {
        final EndToEndCase spec;
        final long events;
        double preloadSeconds = Double.NaN;
        Phase passThrough;
        /** The same pass-through, run again after the learner. */
        Phase passThroughAfter;
        /** Events {@code inertia replay --topic} replayed, 0 when it did not run to its end. */
        long topicReplayEvents;
        /** Its wall time, JVM start included. */
        double topicReplaySeconds = Double.NaN;
        /** Its own time, as it reports it: from reading the range to writing the last snapshot, JVM start left out. */
        double topicReplayOwnSeconds = Double.NaN;
        /** From the learner's restart after a SIGKILL until it committed again; NaN when it did not. */
        double restartSeconds = Double.NaN;
        /** With two instances, from a SIGKILL of one until every partition committed again; NaN when not measured. */
        double takeoverSeconds = Double.NaN;
        /** Records in its changelogs when it was killed: what a restart restores. */
        long changelogRecords;
        Phase inertia;
        LatencyProbe.Result latency;
        long peakRssKb = -1;
        String error;

        CaseResult(EndToEndCase spec, long events) {
            this.spec = spec;
            this.events = events;
        }

        /** The pass-through's events/s: the mean of its runs before and after the learner (or the one that ran). */
        double passThroughRate() {
            if (passThrough == null || passThrough.status != Status.COMPLETED) {
                return Double.NaN;
            }
            if (passThroughAfter == null || passThroughAfter.status != Status.COMPLETED) {
                return passThrough.eventsPerSecond;
            }
            return (passThrough.eventsPerSecond + passThroughAfter.eventsPerSecond) / 2;
        }

        double ratio() {
            if (inertia == null || inertia.status != Status.COMPLETED) {
                return Double.NaN;
            }
            return inertia.eventsPerSecond / passThroughRate();
        }

        /** Whether the target is met; null when the case has none. */
        Boolean met() {
            boolean ran = inertia != null && inertia.status == Status.COMPLETED;
            return switch (spec.target().kind()) {
                case THROUGHPUT_RATIO -> ran && ratio() >= spec.target().threshold();
                case PEAK_RSS_MIB -> ran && peakRssKb >= 0 && peakRssKb / (double) MIB <= spec.target().threshold();
                case NONE -> null;
            };
        }

        /** Ran to its end without a failure and met its target. */
        boolean ok() {
            return error == null && passThrough != null && passThrough.status == Status.COMPLETED && inertia != null
                    && inertia.status == Status.COMPLETED && !Boolean.FALSE.equals(met());
        }
    }

    /** The names of everything one case creates; every topic starts with {@link #topicPrefix}. */
    static final class CaseNames {
        final String topicPrefix;
        final String input;
        final String passThroughOutput;
        final String passThroughApplication;
        final String passThroughAfterApplication;
        final String learnerApplication;
        final String snapshots;
        final String predictions;
        final String deadLetters;
        final Path stateDir;
        private final Path logDir;
        private final String caseName;

        CaseNames(String runId, EndToEndCase c, Path stateRoot, Path logRoot) {
            // Case names hold no '.', so no case's prefix is a prefix of another's; Kafka Streams names its internal
            // topics <application.id>-…, which start with the prefix too.
            String base = runId + "." + c.name();
            topicPrefix = base + ".";
            input = base + ".events";
            passThroughOutput = base + ".pass-through-out";
            passThroughApplication = base + ".pass-through";
            passThroughAfterApplication = base + ".pass-through-after";
            learnerApplication = base + ".inertia";
            snapshots = base + ".snapshots";
            predictions = base + ".predictions";
            deadLetters = base + ".dead-letters";
            stateDir = stateRoot.resolve(c.name());
            logDir = logRoot;
            caseName = c.name();
        }

        Path stateDir(String application) {
            return stateDir.resolve(application);
        }

        Path log(String application) {
            return logDir.resolve(caseName + "." + application + ".log");
        }
    }

    /** The command line. */
    static final class Options {
        static final String USAGE = """
                Usage: java -cp target/benchmarks.jar io.inertia.bench.EndToEndBenchmark [options] [case ...]
                  (normally: scripts/bench.sh e2e [options] [case ...])
                Cases (names or numbers; default: all, in order): see --list.
                Options:
                  --bootstrap-servers HOST:PORT  the broker, on this machine only (127.0.0.1:9092)
                  --inertia-jar FILE             the learner's jar (target/inertia.jar)
                  --work-dir DIR                 state and logs go under it (target/bench)
                  --json FILE                    results as JSON (target/bench/end-to-end.json)
                  --scale F                      multiply every case's default N by F (1)
                  --events N                     N for every case, instead of its default
                  --latency-rate R               events/s of the live phase, at most (2000)
                  --latency-seconds S            length of the live phase; 0 skips it (10)
                  --stall-seconds S              give up on an application whose offsets stop moving (120)
                  --property KEY=VALUE           an extra Kafka Streams setting for both applications; repeatable
                  --registry-url URL             the schema registry of the feature-spec cases (none: they fail)
                  --list                         print the cases and exit
                  --help                         print this and exit
                """;

        String bootstrapServers = "127.0.0.1:9092";
        Path inertiaJar = Path.of("target", "inertia.jar");
        Path workDir = Path.of("target", "bench");
        Path json;
        double scale = 1.0;
        long events = -1;
        int latencyRate = 2_000;
        int latencySeconds = 10;
        int stallSeconds = 120;
        String registryUrl;
        final Map<String, String> properties = new LinkedHashMap<>();
        final List<EndToEndCase> cases = new ArrayList<>();
        boolean list;
        boolean help;

        /** N for case {@code c}. */
        long events(EndToEndCase c) {
            return events > 0 ? events : Math.max(1, Math.round(c.defaultEvents() * scale));
        }

        static Options parse(String[] args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--help", "-h" -> options.help = true;
                    case "--list" -> options.list = true;
                    case "--bootstrap-servers" -> options.bootstrapServers = loopback(value(args, ++i, arg));
                    case "--inertia-jar" -> options.inertiaJar = Path.of(value(args, ++i, arg));
                    case "--work-dir" -> options.workDir = Path.of(value(args, ++i, arg));
                    case "--json" -> options.json = Path.of(value(args, ++i, arg));
                    case "--scale" -> {
                        options.scale = number(value(args, ++i, arg), arg);
                        if (!(options.scale > 0)) {
                            throw new IllegalArgumentException("--scale must be > 0, got " + args[i]);
                        }
                    }
                    case "--events" -> options.events = positive(value(args, ++i, arg), arg);
                    case "--latency-rate" -> options.latencyRate = (int) positive(value(args, ++i, arg), arg);
                    case "--latency-seconds" -> options.latencySeconds = (int) nonNegative(value(args, ++i, arg), arg);
                    case "--stall-seconds" -> options.stallSeconds = (int) positive(value(args, ++i, arg), arg);
                    case "--registry-url" -> options.registryUrl = value(args, ++i, arg);
                    case "--property" -> {
                        String setting = value(args, ++i, arg);
                        int equals = setting.indexOf('=');
                        if (equals <= 0) {
                            throw new IllegalArgumentException("--property needs KEY=VALUE, got '" + setting + "'");
                        }
                        options.properties.put(setting.substring(0, equals), setting.substring(equals + 1));
                    }
                    default -> {
                        if (arg.startsWith("-")) {
                            throw new IllegalArgumentException("unknown option '" + arg + "'");
                        }
                        EndToEndCase c = EndToEndCase.named(arg);
                        if (!options.cases.contains(c)) {
                            options.cases.add(c);
                        }
                    }
                }
            }
            if (options.cases.isEmpty()) {
                options.cases.addAll(EndToEndCase.all());
            }
            if (options.json == null) {
                options.json = options.workDir.resolve("end-to-end.json");
            }
            return options;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static double number(String text, String option) {
            try {
                return Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs a number, got '" + text + "'");
            }
        }

        private static long positive(String text, String option) {
            long value = nonNegative(text, option);
            if (value == 0) {
                throw new IllegalArgumentException(option + " must be > 0");
            }
            return value;
        }

        private static long nonNegative(String text, String option) {
            try {
                long value = Long.parseLong(text.replace("_", "").replace(",", ""));
                if (value < 0) {
                    throw new IllegalArgumentException(option + " must not be negative, got " + text);
                }
                return value;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs a whole number, got '" + text + "'");
            }
        }

        /** The benchmark sends load only to this machine: every bootstrap server must be a loopback address. */
        private static String loopback(String servers) {
            for (String server : servers.split(",")) {
                int colon = server.lastIndexOf(':');
                String host = (colon < 0 ? server : server.substring(0, colon)).strip().replaceAll("^\\[|]$", "");
                try {
                    if (!InetAddress.getByName(host).isLoopbackAddress()) {
                        throw new IllegalArgumentException("--bootstrap-servers must be on this machine (loopback), "
                                + "got '" + server + "'");
                    }
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException("unknown host in --bootstrap-servers: '" + host + "'");
                }
            }
            return servers;
        }
    }
}
