package io.inertia.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inertia.avro.LabeledEvent;
import io.inertia.model.FeatureHasher;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The serving benchmark: {@code inertia run --http-port} answering HTTP while its model keeps learning from a topic,
 * for a dense d = 10 model and a hashed model of exactly 1,000,000 weights.
 *
 * <p>Per case: an input topic of its own, preloaded with a backlog the learner works through during the whole run
 * (for the hashed model, first 50,000 events that name each of 1,000,000 names, chosen to fall in distinct buckets of
 * 2^24, once; then events of 20 names drawn uniformly from them). Two instances of one application start on it, each
 * in its own JVM ({@code -Xmx1g}, {@code exactly_once_v2}, {@code commit.interval.ms=100}); one owns the single
 * partition, the other passes requests for the model to it. Once the owner learns, each for {@code --seconds}: the
 * learner alone (no HTTP load); {@code POST /models/{key}/predict} (bodies cycling through 1,000 seeded ones: the dense
 * vector of 10, or 10 names of the vocabulary; for the hashed model also 20 names, as fast as answered) and {@code GET /models/{key}?weights=false} at the owner, first at a fixed
 * rate ({@code --rate}, 10,000/s, open loop: {@link OpenLoopLoad}), then as fast as wrk's 64 kept-alive connections
 * are answered; both through the other instance, as fast as answered; the learner alone again. Each window reports
 * requests/s, latency percentiles (p50, p99, p99.9), errors and the answers by status, and the learner's events/s
 * meanwhile (from its committed offsets): a fixed-rate window, between two windows without load, against their mean
 * (the learner's rate alone drifts during a run); the others against the mean of the first and the last.
 *
 * <p>Targets (owner, both models, at the fixed rate): every one of the 10,000 predictions/s answered, p99 ≤ 20 ms, the
 * learner at least 0.7 of its rate without load; the large model's predictions/s as fast as answered within 1.5× of
 * the small one's; no errors but 503s in any window. A run during which the learner ran out of backlog fails.
 *
 * <p>Usage: {@code java -cp target/benchmarks.jar io.inertia.bench.ServingBenchmark [options] [case …]}, normally
 * through {@code scripts/bench.sh serve}; {@code --help} lists the options. Exit status 0 when every target is met, 1
 * otherwise, 2 on bad arguments.
 */
public final class ServingBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHILD_HEAP = "-Xmx1g";
    private static final int COMMIT_INTERVAL_MS = 100;
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STOP_GRACE = Duration.ofSeconds(60);
    /** The hashed case: exactly this many weights, one bucket each. */
    static final int HASHED_WEIGHTS = 1_000_000;
    static final int HASH_BITS = 24;
    static final int NAMES_PER_EVENT = 20;
    /** Features per predict body of either model: the dense model's dimension. */
    static final int FEATURES_PER_PREDICTION = 10;
    private static final int BODIES = 1_000;
    private static final long SEED = 20_251_205L;

    private static final String USAGE = """
            Usage: java -cp target/benchmarks.jar io.inertia.bench.ServingBenchmark [OPTIONS] [CASE ...]
              CASE                        dense10 or hashed1m (default: both)
              --bootstrap-servers HOSTS   the broker (default 127.0.0.1:9092)
              --inertia-jar FILE          the inertia jar to run (default target/inertia.jar)
              --seconds N                 each measured window (default 10)
              --rate N                    requests/s of the open-loop windows (default 10000)
              --connections N             wrk's kept-alive connections (default 64)
              --wrk-threads N             wrk's threads (default 2)
              --wrk PATH                  wrk (default wrk on the PATH)
              --work-dir DIR              logs and state (default target/bench)
              --json FILE                 the results (default target/bench/serving.json)
              --help                      this text
            """;

    private final Options options;
    private final BenchCluster cluster;
    private final String runId;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private ServingBenchmark(Options options, BenchCluster cluster) {
        this.options = options;
        this.cluster = cluster;
        this.runId = "serve-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }

    /** Runs the benchmark; see the class documentation. */
    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench serve: " + e.getMessage() + " (see --help)");
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.print(USAGE);
            System.exit(0);
        }
        int status;
        try (BenchCluster cluster = new BenchCluster(options.bootstrapServers)) {
            cluster.awaitReachable();
            status = new ServingBenchmark(options, cluster).run();
        } catch (BenchmarkFailure e) {
            System.err.println("bench serve: " + e.getMessage());
            status = 1;
        }
        System.exit(status);
    }

    private int run() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ChildJvm.stopAll(Duration.ofSeconds(30)),
                "serve-shutdown"));
        System.out.printf(Locale.ROOT, "machine: %d cores; kafka %s; learners %s, exactly_once_v2, commit.interval.ms="
                + "%d; wrk -t%d -c%d, %d s per window; inertia jar %s%n", Runtime.getRuntime().availableProcessors(),
                options.bootstrapServers, CHILD_HEAP, COMMIT_INTERVAL_MS, options.wrkThreads, options.connections,
                options.seconds, options.inertiaJar);
        List<CaseResult> results = new ArrayList<>();
        for (String name : options.cases) {
            results.add(runCase(name));
        }
        String table = table(results, options.rate);
        System.out.print(table);
        writeJson(results);
        System.out.println("serving results: " + options.json.toAbsolutePath());
        return results.stream().allMatch(r -> r.error == null) && targetsMet(results, options.rate) ? 0 : 1;
    }

    // ------------------------------------------------------------------------------------------------ one case

    private CaseResult runCase(String name) {
        boolean hashed = name.equals("hashed1m");
        CaseResult result = new CaseResult(name, hashed ? "hashed, " + String.format(Locale.ROOT, "%,d",
                HASHED_WEIGHTS) + " weights, --hash-bits " + HASH_BITS : "dense d = 10");
        String prefix = runId + "-" + name;
        String input = prefix + "-events";
        String application = prefix + "-app";
        Path state = options.workDir.resolve("serve-state").resolve(prefix).toAbsolutePath();
        Path logs = options.workDir.resolve("serve-logs").resolve(runId).toAbsolutePath();
        List<ChildJvm> instances = new ArrayList<>();
        System.out.printf(Locale.ROOT, "%n== %s: %s%n", name, result.description);
        try {
            cluster.createTopics(List.of(new NewTopic(input, 1, (short) 1)));
            Workload workload = hashed ? Workload.hashed() : Workload.dense();
            // The learner works through a backlog for the whole run: every window must find events left to learn.
            // Twelve windows of --seconds (five without load; thirteen with the hashed model's 20 names), seven
            // warm-ups, and time to start and measure.
            double windows = (hashed ? 13 : 12) * options.seconds + 7 * WARM_UP_SECONDS + 40;
            long events = (long) (workload.expectedRate * windows);
            result.preloaded = preload(workload, input, events);
            int[] ports = {freePort(), freePort()};
            for (int i = 0; i < 2; i++) {
                instances.add(ChildJvm.start("inertia-" + i, learnerCommand(hashed, application, input,
                        state.resolve("instance-" + i), ports[i]), logs.resolve(name + "-inertia-" + i + ".log")));
                awaitReady(instances.get(i), ports[i]);
            }
            String key = workload.key;
            awaitModel(ports, key, hashed ? Workload.BUILD_EVENTS + 1 : 1);
            String ownerAddress = get(ports[0], "/models/" + key + "?weights=false").path("instance").asText();
            int owner = ownerAddress.endsWith(":" + ports[0]) ? 0 : 1;
            int[] roles = {ports[owner], ports[1 - owner]};
            System.out.printf(Locale.ROOT, "  owner: instance %d (port %d); the other passes requests to it%n", owner,
                    roles[0]);
            // Learning there, so holding the model in memory: a rebalance when the second instance joined may have
            // moved the model, which its new owner then restores and reads whole first.
            awaitLearning(roles[0], key);
            Path predictScript = logs.resolve(name + "-predict.lua");
            Path getScript = logs.resolve(name + "-get.lua");
            Files.writeString(predictScript, WrkScript.post(workload.bodies()));
            Files.writeString(getScript, WrkScript.get());
            String predictPath = "/models/" + key + "/predict";
            String getPath = "/models/" + key + "?weights=false";
            List<byte[]> predictRequests = workload.bodies().stream()
                    .map(body -> OpenLoopLoad.request("POST", predictPath, body)).toList();
            List<byte[]> getRequests = List.of(OpenLoopLoad.request("GET", getPath, null));
            // Unmeasured: the JIT of both instances.
            wrk(predictScript, roles[0], predictPath, WARM_UP_SECONDS);
            wrk(predictScript, roles[1], predictPath, WARM_UP_SECONDS);
            wrk(getScript, roles[0], getPath, WARM_UP_SECONDS);
            wrk(getScript, roles[1], getPath, WARM_UP_SECONDS);
            result.unloadedBefore = learnerAlone(application, input);
            // Each fixed-rate window between two without load, and the learner's rate in it against theirs: its rate
            // alone drifts during a run (by a third within minutes, as its stores and the broker's log grow).
            double alone = result.unloadedBefore;
            Window atRate = atRate("owner", "POST predict", predictRequests, roles[0], application, input);
            double next = learnerAlone(application, input);
            result.windows.add(atRate.against((alone + next) / 2));
            alone = next;
            atRate = atRate("owner", "GET ?weights=false", getRequests, roles[0], application, input);
            next = learnerAlone(application, input);
            result.windows.add(atRate.against((alone + next) / 2));
            alone = next;
            // The floor: the same load on the API's cheapest answer, which reads no model. What this window costs
            // the learner and the latencies it gets are those of the HTTP load itself on this machine.
            atRate = atRate("owner", "GET /health", List.of(OpenLoopLoad.request("GET", "/health", null)), roles[0],
                    application, input);
            next = learnerAlone(application, input);
            result.windows.add(atRate.against((alone + next) / 2));
            result.windows.add(window("owner", "POST predict", predictScript, roles[0], predictPath, application,
                    input));
            result.windows.add(window("owner", "GET ?weights=false", getScript, roles[0], getPath, application,
                    input));
            result.windows.add(window("owner", "GET /health", getScript, roles[0], "/health", application, input));
            if (hashed) {
                // As the events name them: twice the dense model's features, a body three times as long.
                Path eventSizedScript = logs.resolve(name + "-predict-" + NAMES_PER_EVENT + ".lua");
                Files.writeString(eventSizedScript, WrkScript.post(workload.bodies(NAMES_PER_EVENT)));
                result.windows.add(window("owner", "POST predict, " + NAMES_PER_EVENT + " names", eventSizedScript,
                        roles[0], predictPath, application, input));
            }
            result.windows.add(window("forwarded", "POST predict", predictScript, roles[1], predictPath,
                    application, input));
            result.windows.add(window("forwarded", "GET ?weights=false", getScript, roles[1], getPath, application,
                    input));
            result.unloadedAfter = learnerAlone(application, input);
            long committed = cluster.committed(application, input);
            result.backlogLeft = cluster.endOffsetSum(input, 1) - committed;
            result.modelVersion = get(roles[0], getPath).path("version").asLong();
            for (ChildJvm instance : instances) {
                result.peakRssKb = Math.max(result.peakRssKb, instance.samplePeakRssKb());
                if (!instance.alive()) {
                    throw new BenchmarkFailure(instance.name() + " died: " + instance.failureLine());
                }
            }
            if (result.backlogLeft <= 0) {
                result.error = "the learner ran out of backlog; the learner rates are not its capacity";
            }
        } catch (BenchmarkFailure e) {
            result.error = e.getMessage();
            System.out.println("  failed: " + e.getMessage());
        } catch (IOException e) {
            result.error = e.toString();
            System.out.println("  failed: " + e);
        } finally {
            for (ChildJvm instance : instances) {
                instance.stop(STOP_GRACE);
            }
            try {
                cluster.deleteTopicsStartingWith(prefix);
            } catch (BenchmarkFailure e) {
                System.err.println("bench serve: " + e.getMessage());
            }
            cluster.deleteGroups(List.of(application));
            deleteTree(state);
        }
        return result;
    }

    private static final int WARM_UP_SECONDS = 3;

    /** A window of as much HTTP load as wrk can send: its figures, and the learner's events/s meanwhile. */
    private Window window(String target, String request, Path script, int port, String path, String application,
            String input) {
        long before = committed(application, input);
        long start = System.nanoTime();
        Load load = wrk(script, port, path, options.seconds);
        long after = committed(application, input);
        return report(new Window(target, request, load, (after - before) / ((System.nanoTime() - start) / 1e9),
                Double.NaN));
    }

    /** A window of {@code --rate} requests/s, open loop: the latencies at that rate, the learner's events/s. */
    private Window atRate(String target, String request, List<byte[]> requests, int port, String application,
            String input) {
        OpenLoopLoad generator = new OpenLoopLoad(new InetSocketAddress("127.0.0.1", port), requests,
                options.connections);
        java.util.concurrent.CompletableFuture<OpenLoopLoad.Result> load =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        // The first seconds at the rate warm the generator up; the window follows.
                        return generator.run(options.rate, options.seconds, WARM_UP_SECONDS);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
        sleep(WARM_UP_SECONDS * 1000L + 50);
        long before = committed(application, input);
        long start = System.nanoTime();
        sleep(options.seconds * 1000L);
        long after = committed(application, input);
        double rate = (after - before) / ((System.nanoTime() - start) / 1e9);
        try {
            return report(new Window(target, request, Load.of(load.join()), rate, Double.NaN));
        } catch (java.util.concurrent.CompletionException e) {
            throw new BenchmarkFailure("load at " + options.rate + " requests/s failed: " + e.getCause());
        }
    }

    private Window report(Window window) {
        Load load = window.load;
        System.out.printf(Locale.ROOT, "  %-9s %-18s %-12s %,9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  p99.9 %6.2f ms  "
                + "errors %d (503: %d)  learner %,.0f ev/s%n", window.target, window.request, load.mode(),
                load.requestsPerSecond(), load.p50Ms(), load.p99Ms(), load.p999Ms(), load.errors(), load.unavailable(),
                window.learnerRate);
        return window;
    }

    /** The learner's events/s over a window without HTTP load. */
    private double learnerAlone(String application, String input) {
        long before = committed(application, input);
        long start = System.nanoTime();
        sleep(options.seconds * 1000L);
        long after = committed(application, input);
        double rate = (after - before) / ((System.nanoTime() - start) / 1e9);
        System.out.printf(Locale.ROOT, "  learner without HTTP load: %,.0f events/s%n", rate);
        return rate;
    }

    private long committed(String application, String input) {
        for (int attempt = 0; attempt < 10; attempt++) {
            long committed = cluster.committed(application, input);
            if (committed >= 0) {
                return committed;
            }
            sleep(100);
        }
        throw new BenchmarkFailure("cannot read the learner's committed offsets");
    }

    /** Runs wrk against 127.0.0.1:{@code port}{@code path} for {@code seconds}; its figures, from its script. */
    private Load wrk(Path script, int port, String path, int seconds) {
        List<String> command = List.of(options.wrk, "-t" + options.wrkThreads, "-c" + options.connections,
                "-d" + seconds + "s", "--timeout", "5s", "-s", script.toString(), "http://127.0.0.1:" + port + path);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(seconds + 60L, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new BenchmarkFailure("wrk failed: " + out.strip());
            }
            String line = out.lines().filter(l -> l.startsWith("{\"wrk\"")).reduce((a, b) -> b)
                    .orElseThrow(() -> new BenchmarkFailure("wrk printed no result: " + out.strip()));
            return Load.ofWrk(JSON.readTree(line));
        } catch (IOException e) {
            throw new BenchmarkFailure("cannot run " + options.wrk + " (scripts/bench.sh serve installs it): "
                    + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailure("interrupted");
        }
    }

    private List<String> learnerCommand(boolean hashed, String application, String input, Path state, int port) {
        List<String> command = new ArrayList<>(List.of(ChildJvm.java(), CHILD_HEAP));
        String extra = System.getenv("BENCH_LEARNER_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", options.inertiaJar.toAbsolutePath().toString(), "run",
                "--bootstrap-servers", options.bootstrapServers, "--application-id", application,
                "--state-dir", state.toString(), "--http-port", Integer.toString(port)));
        if (hashed) {
            command.add("--hash-bits");
            command.add(Integer.toString(HASH_BITS));
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("inertia.topic.input", input);
        String prefix = input.substring(0, input.length() - "-events".length());
        settings.put("inertia.topic.snapshots", prefix + "-snapshots");
        settings.put("inertia.topic.predictions", prefix + "-predictions");
        settings.put("inertia.topic.dead-letters", prefix + "-dead-letters");
        settings.put("processing.guarantee", "exactly_once_v2");
        settings.put("commit.interval.ms", Integer.toString(COMMIT_INTERVAL_MS));
        settings.forEach((key, value) -> {
            command.add("--property");
            command.add(key + "=" + value);
        });
        return command;
    }

    private void awaitReady(ChildJvm instance, int port) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!instance.alive()) {
                throw new BenchmarkFailure(instance.name() + " exited: " + instance.failureLine());
            }
            if (status(port, "/ready") == 200) {
                return;
            }
            sleep(200);
        }
        throw new BenchmarkFailure(instance.name() + " was not ready within " + STARTUP_TIMEOUT.toSeconds() + " s: "
                + instance.lastLogLine());
    }

    /** Waits until both instances answer for the model at a version of at least {@code version}. */
    private void awaitModel(int[] ports, String key, long version) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            boolean both = true;
            for (int port : ports) {
                JsonNode model = getQuietly(port, "/models/" + key + "?weights=false");
                both &= model != null && model.path("version").asLong() >= version;
            }
            if (both) {
                return;
            }
            sleep(200);
        }
        throw new BenchmarkFailure("model " + key + " did not reach version " + version + " within "
                + STARTUP_TIMEOUT.toSeconds() + " s");
    }

    /** Waits until the model's version at the owner grows by 1,000 within 2 s, twice in a row. */
    private void awaitLearning(int port, String key) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        int inARow = 0;
        while (inARow < 2) {
            if (System.nanoTime() > deadline) {
                throw new BenchmarkFailure("the owner of " + key + " did not learn within " + STARTUP_TIMEOUT.toSeconds()
                        + " s");
            }
            JsonNode first = getQuietly(port, "/models/" + key + "?weights=false");
            sleep(2_000);
            JsonNode second = getQuietly(port, "/models/" + key + "?weights=false");
            boolean learning = first != null && second != null
                    && second.path("version").asLong() - first.path("version").asLong() >= 1_000;
            inARow = learning ? inARow + 1 : 0;
        }
    }

    private int status(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailure("interrupted");
        }
    }

    private JsonNode get(int port, String path) {
        JsonNode node = getQuietly(port, path);
        if (node == null) {
            throw new BenchmarkFailure("GET " + path + " on port " + port + " failed");
        }
        return node;
    }

    private JsonNode getQuietly(int port, String path) {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + path)).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailure("interrupted");
        }
    }

    /** Produces the workload's events (its build events first), checking every send; returns how many. */
    private long preload(Workload workload, String topic, long events) {
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
        long start = System.nanoTime();
        long sent = 0;
        try (KafkaProducer<String, byte[]> producer = cluster.producer(20)) {
            BenchCluster.SendCheck check = new BenchCluster.SendCheck();
            for (LabeledEvent event : workload.buildEvents()) {
                check.send(producer, new ProducerRecord<>(topic, event.getModelKey(), serde.serialize(topic, event)));
                sent++;
            }
            for (long i = 0; i < events; i++) {
                LabeledEvent event = workload.next();
                check.send(producer, new ProducerRecord<>(topic, event.getModelKey(), serde.serialize(topic, event)));
                sent++;
            }
            producer.flush();
            check.check(sent, topic);
        }
        System.out.printf(Locale.ROOT, "  preloaded %,d events in %.1f s%n", sent, (System.nanoTime() - start) / 1e9);
        return sent;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchmarkFailure("interrupted");
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            System.err.println("bench serve: cannot delete " + root + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------ report

    /** Whether every target is met (see the class documentation). */
    private static boolean targetsMet(List<CaseResult> results, double rate) {
        boolean met = true;
        for (CaseResult r : results) {
            met &= r.ownerPredictionsMet(rate) && r.learnerMet() && r.noErrors();
        }
        CaseResult dense = find(results, "dense10");
        CaseResult hashed = find(results, "hashed1m");
        if (dense != null && hashed != null) {
            met &= largeWithinSmall(dense, hashed);
        }
        return met;
    }

    private static CaseResult find(List<CaseResult> results, String name) {
        return results.stream().filter(r -> r.name.equals(name)).findFirst().orElse(null);
    }

    /** The large model's owner predictions/s (as fast as answered) within 1.5× of the small one's. */
    private static boolean largeWithinSmall(CaseResult dense, CaseResult hashed) {
        Window small = dense.ownerCapacity();
        Window large = hashed.ownerCapacity();
        return small != null && large != null
                && small.load.requestsPerSecond() <= 1.5 * large.load.requestsPerSecond();
    }

    private static String table(List<CaseResult> results, double rate) {
        StringBuilder out = new StringBuilder();
        String format = "%-9s %-10s %-19s %-9s %9s %8s %8s %9s %7s %5s %12s %6s%n";
        out.append(String.format(Locale.ROOT, "%n" + format, "case", "target", "request", "load", "req/s", "p50 ms",
                "p99 ms", "p99.9 ms", "errors", "503s", "learner ev/s", "ratio"));
        List<String> notes = new ArrayList<>();
        for (CaseResult r : results) {
            out.append(String.format(Locale.ROOT, format, r.name, "—", "none", "—", "", "", "", "", "", "",
                    rate(r.unloaded()), "1.00"));
            for (Window w : r.windows) {
                out.append(String.format(Locale.ROOT, format, r.name, w.target, w.request, w.load.mode(),
                        String.format(Locale.ROOT, "%,.0f", w.load.requestsPerSecond()), ms(w.load.p50Ms()),
                        ms(w.load.p99Ms()), ms(w.load.p999Ms()), w.load.errors(), w.load.unavailable(),
                        rate(w.learnerRate), String.format(Locale.ROOT, "%.2f", w.ratio(r))));
            }
            notes.add(String.format(Locale.ROOT, "%s: learner alone %s ev/s before and %s after (mean %s); model at "
                    + "version %,d at the end, %,d events of backlog left; peak RSS of an instance %d MiB", r.name,
                    rate(r.unloadedBefore), rate(r.unloadedAfter), rate(r.unloaded()), r.modelVersion,
                    r.backlogLeft, r.peakRssKb / 1024));
            if (r.error != null) {
                notes.add(r.name + ": " + r.error);
            }
            Window predict = r.ownerPredict();
            if (predict != null) {
                notes.add(String.format(Locale.ROOT, "%s: owner, %,.0f predictions/s offered: %,.0f/s answered (target "
                        + ">= %,.0f: %s), p99 %.2f ms (target <= 20: %s), learner %.2f of alone (target >= 0.7: %s); "
                        + "errors but 503s in every window: %d (target 0: %s)", r.name, rate, predict.load
                        .requestsPerSecond(), rate, yes(r.ownerAnsweredAll(rate)), predict.load.p99Ms(),
                        yes(predict.load.p99Ms() <= 20), predict.ratio(r), yes(r.learnerMet()),
                        r.otherErrors(), yes(r.noErrors())));
            }
        }
        CaseResult dense = find(results, "dense10");
        CaseResult hashed = find(results, "hashed1m");
        if (dense != null && hashed != null && dense.ownerCapacity() != null && hashed.ownerCapacity() != null) {
            notes.add(String.format(Locale.ROOT, "large vs small model, owner predictions/s as fast as answered: %.2f× "
                    + "(target <= 1.5: %s)", dense.ownerCapacity().load.requestsPerSecond()
                    / hashed.ownerCapacity().load.requestsPerSecond(), yes(largeWithinSmall(dense, hashed))));
        }
        out.append(String.format(Locale.ROOT, "%nload: \"wrk\" sends as fast as the server answers (64 kept-alive "
                + "connections), the server's capacity, taking the CPU it can; \"N/s\" sends N requests/s open loop "
                + "on 64 kept-alive connections, latency counted from when each request was due. GET /health reads "
                + "no model: the floor of the same load on this machine (load generator, HTTP server, learner and "
                + "broker on the same cores).%n"));
        out.append(String.format("%nNotes:%n"));
        notes.forEach(note -> out.append("  ").append(note).append(System.lineSeparator()));
        return out.toString();
    }

    private static String yes(boolean met) {
        return met ? "yes" : "NO";
    }

    private static String ms(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.2f", value) : "—";
    }

    private static String rate(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%,.0f", value) : "—";
    }

    private void writeJson(List<CaseResult> results) {
        ObjectNode root = JSON.createObjectNode();
        root.put("runId", runId);
        ObjectNode settings = root.putObject("settings");
        settings.put("bootstrapServers", options.bootstrapServers);
        settings.put("inertiaJar", options.inertiaJar.toString());
        settings.put("seconds", options.seconds);
        settings.put("rate", options.rate);
        settings.put("connections", options.connections);
        settings.put("wrkThreads", options.wrkThreads);
        settings.put("cores", Runtime.getRuntime().availableProcessors());
        ArrayNode cases = root.putArray("cases");
        for (CaseResult r : results) {
            ObjectNode node = cases.addObject();
            node.put("name", r.name);
            node.put("description", r.description);
            node.put("preloadedEvents", r.preloaded);
            node.put("learnerAloneBefore", r.unloadedBefore);
            node.put("learnerAloneAfter", r.unloadedAfter);
            node.put("modelVersionAtEnd", r.modelVersion);
            node.put("backlogLeft", r.backlogLeft);
            node.put("peakRssMiB", r.peakRssKb / 1024);
            ArrayNode windows = node.putArray("windows");
            for (Window w : r.windows) {
                ObjectNode window = windows.addObject();
                window.put("target", w.target);
                window.put("load", w.load.mode());
                window.put("request", w.request);
                window.put("requests", w.load.requests());
                window.put("requestsPerSecond", w.load.requestsPerSecond());
                window.put("p50Ms", w.load.p50Ms());
                window.put("p99Ms", w.load.p99Ms());
                window.put("p999Ms", w.load.p999Ms());
                window.put("maxMs", w.load.maxMs());
                window.put("errors", w.load.errors());
                window.put("status503", w.load.unavailable());
                window.set("statuses", w.load.statuses());
                window.put("learnerEventsPerSecond", w.learnerRate);
                if (!Double.isNaN(w.learnerAlone)) {
                    window.put("learnerAloneAround", w.learnerAlone);
                }
                window.put("learnerRatio", w.ratio(r));
            }
            if (r.error != null) {
                node.put("error", r.error);
            }
        }
        root.put("targetsMet", targetsMet(results, options.rate) && results.stream().allMatch(r -> r.error == null));
        try {
            Files.createDirectories(options.json.toAbsolutePath().getParent());
            JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(options.json.toFile(), root);
        } catch (IOException e) {
            throw new BenchmarkFailure("cannot write " + options.json + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------ values

    /**
     * One window of load: the learner's events/s during it, and without load around it (for the fixed-rate windows:
     * the mean of the windows without load just before and just after; NaN for the others, judged against the case's).
     */
    record Window(String target, String request, Load load, double learnerRate, double learnerAlone) {

        Window against(double alone) {
            return new Window(target, request, load, learnerRate, alone);
        }

        /** The learner's rate against its rate without load around this window, or else the case's. */
        double ratio(CaseResult r) {
            return learnerRate / (Double.isNaN(learnerAlone) ? r.unloaded() : learnerAlone);
        }
    }

    /** Everything measured for one case. */
    static final class CaseResult {
        final String name;
        final String description;
        long preloaded;
        double unloadedBefore = Double.NaN;
        double unloadedAfter = Double.NaN;
        final List<Window> windows = new ArrayList<>();
        long modelVersion;
        long backlogLeft;
        long peakRssKb;
        String error;

        CaseResult(String name, String description) {
            this.name = name;
            this.description = description;
        }

        /** The learner's events/s without HTTP load: the mean of the windows before and after. */
        double unloaded() {
            return (unloadedBefore + unloadedAfter) / 2;
        }

        /** The owner's predictions at the fixed rate: the window the targets judge. */
        Window ownerPredict() {
            return windows.stream().filter(w -> w.target.equals("owner") && w.request.startsWith("POST")
                    && !w.load.mode().equals("wrk")).findFirst().orElse(null);
        }

        /** The owner's predictions as fast as answered. */
        Window ownerCapacity() {
            return windows.stream().filter(w -> w.target.equals("owner") && w.request.equals("POST predict")
                    && w.load.mode().equals("wrk")).findFirst().orElse(null);
        }

        /** All offered predictions answered (within the 0.5 % a window's edges cost), p99 ≤ 20 ms. */
        boolean ownerPredictionsMet(double rate) {
            Window w = ownerPredict();
            return ownerAnsweredAll(rate) && w.load.p99Ms() <= 20;
        }

        /** All offered predictions answered (within the 0.5 % a window's edges cost), at 10,000/s or more. */
        boolean ownerAnsweredAll(double rate) {
            Window w = ownerPredict();
            return w != null && w.load.requestsPerSecond() >= 0.995 * rate && rate >= 10_000;
        }

        /** The learner at 0.7 of its rate without load around the owner's fixed-rate predictions, or more. */
        boolean learnerMet() {
            Window w = ownerPredict();
            return w != null && w.ratio(this) >= 0.7;
        }

        long otherErrors() {
            return windows.stream().mapToLong(w -> w.load.errors() - w.load.unavailable()).sum();
        }

        boolean noErrors() {
            return otherErrors() == 0;
        }
    }

    /**
     * What one window of load measured: how it was sent ({@code wrk}: as fast as answered, or {@code N/s}: open loop at
     * that rate), requests/s answered, latency percentiles in ms, errors of every kind (connect, read, write, timeout,
     * and answers other than 2xx), 503s among them, and the answers by status.
     */
    record Load(String mode, double requestsPerSecond, long requests, double p50Ms, double p99Ms, double p999Ms,
            double maxMs, long errors, long unavailable, ObjectNode statuses) {

        static Load ofWrk(JsonNode line) {
            JsonNode errors = line.path("errors");
            long errorCount = errors.path("connect").asLong() + errors.path("read").asLong()
                    + errors.path("write").asLong() + errors.path("timeout").asLong()
                    + errors.path("status").asLong();
            ObjectNode statuses = line.path("statuses").isObject() ? (ObjectNode) line.path("statuses")
                    : JSON.createObjectNode();
            long requests = line.path("requests").asLong();
            return new Load("wrk", requests / (line.path("durationUs").asDouble() / 1e6), requests,
                    line.path("p50Us").asDouble() / 1000, line.path("p99Us").asDouble() / 1000,
                    line.path("p999Us").asDouble() / 1000, line.path("maxUs").asDouble() / 1000, errorCount,
                    statuses.path("503").asLong(), statuses);
        }

        static Load of(OpenLoopLoad.Result result) {
            ObjectNode statuses = JSON.createObjectNode();
            result.statuses().forEach((status, count) -> statuses.put(Integer.toString(status), count));
            return new Load(String.format(Locale.ROOT, "%,.0f/s", result.offeredRate()), result.achievedRate(),
                    result.completed(), result.percentileMs(50), result.percentileMs(99), result.percentileMs(99.9),
                    result.maxMs(), result.failures(), result.status(503), statuses);
        }
    }

    /** The Lua scripts wrk runs: the requests, the answers counted by status, and one JSON line of results. */
    static final class WrkScript {

        private static final String COMMON = """
                local threads = {}
                function setup(thread)
                  table.insert(threads, thread)
                end
                function init(args)
                  statuses = {}
                end
                function response(status, headers, body)
                  statuses[status] = (statuses[status] or 0) + 1
                end
                function done(summary, latency, requests)
                  local counts = {}
                  for _, thread in ipairs(threads) do
                    local s = thread:get("statuses")
                    for status, n in pairs(s) do
                      counts[status] = (counts[status] or 0) + n
                    end
                  end
                  local parts = {}
                  for status, n in pairs(counts) do
                    table.insert(parts, string.format('"%d": %d', status, n))
                  end
                  local e = summary.errors
                  io.write(string.format('{"wrk": 1, "requests": %d, "durationUs": %d, "p50Us": %.1f, '
                    .. '"p99Us": %.1f, "p999Us": %.1f, "maxUs": %.1f, "errors": {"connect": %d, "read": %d, '
                    .. '"write": %d, "status": %d, "timeout": %d}, "statuses": {%s}}\\n',
                    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
                    latency:percentile(99.9), latency.max, e.connect, e.read, e.write, e.status, e.timeout,
                    table.concat(parts, ", ")))
                end
                """;

        private WrkScript() {
        }

        /** POSTs of {@code bodies} in turn. */
        static String post(List<String> bodies) {
            StringBuilder script = new StringBuilder("local bodies = {\n");
            for (String body : bodies) {
                script.append("  [[").append(body).append("]],\n");
            }
            script.append("""
                    }
                    local turn = 0
                    local headers = {["Content-Type"] = "application/json"}
                    function request()
                      turn = turn % #bodies + 1
                      return wrk.format("POST", nil, headers, bodies[turn])
                    end
                    """);
            return script + COMMON;
        }

        /** GETs of the URL's path. */
        static String get() {
            return "wrk.method = \"GET\"\n" + COMMON;
        }
    }

    /** The events and the predict bodies of a case. */
    static final class Workload {
        static final int BUILD_EVENTS = HASHED_WEIGHTS / NAMES_PER_EVENT;

        final String key;
        /** Roughly what the learner learns per second alone on this machine: sizes the backlog. */
        final double expectedRate;
        private final SyntheticEvents dense;
        private final String[] names;
        private final SplittableRandom random = new SplittableRandom(SEED);

        private Workload(String key, double expectedRate, SyntheticEvents dense, String[] names) {
            this.key = key;
            this.expectedRate = expectedRate;
            this.dense = dense;
            this.names = names;
        }

        static Workload dense() {
            return new Workload("model", 350_000, new SyntheticEvents(EndToEndCase.named("dense10")), null);
        }

        /** {@value #HASHED_WEIGHTS} names that fall in as many distinct buckets of 2^{@value #HASH_BITS}. */
        static Workload hashed() {
            FeatureHasher hasher = FeatureHasher.of(HASH_BITS);
            java.util.BitSet used = new java.util.BitSet(1 << HASH_BITS);
            String[] names = new String[HASHED_WEIGHTS];
            double[] one = {1.0};
            int found = 0;
            for (long i = 0; found < names.length; i++) {
                String name = "f" + i;
                int bucket = hasher.buckets(new String[] {name}, one).indices()[0];
                if (!used.get(bucket)) {
                    used.set(bucket);
                    names[found++] = name;
                }
            }
            return new Workload("hashed", 50_000, null, names);
        }

        /** Events that name every name once, before the backlog: the model's 1,000,000 weights. */
        List<LabeledEvent> buildEvents() {
            List<LabeledEvent> events = new ArrayList<>();
            if (names == null) {
                return events;
            }
            for (int e = 0; e < BUILD_EVENTS; e++) {
                Map<String, Double> named = new LinkedHashMap<>();
                for (int j = 0; j < NAMES_PER_EVENT; j++) {
                    named.put(names[e * NAMES_PER_EVENT + j], random.nextDouble(-1, 1));
                }
                events.add(LabeledEvent.newBuilder().setModelKey(key).setNamedFeatures(named)
                        .setLabel(random.nextGaussian()).build());
            }
            return events;
        }

        /** The next event of the backlog. */
        LabeledEvent next() {
            if (dense != null) {
                return dense.next(null);
            }
            Map<String, Double> named = new LinkedHashMap<>();
            while (named.size() < NAMES_PER_EVENT) {
                named.put(names[random.nextInt(names.length)], random.nextDouble(-1, 1));
            }
            return LabeledEvent.newBuilder().setModelKey(key).setNamedFeatures(named)
                    .setLabel(random.nextGaussian()).build();
        }

        /**
         * {@value #BODIES} predict bodies: a dense vector of 10, or {@value #FEATURES_PER_PREDICTION} names of the
         * vocabulary, as many features as the dense model's: comparing the models then measures the model's size,
         * not the request's.
         */
        List<String> bodies() {
            return bodies(FEATURES_PER_PREDICTION);
        }

        /** {@value #BODIES} predict bodies: a dense vector of 10, or {@code namesPerBody} names of the vocabulary. */
        List<String> bodies(int namesPerBody) {
            SplittableRandom bodies = new SplittableRandom(SEED + 1);
            List<String> all = new ArrayList<>();
            for (int b = 0; b < BODIES; b++) {
                StringBuilder body = new StringBuilder();
                if (names == null) {
                    body.append("{\"dense\": [");
                    for (int i = 0; i < 10; i++) {
                        body.append(i == 0 ? "" : ", ").append(bodies.nextDouble(-1, 1));
                    }
                    body.append("]}");
                } else {
                    body.append("{\"features\": {");
                    for (int j = 0; j < namesPerBody; j++) {
                        body.append(j == 0 ? "" : ", ").append('"').append(names[bodies.nextInt(names.length)])
                                .append("\": ").append(bodies.nextDouble(-1, 1));
                    }
                    body.append("}}");
                }
                all.add(body.toString());
            }
            return all;
        }
    }

    /** The command line. */
    static final class Options {
        String bootstrapServers = "127.0.0.1:9092";
        Path inertiaJar = Path.of("target/inertia.jar");
        int seconds = 10;
        int rate = 10_000;
        int connections = 64;
        int wrkThreads = 2;
        String wrk = "wrk";
        Path workDir = Path.of("target/bench");
        Path json;
        boolean help;
        List<String> cases = new ArrayList<>();

        static Options parse(String[] args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--help", "-h" -> options.help = true;
                    case "--bootstrap-servers" -> options.bootstrapServers = value(args, ++i, arg);
                    case "--inertia-jar" -> options.inertiaJar = Path.of(value(args, ++i, arg));
                    case "--seconds" -> options.seconds = positive(value(args, ++i, arg), arg);
                    case "--rate" -> options.rate = positive(value(args, ++i, arg), arg);
                    case "--connections" -> options.connections = positive(value(args, ++i, arg), arg);
                    case "--wrk-threads" -> options.wrkThreads = positive(value(args, ++i, arg), arg);
                    case "--wrk" -> options.wrk = value(args, ++i, arg);
                    case "--work-dir" -> options.workDir = Path.of(value(args, ++i, arg));
                    case "--json" -> options.json = Path.of(value(args, ++i, arg));
                    default -> {
                        if (arg.startsWith("-")) {
                            throw new IllegalArgumentException("unknown option " + arg);
                        }
                        if (!List.of("dense10", "hashed1m").contains(arg)) {
                            throw new IllegalArgumentException("unknown case '" + arg + "' (dense10, hashed1m)");
                        }
                        options.cases.add(arg);
                    }
                }
            }
            if (options.cases.isEmpty()) {
                options.cases.addAll(List.of("dense10", "hashed1m"));
            }
            if (options.json == null) {
                options.json = options.workDir.resolve("serving.json");
            }
            if (!options.help && !Files.isRegularFile(options.inertiaJar)) {
                throw new IllegalArgumentException("no inertia jar at " + options.inertiaJar);
            }
            return options;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static int positive(String value, String option) {
            try {
                int n = Integer.parseInt(value);
                if (n <= 0) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " must be a positive integer, got '" + value + "'");
            }
        }
    }
}
