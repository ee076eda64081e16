package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.config.InertiaConfig;
import io.inertia.runtime.LearnerApplication;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API of two learner instances of one application (same application id, each its own state directory and
 * {@code application.server}), on the in-process broker: every endpoint and each error from either instance, a model
 * owned by the other instance answered by both, {@code /ready} false while starting, the bearer token, the metrics
 * parsed as Prometheus text, and the dashboard in a real headless Chromium. A third application hashes its features;
 * a fourth learns a 3-class softmax model from JSON events that name their classes, and answers with the class
 * probabilities.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class HttpApiIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APPLICATION = "http-api";
    private static final String TOKEN = "s3cret-token";
    private static final int PARTITIONS = 4;
    private static final int PER_MODEL = 300;
    private static final Duration PHASE = Duration.ofSeconds(90);
    /** The application learning users' own clicks through a feature spec. */
    private static final String SPEC = "http-spec";
    private static final int SPEC_CLICKS = 120;
    /**
     * A model of many named weights (more than one snapshot record holds inline), read whole over HTTP: 200,000, about
     * 14 MB of JSON, more than the sockets between a client and the server buffer.
     */
    private static final String LARGE = "large";
    private static final int LARGE_EVENTS = 50;
    private static final int LARGE_FEATURES_PER_EVENT = 4_000;
    /** A third application, hashing its features, for predictions hashed as the learner hashes. */
    private static final String HASHED = "http-hashed";
    /** A fourth application: a softmax model of three named classes, from JSON events. */
    private static final String CLASSES = "http-classes";
    private static final List<String> CLASS_NAMES = List.of("red", "green", "blue");

    /** A temporary folder for the whole class (state directories, the browser's profile and screenshot). */
    private Path work;

    private EmbeddedKafka kafka;
    private final List<LearnerApplication> instances = new ArrayList<>();
    private final List<String> bases = new ArrayList<>();
    private final ApiClient http = new ApiClient();
    private List<String> models;
    /** What /ready answered right after each instance started, before Kafka Streams was RUNNING. */
    private final List<Integer> readyWhileStarting = new ArrayList<>();
    private final List<Integer> modelsWhileStarting = new ArrayList<>();
    private final List<String> retryAfterWhileStarting = new ArrayList<>();
    private String hashedBase;
    private String classesBase;
    private String specBase;
    /** The clicks of examples/clicks.jsonl the spec learner learns before the raw prediction. */
    private List<String> clicks;

    @BeforeAll
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void startTwoInstancesAndLearn(@TempDir Path folder) throws Exception {
        work = folder;
        kafka = EmbeddedKafka.start(1);
        models = keysCoveringEveryPartition();
        for (int i = 0; i < 2; i++) {
            int port = freePort();
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("inertia.topic.partitions", Integer.toString(PARTITIONS));
            settings.put("inertia.snapshot-every", "100");
            settings.put("inertia.http.port", Integer.toString(port));
            settings.put("inertia.http.token", TOKEN);
            settings.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION);
            settings.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve("instance-" + i).toString());
            settings.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
            LearnerApplication instance = new LearnerApplication(InertiaConfig.of(kafka.settings(settings)));
            instance.start();
            instances.add(instance);
            String base = "http://127.0.0.1:" + port;
            bases.add(base);
            HttpResponse<String> ready = get(base + "/ready", null);
            readyWhileStarting.add(ready.statusCode());
            HttpResponse<String> early = get(base + "/models", TOKEN);
            modelsWhileStarting.add(early.statusCode());
            retryAfterWhileStarting.add(early.headers().firstValue("Retry-After").orElse(null));
        }
        int hashedPort = freePort();
        LearnerApplication hashed = new LearnerApplication(InertiaConfig.of(kafka.settings(Map.of(
                "inertia.topic.input", HASHED + "-events", "inertia.topic.snapshots", HASHED + "-snapshots",
                "inertia.topic.predictions", HASHED + "-predictions",
                "inertia.topic.dead-letters", HASHED + "-dead-letters", "inertia.hash-bits", "8",
                "inertia.http.port", Integer.toString(hashedPort), StreamsConfig.APPLICATION_ID_CONFIG, HASHED,
                StreamsConfig.STATE_DIR_CONFIG, work.resolve(HASHED).toString(),
                StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100"))));
        hashed.start();
        instances.add(hashed);
        hashedBase = "http://127.0.0.1:" + hashedPort;
        int classesPort = freePort();
        LearnerApplication classes = new LearnerApplication(InertiaConfig.of(kafka.settings(Map.ofEntries(
                Map.entry("inertia.topic.input", CLASSES + "-events"),
                Map.entry("inertia.topic.snapshots", CLASSES + "-snapshots"),
                Map.entry("inertia.topic.predictions", CLASSES + "-predictions"),
                Map.entry("inertia.topic.dead-letters", CLASSES + "-dead-letters"),
                Map.entry("inertia.loss", "softmax"), Map.entry("inertia.class-names", String.join(",", CLASS_NAMES)),
                Map.entry("inertia.learning-rate", "0.05"), Map.entry("inertia.input.format", "json"),
                Map.entry("inertia.http.port", Integer.toString(classesPort)),
                Map.entry(StreamsConfig.APPLICATION_ID_CONFIG, CLASSES),
                Map.entry(StreamsConfig.STATE_DIR_CONFIG, work.resolve(CLASSES).toString()),
                Map.entry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100")))));
        classes.start();
        instances.add(classes);
        classesBase = "http://127.0.0.1:" + classesPort;
        // Users' own JSON clicks through the example spec: model key the campaign field (re-keyed), price standardized.
        int specPort = freePort();
        LearnerApplication spec = new LearnerApplication(InertiaConfig.of(kafka.settings(Map.ofEntries(
                Map.entry("inertia.feature-spec", Path.of("examples/clicks.spec.yaml").toAbsolutePath().toString()),
                Map.entry("inertia.input.format", "json"), Map.entry("inertia.loss", "logistic"),
                Map.entry("inertia.hash-bits", "18"),
                Map.entry("inertia.topic.input", SPEC + "-clicks"),
                Map.entry("inertia.topic.snapshots", SPEC + "-snapshots"),
                Map.entry("inertia.topic.predictions", SPEC + "-predictions"),
                Map.entry("inertia.topic.dead-letters", SPEC + "-dead-letters"),
                Map.entry("inertia.http.port", Integer.toString(specPort)),
                Map.entry(StreamsConfig.APPLICATION_ID_CONFIG, SPEC),
                Map.entry(StreamsConfig.STATE_DIR_CONFIG, work.resolve(SPEC).toString()),
                Map.entry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100")))));
        spec.start();
        instances.add(spec);
        specBase = "http://127.0.0.1:" + specPort;
        for (String base : bases) {
            EmbeddedKafka.await(PHASE, base + " ready", () -> get(base + "/ready", null).statusCode() == 200);
        }
        EmbeddedKafka.await(PHASE, "hashed ready", () -> get(hashedBase + "/ready", null).statusCode() == 200);
        EmbeddedKafka.await(PHASE, "classes ready", () -> get(classesBase + "/ready", null).statusCode() == 200);
        EmbeddedKafka.await(PHASE, "spec ready", () -> get(specBase + "/ready", null).statusCode() == 200);
        clicks = Files.readAllLines(Path.of("examples/clicks.jsonl")).subList(0, SPEC_CLICKS + 1);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (String click : clicks.subList(0, SPEC_CLICKS)) {
                // Unkeyed, as kcat produces the example: run re-keys them by campaign.
                producer.send(new ProducerRecord<>(SPEC + "-clicks", null, click)).get();
            }
        }
        sendClassEvents();
        List<TrainingEvents.Event> events = new ArrayList<>(TrainingEvents.generate(7L, models, PER_MODEL,
                1_000_000L, "labeled-events"));
        events.addAll(largeModelEvents());
        try (EventFeeder feeder = new EventFeeder(kafka.bootstrapServers(), "labeled-events", events, 1000)) {
            feeder.sendAll();
        }
        try (EventFeeder feeder = new EventFeeder(kafka.bootstrapServers(), HASHED + "-events",
                TrainingEvents.generate(8L, List.of("h"), PER_MODEL, 1_000_000L, HASHED + "-events"), 1000)) {
            feeder.sendAll();
        }
        EmbeddedKafka.await(PHASE, "the softmax model at version " + PER_MODEL, () -> json(get(classesBase
                + "/models/c?weights=false", null)).path("version").asLong() == PER_MODEL);
        EmbeddedKafka.await(PHASE, "the hashed model at version " + PER_MODEL,
                () -> json(get(hashedBase + "/models/h?weights=false", null)).path("version").asLong() == PER_MODEL);
        EmbeddedKafka.await(PHASE, "the large model at version " + LARGE_EVENTS, () -> json(get(bases.get(0)
                + "/models/" + LARGE + "?weights=false", TOKEN)).path("version").asLong() == LARGE_EVENTS);
        EmbeddedKafka.await(PHASE, "every model at version " + PER_MODEL, () -> {
            JsonNode all = json(get(bases.get(0) + "/models", TOKEN));
            int done = 0;
            for (JsonNode model : all.path("models")) {
                done += models.contains(model.path("modelKey").asText())
                        && model.path("version").asLong() == PER_MODEL ? 1 : 0;
            }
            return done == models.size();
        });
    }

    @AfterAll
    void stop() throws Exception {
        instances.forEach(LearnerApplication::close);
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldSayNotReadyAndAskToRetryWhileStarting() {
        assertEquals(List.of(503, 503), readyWhileStarting);
        assertEquals(List.of(503, 503), modelsWhileStarting);
        assertEquals(List.of("1", "1"), retryAfterWhileStarting);
        for (String base : bases) {
            assertEquals(200, get(base + "/ready", null).statusCode());
            HttpResponse<String> health = get(base + "/health", null);
            assertEquals(200, health.statusCode());
            assertEquals("up", json(health).get("status").asText());
        }
    }

    @Test
    void shouldListEveryModelOfTheApplicationFromEitherInstance() {
        Set<String> owners = new HashSet<>();
        for (String base : bases) {
            JsonNode all = json(get(base + "/models", TOKEN));
            List<String> keys = new ArrayList<>();
            for (JsonNode model : all.get("models")) {
                keys.add(model.get("modelKey").asText());
                assertEquals(model.get("modelKey").asText().equals(LARGE) ? LARGE_EVENTS : PER_MODEL,
                        model.get("version").asLong());
                assertTrue(model.get("runningLoss").asDouble() > 0);
                owners.add(model.get("instance").asText());
            }
            List<String> expected = new ArrayList<>(models);
            expected.add(LARGE);
            assertEquals(expected.stream().sorted().toList(), keys, "models listed by " + base);
            assertFalse(all.has("unreachable"));
        }
        assertEquals(2, owners.size(), "both instances own models: " + owners);
    }

    @Test
    void shouldAnswerForAModelOwnedByTheOtherInstanceTheSameAsItsOwner() {
        int[] answeredForTheOther = new int[2];
        for (String key : models) {
            JsonNode first = json(get(bases.get(0) + "/models/" + key, TOKEN));
            JsonNode second = json(get(bases.get(1) + "/models/" + key, TOKEN));
            assertEquals(first, second, key + " from both instances");
            String owner = first.get("instance").asText();
            for (int i = 0; i < 2; i++) {
                answeredForTheOther[i] += bases.get(i).equals("http://" + owner) ? 0 : 1;
            }
            assertEquals(PER_MODEL, first.get("version").asLong());
            assertEquals("momentum", first.get("optimizer").asText());
            assertEquals(PER_MODEL, first.get("metrics").get("count").asLong());
            // Every feature the training events carry has its weight, current (f0 … f7).
            assertEquals(8, first.get("weights").size(), key + ": " + first.get("weights"));
            assertTrue(bases.contains("http://" + owner), owner);
            JsonNode light = json(get(bases.get(1) + "/models/" + key + "?weights=false", TOKEN));
            assertFalse(light.has("weights"));
            assertFalse(light.has("state"));
            assertEquals(first.get("bias"), light.get("bias"));
        }
        assertTrue(answeredForTheOther[0] > 0 && answeredForTheOther[1] > 0,
                "each instance answered for models the other owns: " + java.util.Arrays.toString(answeredForTheOther));
    }

    @Test
    void shouldPredictWithTheCurrentWeightsFromEitherInstance() {
        String key = models.get(0);
        JsonNode model = json(get(bases.get(0) + "/models/" + key, TOKEN));
        JsonNode weights = model.get("weights");
        // The score by hand from the model's own weights: w·x + b over the features given (unknown ones weigh 0).
        double expected = weights.get("f0").asDouble() * 1.5 + weights.get("f3").asDouble() * -2.0
                + model.get("bias").asDouble();
        for (String base : bases) {
            JsonNode one = json(post(base + "/models/" + key + "/predict",
                    "{\"features\": {\"f0\": 1.5, \"f3\": -2.0, \"never-seen\": 9.0}}", TOKEN));
            assertEquals(PER_MODEL, one.get("version").asLong());
            assertEquals(expected, one.get("score").asDouble(), 1e-12);
            // Squared loss: the prediction is the score.
            assertEquals(expected, one.get("prediction").asDouble(), 1e-12);
            JsonNode many = json(post(base + "/models/" + key + "/predict",
                    "[{\"features\": {}}, {\"features\": {\"f0\": 1.5, \"f3\": -2.0}}]", TOKEN));
            assertEquals(2, many.get("predictions").size());
            assertEquals(model.get("bias").asDouble(), many.get("predictions").get(0).get("score").asDouble(), 1e-12);
            assertEquals(expected, many.get("predictions").get(1).get("score").asDouble(), 1e-12);
        }
    }

    @Test
    void shouldAnswerEveryErrorAsJsonWithItsStatus() {
        String key = models.get(1);
        for (String base : bases) {
            assertError(get(base + "/models/no-such-model", TOKEN), 404, "no model 'no-such-model'");
            assertError(post(base + "/models/no-such-model/predict", "{\"features\": {}}", TOKEN), 404, "no model");
            assertError(post(base + "/models/" + key + "/predict", "{not json", TOKEN), 400, "body is not JSON");
            assertError(post(base + "/models/" + key + "/predict", "{\"dense\": [1, 2]}", TOKEN), 400,
                    "dense vector has 2 features but the model has 0");
            assertError(post(base + "/models/" + key + "/predict", "{\"features\": {\"f0\": \"x\"}}", TOKEN), 400,
                    "feature 'f0' is not a finite number");
            assertError(post(base + "/models/" + key + "/predict", "{\"label\": 1}", TOKEN), 400, "expected");
            // Without the outcome joiner nothing would ever learn from a recorded event or outcome.
            assertError(post(base + "/models/" + key + "/predict",
                    "{\"features\": {\"f0\": 1}, \"eventId\": \"e1\"}", TOKEN), 400,
                    "predict with an eventId needs inertia.outcome.join=true");
            assertError(post(base + "/models/" + key + "/outcomes", "{\"eventId\": \"e1\", \"label\": 1}", TOKEN),
                    400, "outcomes needs inertia.outcome.join=true");
            assertError(get(base + "/models/" + key, null), 401, "missing bearer token");
            assertError(get(base + "/models/" + key, "wrong"), 401, "wrong bearer token");
            assertError(get(base + "/metrics", null), 401, "missing bearer token");
            assertError(post(base + "/models/" + key, "{}", TOKEN), 405, "POST not allowed");
            assertError(get(base + "/nothing-here", TOKEN), 404, "no such resource");
        }
    }

    @Test
    void shouldExposeMetricsAsPrometheusText() throws Exception {
        String badKey = models.get(2);
        // One event that is not Avro: dead-lettered by whichever instance owns its partition.
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("labeled-events", badKey,
                    "not an event".getBytes(StandardCharsets.UTF_8))).get();
        }
        EmbeddedKafka.await(PHASE, "the bad event counted", () -> sumOver("inertia_events_dead_lettered_total",
                Map.of("reason", "undecodable")) == 1.0);
        assertEquals(models.size() * PER_MODEL + LARGE_EVENTS, sumOver("inertia_events_learned_total", Map.of()));
        assertEquals(models.size() * PER_MODEL + LARGE_EVENTS,
                sumOver("inertia_update_latency_seconds_count", Map.of()));
        // A snapshot every 100 updates: 3 per model.
        assertEquals(models.size() * 3, sumOver("inertia_snapshots_published_total", Map.of()));
        for (String key : models) {
            assertEquals(PER_MODEL, sumOver("inertia_model_version", Map.of("model", key)), key);
        }
        // Kafka Streams' own metrics, through Micrometer's binder.
        Map<String, List<Sample>> first = scrape(bases.get(0));
        assertTrue(first.keySet().stream().anyMatch(name -> name.startsWith("kafka_stream_")), first.keySet()
                .toString());
        assertTrue(first.containsKey("inertia_update_latency_seconds_bucket"), "a histogram");
    }

    @Test
    void shouldServeALargeModelWholeWithEveryWeightFromEitherInstance() {
        for (String base : bases) {
            JsonNode model = json(get(base + "/models/" + LARGE, TOKEN));
            assertEquals(LARGE_EVENTS, model.get("version").asLong());
            // Each event brings 4,000 names of its own: 50 × 4,000 = 200,000 weights, each updated once, then caught up.
            assertEquals(LARGE_EVENTS * LARGE_FEATURES_PER_EVENT, model.get("weights").size());
            assertEquals(LARGE_EVENTS * LARGE_FEATURES_PER_EVENT, model.get("state").get("weights").size());
        }
    }

    @Test
    void shouldAnswerPredictionsWhileAClientStopsReadingAWholeModel() throws Exception {
        String instance = json(get(bases.get(0) + "/models/" + LARGE + "?weights=false", TOKEN)).path("instance")
                .asText();
        String host = instance.substring(0, instance.lastIndexOf(':'));
        int port = Integer.parseInt(instance.substring(instance.lastIndexOf(':') + 1));
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress(host, port));
            stalled.getOutputStream().write(("GET /models/" + LARGE + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            // The model's 14 MB of JSON fill the sockets' buffers: whoever writes it now waits for this client, which
            // never reads. Each prediction comes on a connection of its own, and Jetty spreads new connections over
            // its selectors: were the writer one of them, the predictions on its connections would go unanswered.
            for (int i = 0; i < 20; i++) {
                String status = statusLine(host, port, "POST /models/" + LARGE + "/predict",
                        "{\"features\": {\"w" + i + "\": 1.0}}");
                assertEquals("HTTP/1.1 200 OK", status, "prediction " + i + " while a whole model waits for its client");
            }
            stalled.setSoTimeout(10_000);
            byte[] head = stalled.getInputStream().readNBytes(15);
            assertEquals("HTTP/1.1 200 OK", new String(head, StandardCharsets.US_ASCII), "the whole model was begun");
        }
    }

    /** The status line of {@code request} (with {@code body}) sent on a new connection, which it then closes. */
    private static String statusLine(String host, int port, String request, String body) throws IOException {
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout(10_000);
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            socket.getOutputStream().write((request + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + content.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(content);
            try {
                return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
            } catch (java.net.SocketTimeoutException e) {
                return "no answer within 10 s";
            }
        }
    }

    @Test
    void shouldPredictWithFeaturesHashedAsTheLearnerHashesThem() throws Exception {
        String features = "{\"f0\": 1.5, \"f3\": -2.0, \"unseen name\": 0.25}";
        JsonNode answer = json(post(hashedBase + "/models/h/predict", "{\"features\": " + features + "}", null));
        assertEquals(PER_MODEL, answer.get("version").asLong());
        // The learner's own prediction for an event with the same features, at the same version: the reference.
        io.inertia.avro.LabeledEvent event = io.inertia.avro.LabeledEvent.newBuilder().setModelKey("h")
                .setNamedFeatures(Map.of("f0", 1.5, "f3", -2.0, "unseen name", 0.25)).setLabel(0.0)
                .setEventId("probe").build();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(HASHED + "-events", "h",
                    io.inertia.serde.InertiaSerdes.labeledEvent().serialize(HASHED + "-events", event))).get();
        }
        io.inertia.avro.Prediction learned = null;
        try (org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]> consumer =
                new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.of(
                        CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        "isolation.level", "read_committed", "auto.offset.reset", "earliest",
                        "group.id", "http-api-it-probe"),
                        new org.apache.kafka.common.serialization.StringDeserializer(),
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of(HASHED + "-predictions"));
            long deadline = System.nanoTime() + PHASE.toNanos();
            while (learned == null && System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    var prediction = io.inertia.serde.InertiaSerdes.prediction().deserialize(record.topic(),
                            record.value());
                    if ("probe".equals(prediction.getEventId())) {
                        learned = prediction;
                    }
                }
            }
        }
        assertNotNull(learned, "the learner's prediction for the probe event");
        assertEquals(PER_MODEL, learned.getModelVersion());
        assertEquals(learned.getScore(), answer.get("score").asDouble(), 1e-12);
        assertEquals(learned.getPrediction(), answer.get("prediction").asDouble(), 1e-12);
    }

    @Test
    void shouldPredictAUsersRawRecordAsTheLearnerPredictsItWhenItArrives() throws Exception {
        String next = clicks.get(SPEC_CLICKS);
        JsonNode click = JSON.readTree(next);
        String campaign = click.get("ad").get("campaign").asText();
        long before = clicks.subList(0, SPEC_CLICKS).stream().filter(line -> line.contains("\"campaign\":\""
                + campaign + "\"")).count();
        EmbeddedKafka.await(PHASE, campaign + " at version " + before, () -> json(get(specBase + "/models/"
                + campaign + "?weights=false", null)).path("version").asLong() == before);
        // As a client asks before the outcome is known: no label.
        ((com.fasterxml.jackson.databind.node.ObjectNode) click).remove("clicked");
        JsonNode answer = json(post(specBase + "/models/" + campaign + "/predict?raw=true", click.toString(), null));
        assertEquals(before, answer.get("version").asLong(), answer.toString());
        HttpResponse<String> other = post(specBase + "/models/" + (campaign.equals("c1") ? "c2" : "c1")
                + "/predict?raw=true", click.toString(), null);
        assertEquals(400, other.statusCode(), other.body());

        // The reference: the learner's own prediction for the same record when it arrives, made by that version.
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(SPEC + "-clicks", null, next)).get();
        }
        String id = JSON.readTree(next).get("id").asText();
        io.inertia.avro.Prediction learned = null;
        try (org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]> consumer =
                new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.of(
                        CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        "isolation.level", "read_committed", "auto.offset.reset", "earliest",
                        "group.id", "http-api-it-raw-probe"),
                        new org.apache.kafka.common.serialization.StringDeserializer(),
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of(SPEC + "-predictions"));
            long deadline = System.nanoTime() + PHASE.toNanos();
            while (learned == null && System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    var prediction = io.inertia.serde.InertiaSerdes.prediction().deserialize(record.topic(),
                            record.value());
                    if (id.equals(prediction.getEventId())) {
                        learned = prediction;
                    }
                }
            }
        }
        assertNotNull(learned, "the learner's prediction for " + id);
        assertEquals(before, learned.getModelVersion());
        assertEquals(learned.getScore(), answer.get("score").asDouble(), 1e-12);
        assertEquals(learned.getPrediction(), answer.get("prediction").asDouble(), 1e-12);
    }

    /**
     * JSON events for model c of the softmax application: x, y uniform in [−1, 1], the class by name: red when
     * x + y &lt; −0.5, else green when x − y &lt; 0.3, else blue.
     */
    private void sendClassEvents() throws Exception {
        java.util.SplittableRandom random = new java.util.SplittableRandom(31);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1"),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < PER_MODEL; i++) {
                double x = random.nextDouble(-1, 1);
                double y = random.nextDouble(-1, 1);
                String label = CLASS_NAMES.get(x + y < -0.5 ? 0 : x - y < 0.3 ? 1 : 2);
                producer.send(new ProducerRecord<>(CLASSES + "-events", "c", String.format(java.util.Locale.ROOT,
                        "{\"features\": {\"x\": %s, \"y\": %s}, \"label\": \"%s\"}", x, y, label))).get();
            }
        }
    }

    @Test
    void shouldAnswerASoftmaxModelsClassProbabilitiesFromItsRows() {
        JsonNode model = json(get(classesBase + "/models/c", null));
        JsonNode rows = model.get("classes");
        assertEquals(3, rows.size());
        double[] scores = new double[3];
        for (int k = 0; k < 3; k++) {
            JsonNode row = rows.get(k);
            assertEquals(CLASS_NAMES.get(k), row.get("name").asText());
            // The scores by hand from the model's own rows: w_k·x + b_k for x = 0.8, y = −0.6.
            scores[k] = row.get("weights").get("x").asDouble() * 0.8 + row.get("weights").get("y").asDouble() * -0.6
                    + row.get("bias").asDouble();
        }
        double sum = 0;
        for (double score : scores) {
            sum += Math.exp(score);
        }
        JsonNode answer = json(post(classesBase + "/models/c/predict", "{\"features\": {\"x\": 0.8, \"y\": -0.6}}",
                null));
        assertEquals(PER_MODEL, answer.get("version").asLong());
        JsonNode probabilities = answer.get("probabilities");
        for (int k = 0; k < 3; k++) {
            assertEquals(Math.exp(scores[k]) / sum, probabilities.get(k).asDouble(), 1e-12, "p of class " + k);
        }
        // x − y = 1.4 ≥ 0.3 and x + y ≥ −0.5: blue, which 300 events teach a linear model.
        assertEquals(2, answer.get("predictedClass").asInt());
        assertEquals("blue", answer.get("className").asText());
        assertEquals(scores[2], answer.get("score").asDouble(), 1e-12);
        JsonNode summary = json(get(classesBase + "/models", null)).get("models").get(0);
        assertTrue(summary.get("accuracy").asDouble() > 0.6, summary.toString());
        assertTrue(summary.get("macroF1").asDouble() > 0.6, summary.toString());
        JsonNode light = json(get(classesBase + "/models/c?weights=false", null));
        assertEquals(rows.get(1).get("bias"), light.get("classes").get(1).get("bias"));
        assertFalse(light.get("classes").get(1).has("weights"));
    }

    @Test
    void shouldShowTheModelsAndTheirLossCurveOnTheDashboardInAHeadlessBrowser() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.orSkip(work);
        String page = bases.get(1) + "/#token=" + TOKEN;
        Path shot = work.resolve("dashboard.png");
        String dom = chromium.dumpDom(page);
        for (String key : models) {
            assertTrue(dom.contains(">" + key + "<"), "the dashboard lists " + key);
        }
        assertTrue(dom.contains("Running prequential loss of '"), "a model's chart is drawn");
        chromium.screenshot(page, shot);
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(shot.toFile());
        assertNotNull(image, "a PNG screenshot");
        assertEquals(1200, image.getWidth());
        Set<Integer> colours = new HashSet<>();
        int curve = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                int r = rgb >> 16;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                // The chart's line colour, #1a73e8, within anti-aliasing.
                curve += Math.abs(r - 0x1a) < 40 && Math.abs(g - 0x73) < 40 && Math.abs(b - 0xe8) < 40 ? 1 : 0;
            }
        }
        assertTrue(colours.size() > 20, "not blank: " + colours.size() + " colours");
        assertTrue(curve > 20, "the loss curve is drawn: " + curve + " pixels of its colour");
    }

    /** One sample of a Prometheus text scrape. */
    private record Sample(Map<String, String> labels, double value) {
    }

    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)(?: -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    /** Every sample of an instance's /metrics, by metric name; fails on a line that is not Prometheus text. */
    private Map<String, List<Sample>> scrape(String base) {
        HttpResponse<String> response = get(base + "/metrics", TOKEN);
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        Map<String, List<Sample>> samples = new TreeMap<>();
        for (String line : response.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            assertTrue(sample.matches(), "not a Prometheus sample line: " + line);
            Map<String, String> labels = new TreeMap<>();
            if (sample.group(2) != null) {
                Matcher label = LABEL.matcher(sample.group(2));
                int end = 0;
                while (label.find() && label.start() == end) {
                    labels.put(label.group(1), label.group(2));
                    end = label.end();
                }
                assertEquals(sample.group(2).length(), end, "labels of " + line);
            }
            String value = sample.group(3);
            double number = switch (value) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(value);
            };
            samples.computeIfAbsent(sample.group(1), k -> new ArrayList<>()).add(new Sample(labels, number));
        }
        return samples;
    }

    /** The sum over both instances of the samples of {@code name} whose labels include {@code labels}. */
    private double sumOver(String name, Map<String, String> labels) {
        double sum = 0;
        for (String base : bases) {
            for (Sample sample : scrape(base).getOrDefault(name, List.of())) {
                if (sample.labels().entrySet().containsAll(labels.entrySet())) {
                    sum += sample.value();
                }
            }
        }
        return sum;
    }

    private static void assertError(HttpResponse<String> response, int status, String message) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode body = json(response);
        assertTrue(body.get("error").asText().contains(message), body.toString());
        assertFalse(response.body().contains("\tat "), "no stack trace");
    }

    /** {@value #LARGE_EVENTS} events of model {@value #LARGE}, each with 60 names never seen before. */
    private static List<TrainingEvents.Event> largeModelEvents() {
        var serde = io.inertia.serde.InertiaSerdes.labeledEvent();
        List<TrainingEvents.Event> events = new ArrayList<>();
        for (int i = 0; i < LARGE_EVENTS; i++) {
            Map<String, Double> features = new TreeMap<>();
            for (int j = 0; j < LARGE_FEATURES_PER_EVENT; j++) {
                features.put("w" + (i * LARGE_FEATURES_PER_EVENT + j), 0.01 * (j + 1));
            }
            io.inertia.avro.LabeledEvent event = io.inertia.avro.LabeledEvent.newBuilder().setModelKey(LARGE)
                    .setNamedFeatures(features).setLabel(1.0).build();
            events.add(new TrainingEvents.Event(LARGE, serde.serialize("labeled-events", event), 2_000_000L + i));
        }
        return events;
    }

    /**
     * Model keys such that every input partition holds one (murmur2 of the key, as Kafka's default partitioner), so
     * that whatever the assignment, each instance owns some.
     */
    private static List<String> keysCoveringEveryPartition() {
        Map<Integer, String> byPartition = new TreeMap<>();
        for (int i = 0; byPartition.size() < PARTITIONS; i++) {
            String key = "model-" + i;
            int partition = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
            byPartition.putIfAbsent(partition, key);
        }
        return List.copyOf(byPartition.values());
    }

    private static int freePort() throws IOException {
        return ApiClient.freePort();
    }

    private HttpResponse<String> get(String uri, String token) {
        return http.get(uri, token);
    }

    private HttpResponse<String> post(String uri, String body, String token) {
        return http.post(uri, body, token);
    }

    private static JsonNode json(HttpResponse<String> response) {
        return ApiClient.json(response);
    }
}
