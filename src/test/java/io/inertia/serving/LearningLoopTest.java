package io.inertia.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.config.InertiaConfig;
import io.inertia.serde.EventDecoder;
import io.inertia.serde.JsonEventDecoder;
import io.inertia.serde.JsonOutcomeDecoder;
import io.inertia.serde.OutcomeDecoder;
import io.inertia.serde.OutcomeReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The bodies of the learning loop's requests, and the records it writes for them, read back as the joiner reads. */
class LearningLoopTest {

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertRefused(String body, int status, String message) {
        ApiError error = assertThrows(ApiError.class, () -> LearningLoop.parseOutcomes(utf8(body)), body);
        assertEquals(status, error.status(), body);
        assertEquals(message, error.getMessage(), body);
    }

    @Test
    void shouldReadAnOutcomeAndAListOfThemWithWeightOneWhenAbsent() {
        LearningLoop.OutcomeRequest one = LearningLoop.parseOutcomes(utf8("{\"eventId\": \"e1\", \"label\": 1}"));
        assertFalse(one.list());
        assertEquals(List.of(new LearningLoop.OutcomeItem("e1", 1.0, 1.0, "")), one.items());
        LearningLoop.OutcomeRequest list = LearningLoop.parseOutcomes(utf8(
                "[{\"label\": -2.5, \"eventId\": \"a\", \"weight\": 0}, {\"eventId\": \"b\", \"label\": 0.5, "
                        + "\"weight\": 3}]"));
        assertTrue(list.list());
        assertEquals(List.of(new LearningLoop.OutcomeItem("a", -2.5, 0.0, "item 0: "),
                new LearningLoop.OutcomeItem("b", 0.5, 3.0, "item 1: ")), list.items());
    }

    @Test
    void shouldRefuseABadOutcomeBodyWithOneLineNamingTheItem() {
        assertRefused("{\"label\": 1}", 400, "eventId is missing: an outcome names the event it labels");
        assertRefused("{\"eventId\": \"\", \"label\": 1}", 400, "eventId must be a non-empty string");
        assertRefused("{\"eventId\": 7, \"label\": 1}", 400, "eventId must be a non-empty string");
        assertRefused("{\"eventId\": \"e\"}", 400, "label is missing");
        assertRefused("{\"eventId\": \"e\", \"label\": \"NaN\"}", 400, "label is not a finite number");
        assertRefused("{\"eventId\": \"e\", \"label\": 1e400}", 400, "label is not a finite number");
        assertRefused("[{\"eventId\": \"a\", \"label\": 1}, {\"eventId\": \"b\", \"label\": 1, \"weight\": -1}]",
                400, "item 1: weight -1.0 is negative");
        assertRefused("{\"eventId\": \"e\", \"lable\": 1}", 400,
                "unknown field 'lable' (expected eventId, label, weight)");
        assertRefused("[]", 400, "the list of outcomes is empty");
        assertRefused("[1]", 400, "item 0: expected {\"eventId\", \"label\"[, \"weight\"]}");
        assertRefused("\"e\"", 400, "body must be {\"eventId\", \"label\"[, \"weight\"]}, or a list of them");
        assertRefused("{\"eventId\": \"e\", \"label\": 1} {}", 400, "body holds more than one JSON value");
        ApiError notJson = assertThrows(ApiError.class, () -> LearningLoop.parseOutcomes(utf8("{\"eventId\": ")));
        assertTrue(notJson.getMessage().startsWith("body is not JSON: "), notJson.getMessage());
    }

    @Test
    void shouldReadAnEventIdOfAPredictionItemAndRefuseOneThatIsNotAString() {
        Predictions predictions = new Predictions(InertiaConfig.of(Map.of()), InertiaConfig.of(Map.of()).learner());
        Predictions.Request request = predictions.parse(utf8("[{\"features\": {\"a\": 2}, \"eventId\": \"e1\"}, "
                + "{\"dense\": [1, 2]}, {\"eventId\": null, \"dense\": [3]}]"));
        assertEquals("e1", request.items().get(0).eventId());
        assertArrayEquals(new String[] {"a"}, request.items().get(0).names());
        assertArrayEquals(new double[] {2.0}, request.items().get(0).values());
        assertNull(request.items().get(0).dense());
        assertNull(request.items().get(1).eventId());
        assertArrayEquals(new double[] {1.0, 2.0}, request.items().get(1).dense());
        assertNull(request.items().get(2).eventId());
        ApiError error = assertThrows(ApiError.class, () -> predictions.parse(utf8(
                "[{\"dense\": [1]}, {\"dense\": [1], \"eventId\": 5}]")));
        assertEquals("item 1: eventId must be a non-empty string", error.getMessage());
        assertThrows(ApiError.class, () -> predictions.parse(utf8("{\"dense\": [1], \"eventId\": \"\"}")));
    }

    /** The event and outcome HTTP records, read back by the joiner's own readers of each input format. */
    @Test
    void shouldWriteEventsWithTheServedPredictionAndOutcomesThatTheJoinerReadsInEitherFormat() {
        EventDecoder.Served served = new EventDecoder.Served(0.75, 1.0986122886681098, 42);
        for (String format : List.of("avro", "json")) {
            InertiaConfig config = InertiaConfig.of(Map.of("inertia.input.format", format));
            LearningLoop loop = new LearningLoop(config, null, Runnable::run);
            Predictions predictions = new Predictions(config, config.learner());
            Predictions.Item item = predictions.parse(utf8(
                    "{\"features\": {\"b\": -1.5, \"a\": 2}, \"dense\": [0.5], \"eventId\": \"e-1\"}")).items().get(0);
            byte[] value = loop.eventBytes("m/1", item, served);
            EventDecoder.Event event = format.equals("avro") ? new EventDecoder().decode("in", value)
                    : new JsonEventDecoder().decode("in", "m/1", value);
            assertEquals("m/1", event.modelKey(), format);
            assertEquals("e-1", event.eventId(), format);
            assertFalse(event.labeled(), format + ": recorded without label");
            assertEquals(1.0, event.weight(), format);
            assertArrayEquals(new String[] {"b", "a"}, event.names(), format);
            assertArrayEquals(new double[] {-1.5, 2.0}, event.values(), format);
            assertArrayEquals(new double[] {0.5}, event.dense(), format);
            assertEquals(served, event.served(), format + ": the prediction served, exactly");

            OutcomeReader reader = format.equals("avro") ? new OutcomeDecoder() : new JsonOutcomeDecoder();
            OutcomeReader.ReceivedOutcome outcome = reader.decode("outcomes", "m/1",
                    loop.outcomeBytes("m/1", new LearningLoop.OutcomeItem("e-1", 0.0, 2.5, "")));
            assertEquals(new OutcomeReader.ReceivedOutcome("m/1", "e-1", 0.0, 2.5), outcome, format);
        }
    }

    /**
     * The owner's memory of recorded ids, over Kafka's in-memory {@link MockProducer}: a retry with the same body
     * writes nothing and gets the first acknowledgement; another body under the id is refused; an id is forgotten
     * when its write fails (so that the retry writes it) and once it is older than the window.
     */
    @Test
    void shouldWriteAnOutcomeOncePerIdWithinTheWindowAndAgainAfterAFailure() {
        InertiaConfig config = InertiaConfig.of(Map.of("inertia.outcome.window.ms", "1000",
                "inertia.loss", "logistic"));
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        AtomicLong now = new AtomicLong(50_000);
        LearningLoop loop = new LearningLoop(config, producer, Runnable::run, now::get);
        LearningLoop.OutcomeRequest e1 = LearningLoop.parseOutcomes(utf8("{\"eventId\": \"e1\", \"label\": 1}"));

        CompletableFuture<?> first = loop.recordOutcomes("m", e1).get(0);
        CompletableFuture<?> retry = loop.recordOutcomes("m", e1).get(0);
        assertEquals(1, producer.history().size(), "a retry in flight is waited for, not written");
        assertTrue(first == retry);
        assertEquals("outcomes", producer.history().get(0).topic());
        assertArrayEquals(utf8("m"), producer.history().get(0).key(), "keyed by model key");
        producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker down"));
        assertTrue(first.isCompletedExceptionally(), "not acknowledged: the answer will be 503");

        CompletableFuture<?> afterFailure = loop.recordOutcomes("m", e1).get(0);
        assertEquals(2, producer.history().size(), "a failed write is forgotten: its retry writes again");
        producer.completeNext();
        assertTrue(afterFailure.isDone() && !afterFailure.isCompletedExceptionally());
        assertTrue(loop.recordOutcomes("m", e1).get(0).isDone(), "acknowledged already");
        assertEquals(2, producer.history().size());
        loop.recordOutcomes("other-model", e1);
        assertEquals(3, producer.history().size(), "an id is per model");

        ApiError conflict = assertThrows(ApiError.class, () -> loop.recordOutcomes("m",
                LearningLoop.parseOutcomes(utf8("{\"eventId\": \"e1\", \"label\": 0}"))));
        assertEquals(409, conflict.status());
        assertEquals("outcome of eventId 'e1' was recorded already with another label or weight; one id is one "
                + "outcome", conflict.getMessage());
        ApiError twice = assertThrows(ApiError.class, () -> loop.recordOutcomes("m", LearningLoop.parseOutcomes(
                utf8("[{\"eventId\": \"e2\", \"label\": 1}, {\"eventId\": \"e2\", \"label\": 1}]"))));
        assertEquals(400, twice.status());
        ApiError label = assertThrows(ApiError.class, () -> loop.recordOutcomes("m", LearningLoop.parseOutcomes(
                utf8("{\"eventId\": \"e3\", \"label\": 0.5}"))));
        assertEquals(400, label.status(), "logistic labels are 0 or 1: " + label.getMessage());
        assertEquals(3, producer.history().size(), "nothing written for a refused request");

        now.addAndGet(1001);
        loop.recordOutcomes("m", e1);
        assertEquals(4, producer.history().size(), "older than the window: a new outcome under an old id");
    }
}
