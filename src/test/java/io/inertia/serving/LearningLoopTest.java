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
}
