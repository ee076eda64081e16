package io.inertia.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class JsonEventDecoderTest {

    private final JsonEventDecoder decoder = new JsonEventDecoder();

    private EventDecoder.Event decode(String recordKey, String json) {
        return decoder.decode("labeled-events", recordKey, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldReadEveryFieldOfAJsonEvent() {
        EventDecoder.Event event = decode("m1", "{\"key\": \"m1\", \"features\": {\"a\": 1.5, \"b\": -2}, "
                + "\"dense\": [0.5, 1e3], \"label\": 3, \"weight\": 0.25, \"id\": \"e17\"}");
        assertEquals("m1", event.modelKey());
        assertArrayEquals(new String[] {"a", "b"}, event.names());
        assertArrayEquals(new double[] {1.5, -2.0}, event.values());
        assertArrayEquals(new double[] {0.5, 1000.0}, event.dense());
        assertEquals(3.0, event.label());
        assertEquals(0.25, event.weight());
        assertEquals("e17", event.eventId());
    }

    @Test
    void shouldTakeTheRecordKeyAsModelKeyAndDefaultsWhenTheJsonOmitsThem() {
        EventDecoder.Event event = decode("m2", "{\"dense\": [], \"label\": -1}");
        assertEquals("m2", event.modelKey());
        assertArrayEquals(new double[0], event.dense());
        assertNull(event.names());
        assertEquals(1.0, event.weight());
        assertNull(event.eventId());
    }

    @Test
    void shouldReadAnEventWithoutItsLabelAsUnlabeled() {
        for (String json : new String[] {"{\"features\": {\"a\": 1}, \"id\": \"e1\"}",
                "{\"features\": {\"a\": 1}, \"label\": null, \"id\": \"e1\"}"}) {
            EventDecoder.Event event = decode("m", json);
            assertEquals(false, event.labeled(), json);
            assertEquals(Double.NaN, event.label(), json);
            assertEquals("e1", event.eventId(), json);
            assertNull(event.served(), "a JSON event carries no served prediction");
        }
        assertEquals(true, decode("m", "{\"features\": {\"a\": 1}, \"label\": 0}").labeled());
    }

    @Test
    void shouldReadThePredictionServedForAnEventWithoutLabel() {
        EventDecoder.Event event = decode("m", "{\"features\": {\"a\": 1}, \"id\": \"e1\", \"served\": "
                + "{\"prediction\": 0.25, \"score\": -1.0986, \"modelVersion\": 7}}");
        assertEquals(new EventDecoder.Served(0.25, -1.0986, 7), event.served());
        assertNull(decode("m", "{\"features\": {\"a\": 1}, \"id\": \"e1\", \"served\": null}").served());
        assertRefused("{\"features\": {\"a\": 1}, \"served\": {\"prediction\": 0.5, \"score\": 0}}",
                "field 'served' needs prediction, score and modelVersion");
        assertRefused("{\"features\": {\"a\": 1}, \"served\": {\"prediction\": 0.5, \"score\": 0, "
                + "\"modelVersion\": 1.5}}", "served.modelVersion is not an integer");
        assertRefused("{\"features\": {\"a\": 1}, \"served\": 0.5}",
                "field 'served' is not an object {\"prediction\", \"score\", \"modelVersion\"}");
    }

    @Test
    void shouldRefuseWhatIsNotAnEventWithOneLineSayingWhy() {
        assertRefused("{\"features\": {\"a\": 1}, \"label\": \"1\"}",
                "label '1' is not a number (labels by name need inertia.class-names)");
        assertRefused("{\"features\": {\"a\": \"x\"}, \"label\": 1}", "feature 'a' is not a number");
        assertRefused("{\"dense\": [1, true], \"label\": 1}", "dense[1] is not a number");
        assertRefused("{\"features\": [1], \"label\": 1}", "field 'features' is not an object");
        assertRefused("{\"lable\": 1, \"dense\": [1]}", "unknown field 'lable'");
        assertRefused("{\"key\": 7, \"label\": 1}", "field 'key' is not a string");
        assertRefused("[1, 2]", "a JSON event is an object");
        assertRefused("{\"label\": 1} {}", "bytes after the JSON object");
        assertRefused("{\"label\": 1", "not a JSON event");
        assertRefused("not json", "not a JSON event");
    }

    private void assertRefused(String json, String reason) {
        SerializationException refused = assertThrows(SerializationException.class, () -> decode("k", json));
        assertEquals(1, refused.getMessage().lines().count(), refused.getMessage());
        assertEquals(true, refused.getMessage().contains(reason), refused.getMessage());
    }
}
