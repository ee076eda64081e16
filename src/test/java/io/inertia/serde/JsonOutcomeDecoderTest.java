package io.inertia.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.Outcome;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class JsonOutcomeDecoderTest {

    private final JsonOutcomeDecoder decoder = new JsonOutcomeDecoder();

    private OutcomeReader.ReceivedOutcome decode(String recordKey, String json) {
        return decoder.decode("outcomes", recordKey, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldReadEveryFieldAndTheDefaults() {
        assertEquals(new OutcomeReader.ReceivedOutcome("m1", "e17", 1.0, 0.25),
                decode("m1", "{\"key\": \"m1\", \"id\": \"e17\", \"label\": 1, \"weight\": 0.25}"));
        assertEquals(new OutcomeReader.ReceivedOutcome("m2", "e1", 0.0, 1.0), decode("m2", "{\"id\": \"e1\", "
                + "\"label\": 0}"), "the record key as model key, weight 1");
    }

    @Test
    void shouldRefuseWhatIsNotAnOutcomeWithOneLineSayingWhy() {
        assertRefused("{\"label\": 1}", "field 'id' is missing");
        assertRefused("{\"id\": \"e1\"}", "field 'label' is missing");
        assertRefused("{\"id\": \"e1\", \"label\": \"yes\"}", "field 'label' is not a number");
        assertRefused("{\"id\": 7, \"label\": 1}", "field 'id' is not a string");
        assertRefused("{\"id\": \"e1\", \"lable\": 1}", "unknown field 'lable'");
        assertRefused("[1]", "a JSON outcome is an object");
        assertRefused("{\"id\": \"e1\", \"label\": 1} x", "not a JSON outcome");
    }

    @Test
    void shouldReadAvroOutcomesOfTheCurrentSchema() {
        byte[] bytes = InertiaSerdes.outcome().serialize("outcomes", new Outcome("m", "e9", 1.0, 2.0));
        assertEquals(new OutcomeReader.ReceivedOutcome("m", "e9", 1.0, 2.0), new OutcomeDecoder().decode("outcomes",
                "m", bytes));
        SerializationException refused = assertThrows(SerializationException.class,
                () -> new OutcomeDecoder().decode("outcomes", "m", "{}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(refused.getMessage().startsWith("cannot deserialize Outcome from topic 'outcomes'"),
                refused.getMessage());
    }

    private void assertRefused(String json, String reason) {
        SerializationException refused = assertThrows(SerializationException.class, () -> decode("k", json));
        assertEquals(1, refused.getMessage().lines().count(), refused.getMessage());
        assertTrue(refused.getMessage().contains(reason), refused.getMessage());
    }
}
