package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.join.LearnLog;
import io.inertia.join.OutcomeJoiner;
import io.inertia.model.Example;
import io.inertia.model.LinearModel;
import io.inertia.model.Loss;
import io.inertia.model.OnlineLearner;
import io.inertia.runtime.LearnerApplication;
import io.inertia.runtime.SnapshotReader;
import io.inertia.topology.SnapshotCodec;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learning loop over HTTP on the in-process broker, as a Personalizer-like client drives it: {@code predict} with
 * an {@code eventId} for every event, {@code outcomes} for two thirds of them, the default label 0 for the rest once
 * their window has passed. The model equals a local learner fed, by hand, the joined events in the order their
 * outcomes came and then the defaulted ones in event order; its delayed-evaluation sums equal those computed from the
 * predictions the client was given. A repeated predict or outcome with the same id is answered as the first one and
 * records nothing; another body under a used id is refused; the token is required; with the broker down both answer
 * 503 with {@code Retry-After}, and the same request succeeds once it is back.
 */
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HttpLearningLoopIT {

    private static final String MODEL = "clicks";
    private static final String TOKEN = "loop-token";
    private static final int EVENTS = 24;
    private static final int FIRST_PHASE = 12;
    /** Long enough that no event's window passes while the test sends its outcomes. */
    private static final long WINDOW = 120_000;
    private static final Duration PHASE = Duration.ofSeconds(60);

    @RegisterExtension
    final KafkaFixture cluster = KafkaFixture.brokers(1);

    @TempDir
    Path work;

    private final ApiClient http = new ApiClient();
    private String base;

    private static String id(int i) {
        return String.format(Locale.ROOT, "e%02d", i);
    }

    private static double feature(int i) {
        return ((i * 37) % 101) / 50.0 - 1.0;
    }

    private static boolean hasOutcome(int i) {
        return i % 3 != 2;
    }

    private static double label(int i) {
        return (i * 7) % 5 < 2 ? 1.0 : 0.0;
    }

    private static double outcomeWeight(int i) {
        return i % 2 == 0 ? 1.0 : 2.0;
    }

    private static String item(int i) {
        return String.format(Locale.ROOT, "{\"eventId\": \"%s\", \"features\": {\"x\": %s, \"k\": 1}}", id(i),
                feature(i));
    }

    private static String outcome(int i) {
        return String.format(Locale.ROOT, "{\"eventId\": \"%s\", \"label\": %s, \"weight\": %s}", id(i), label(i),
                outcomeWeight(i));
    }

    @Test
    void shouldLearnWhatHttpRecordedOnceEachAndAnswer503WhileKafkaIsDown() throws Exception {
        int port = ApiClient.freePort();
        Map<String, String> settings = KafkaFixture.application("http-loop", work);
        settings.putAll(Map.ofEntries(
                Map.entry("inertia.outcome.join", "true"), Map.entry("inertia.loss", "logistic"),
                Map.entry("inertia.outcome.window.ms", Long.toString(WINDOW)),
                Map.entry("inertia.outcome.default-label", "0"), Map.entry("inertia.outcome.heartbeat-ms", "0"),
                Map.entry("inertia.topic.partitions", "2"), Map.entry("inertia.snapshot-every", "1"),
                Map.entry("inertia.http.port", Integer.toString(port)), Map.entry("inertia.http.token", TOKEN),
                Map.entry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100")));
        InertiaConfig config = cluster.config(settings);
        base = "http://127.0.0.1:" + port + "/models/" + MODEL;
        try (LearnerApplication learner = new LearnerApplication(config)) {
            learner.start();
            EmbeddedKafka.await(PHASE, "the learner running", () -> http.get("http://127.0.0.1:" + port
                    + "/ready", null).statusCode() == 200);

            assertEquals(401, http.post(base + "/predict", item(0), null).statusCode(), "token required");
            assertEquals(401, http.post(base + "/outcomes", outcome(0), "wrong").statusCode(), "token required");

            // Phase 1: the model does not exist yet, so every event is served the new model's prediction.
            JsonNode[] served = new JsonNode[EVENTS];
            for (int i = 0; i < 10; i++) {
                served[i] = ok(http.post(base + "/predict", item(i), TOKEN), 200);
                assertEquals(id(i), served[i].get("eventId").asText());
                assertEquals(0, served[i].get("version").asLong(), "a model not learned yet");
                assertEquals(0.5, served[i].get("prediction").asDouble(), "σ(0)");
            }
            // A list: each item with an id is recorded, the one without is only answered.
            JsonNode list = ok(http.post(base + "/predict", "[" + item(10) + ", {\"features\": {\"x\": 3}}, "
                    + item(11) + "]", TOKEN), 200);
            served[10] = list.get("predictions").get(0);
            served[11] = list.get("predictions").get(2);
            assertEquals(id(11), served[11].get("eventId").asText());
            assertTrue(list.get("predictions").get(1).get("eventId") == null, "not recorded");
            for (int i = 0; i < 9; i++) {
                if (hasOutcome(i)) {
                    JsonNode answer = ok(http.post(base + "/outcomes", outcome(i), TOKEN), 202);
                    assertEquals(id(i), answer.get("eventId").asText());
                }
            }
            assertEquals(2, ok(http.post(base + "/outcomes", "[" + outcome(9) + ", " + outcome(10) + "]",
                    TOKEN), 202).get("outcomes").asInt());
            int joinedFirst = 0;
            for (int i = 0; i < FIRST_PHASE; i++) {
                joinedFirst += hasOutcome(i) ? 1 : 0;
            }
            long firstVersion = joinedFirst;
            EmbeddedKafka.await(PHASE, "the first joins learned", () -> http.get(base + "?weights=false", TOKEN)
                    .statusCode() == 200 && ApiClient.json(http.get(base + "?weights=false", TOKEN))
                    .get("version").asLong() == firstVersion);

            // Phase 2: served by the model that learned the first joins.
            for (int i = FIRST_PHASE; i < EVENTS; i++) {
                served[i] = ok(http.post(base + "/predict", item(i), TOKEN), 200);
                assertEquals(firstVersion, served[i].get("version").asLong());
            }
            for (int i = FIRST_PHASE; i < EVENTS; i++) {
                if (hasOutcome(i)) {
                    ok(http.post(base + "/outcomes", outcome(i), TOKEN), 202);
                }
            }

            // Retries after a lost answer: the first answer again (the prediction first served, by version 0),
            // nothing recorded. Another body under a used id is refused.
            JsonNode again = ok(http.post(base + "/predict", item(3), TOKEN), 200);
            assertEquals(served[3], again, "a retried predict gets the prediction first served");
            ok(http.post(base + "/outcomes", outcome(0), TOKEN), 202);
            ok(http.post(base + "/outcomes", "[" + outcome(1) + ", " + outcome(3) + "]", TOKEN), 202);
            assertEquals(409, http.post(base + "/predict", item(4).replace("\"k\": 1", "\"k\": 2"), TOKEN)
                    .statusCode(), "other features under a used id");
            assertEquals(409, http.post(base + "/outcomes", "{\"eventId\": \"e00\", \"label\": "
                    + (1 - label(0)) + "}", TOKEN).statusCode(), "another label under a used id");
            assertEquals(400, http.post(base + "/outcomes", "{\"eventId\": \"e00\", \"label\": 1, "
                    + "\"weight\": -1}", TOKEN).statusCode(), "a negative weight");

            // The window of every event ends: a heartbeat far ahead on the outcome side defaults the rest.
            Properties properties = cluster.kafka().clientProperties();
            properties.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                long later = System.currentTimeMillis() + 2 * WINDOW;
                for (int partition = 0; partition < 2; partition++) {
                    producer.send(new ProducerRecord<>(config.outcomeTopic(), partition, later, null, null,
                            List.of(new RecordHeader(OutcomeJoiner.HEARTBEAT_HEADER, new byte[0]))));
                }
            }
            ModelSnapshot live = awaitVersion(config, EVENTS);
            double[] sums = assertReference(config, live, served);
            assertCountsWhereUsersLook(port, sums);

            Map<String, Integer> decisions = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> record : cluster.kafka().readCommitted(config.learnLogTopic(), PHASE)) {
                if (LearnLog.isDecision(record.headers())) {
                    decisions.merge(new String(record.headers().lastHeader(LearnLog.DECISION_HEADER).value(),
                            StandardCharsets.UTF_8), 1, Integer::sum);
                }
            }
            int joined = joinedCount();
            assertEquals(Map.of("SCORED", EVENTS, "JOINED", joined, "DEFAULTED", EVENTS - joined), decisions,
                    "each event recorded and decided once: no duplicate event or outcome from the retries");

            // The dashboard before the outage below: its retried request records one more event, which the
            // outcome clock, already past every window, may default at any moment.
            HeadlessChromium.Found browser = HeadlessChromium.find(work);
            if (browser.browser() != null) {
                assertDashboardShowsOutcomes(browser.browser(), port, sums);
            }

            // Kafka down: the learner still serves from memory, but records cannot be written.
            cluster.kafka().stopBroker(0);
            HttpResponse<String> down = http.post(base + "/predict", item(90), TOKEN);
            assertEquals(503, down.statusCode(), down.body());
            assertEquals("1", down.headers().firstValue("Retry-After").orElse(null));
            assertTrue(ApiClient.json(down).get("error").asText().startsWith("Kafka did not acknowledge"),
                    down.body());
            assertEquals(503, http.post(base + "/outcomes", outcome(90), TOKEN).statusCode());
            cluster.kafka().restartBroker(0);
            EmbeddedKafka.await(PHASE, "the retried request recorded once Kafka is back",
                    () -> http.post(base + "/predict", item(90), TOKEN).statusCode() == 200);
            // Last, so that a machine without a browser still checks the rest.
            browser.skipUnlessPresent();
        }
    }

    private static int joinedCount() {
        int joined = 0;
        for (int i = 0; i < EVENTS; i++) {
            joined += hasOutcome(i) ? 1 : 0;
        }
        return joined;
    }

    /**
     * A local learner fed by hand what the joiner decided: the joined events in the order their outcomes were sent
     * (event order), with the outcome's label and weight; then, when the window of all ended at once, the others in
     * event order with the default label 0 and weight 1. The served-prediction losses are those of the predictions
     * the client got, against the label learned, summed in the same order.
     */
    private static double[] assertReference(InertiaConfig config, ModelSnapshot live, JsonNode[] served) {
        OnlineLearner learner = config.learner();
        Loss loss = config.loss();
        LinearModel model = learner.newModel();
        double[] sums = new double[4];
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < EVENTS; i++) {
                boolean joined = hasOutcome(i);
                if (joined != (pass == 0)) {
                    continue;
                }
                double y = joined ? label(i) : 0.0;
                double weight = joined ? outcomeWeight(i) : 1.0;
                OnlineLearner.LearningStep step = learner.learn(model, Example.of(null, new String[] {"x", "k"},
                        new double[] {feature(i), 1.0}, y, weight));
                sums[pass] += loss.value(served[i].get("score").asDouble(), y);
                sums[2 + pass] += step.loss();
            }
        }
        ModelSnapshot expected = SnapshotCodec.toSnapshot(MODEL, model, learner, SnapshotCodec.hyperParameters(config),
                0L);
        assertEquals(expected.getNamedWeights(), live.getNamedWeights(), "weights, bit for bit");
        assertEquals(expected.getBias(), live.getBias());
        assertEquals(expected.getOptimizerState(), live.getOptimizerState());
        assertEquals(expected.getMetrics(), live.getMetrics(), "every learned event's loss once");
        int joined = joinedCount();
        assertEquals(List.of((long) EVENTS, (long) joined, (long) EVENTS - joined, 0L, 0L, 0L, 0L, 0L),
                live.getOutcomes().getCounts(), "scored, joined, defaulted; no duplicate, late or unmatched");
        assertEquals(List.of(sums[0], sums[1], sums[2], sums[3]), live.getOutcomes().getLossSums(),
                "served losses of what the client got, learned losses of the reference");
        return sums;
    }

    /**
     * The model's outcomes over HTTP (the model, the list of models) and on the dashboard in a headless browser: the
     * counts, and both mean losses from the reference's sums ({@code sums}: served, then learned, of joined and
     * defaulted events).
     */
    private void assertCountsWhereUsersLook(int port, double[] sums) throws Exception {
        int joined = joinedCount();
        EmbeddedKafka.await(PHASE, "the last decisions in the model's stored header", () -> ApiClient.json(
                http.get(base + "?weights=false", TOKEN)).path("outcomes").path("defaulted").asLong()
                == EVENTS - joined);
        for (JsonNode outcomes : List.of(ApiClient.json(http.get(base, TOKEN)).get("outcomes"),
                ApiClient.json(http.get("http://127.0.0.1:" + port + "/models", TOKEN)).get("models").get(0)
                        .get("outcomes"))) {
            assertEquals(EVENTS, outcomes.get("scored").asLong(), outcomes.toString());
            assertEquals(joined, outcomes.get("joined").asLong());
            assertEquals(0, outcomes.get("duplicateEvent").asLong());
            assertEquals(sums[0] / joined, outcomes.get("servedMeanLoss").get("joined").asDouble());
            assertEquals(sums[1] / (EVENTS - joined), outcomes.get("servedMeanLoss").get("defaulted").asDouble());
            assertEquals(sums[2] / joined, outcomes.get("learnedMeanLoss").get("joined").asDouble());
            assertTrue(outcomes.get("delayP99Ms").asLong() >= outcomes.get("delayP50Ms").asLong());
        }
    }

    /** The dashboard in a headless browser shows the counts and both losses ({@code sums} as above). */
    private void assertDashboardShowsOutcomes(HeadlessChromium browser, int port, double[] sums) throws Exception {
        int joined = joinedCount();
        String dom = browser.dumpDom("http://127.0.0.1:" + port + "/#token=" + TOKEN);
        assertTrue(dom.contains("Delayed outcomes of '" + MODEL + "'"), "the outcomes are shown");
        assertTrue(dom.contains("id=\"count-joined\">" + joined + "<"), "joined count shown");
        assertTrue(dom.contains("id=\"count-defaulted\">" + (EVENTS - joined) + "<"), "defaulted count shown");
        assertTrue(dom.contains("id=\"served-joined\">" + fivePlaces(sums[0] / joined) + "<"),
                "served loss of joined events: " + fivePlaces(sums[0] / joined));
        assertTrue(dom.contains("id=\"learned-joined\">" + fivePlaces(sums[2] / joined) + "<"),
                "learned loss of joined events");
        assertTrue(dom.contains("id=\"served-defaulted\">" + fivePlaces(sums[1] / (EVENTS - joined)) + "<"),
                "served loss of defaulted events");
    }

    /** {@code x} to five significant digits, as JavaScript's {@code toPrecision(5)} writes it (half up, exactly). */
    private static String fivePlaces(double x) {
        return new java.math.BigDecimal(x).round(new java.math.MathContext(5, java.math.RoundingMode.HALF_UP))
                .toPlainString();
    }

    private static JsonNode ok(HttpResponse<String> response, int status) {
        assertEquals(status, response.statusCode(), response.body());
        return ApiClient.json(response);
    }

    private static ModelSnapshot awaitVersion(InertiaConfig config, long version) throws Exception {
        ModelSnapshot[] latest = new ModelSnapshot[1];
        EmbeddedKafka.await(PHASE, () -> "model at version " + version + ", now "
                + (latest[0] == null ? "none" : latest[0].getVersion()), () -> {
                    try (SnapshotReader reader = new SnapshotReader(config)) {
                        latest[0] = reader.latest(MODEL).get(MODEL);
                    }
                    return latest[0] != null && latest[0].getVersion() == version;
                });
        return latest[0];
    }
}
