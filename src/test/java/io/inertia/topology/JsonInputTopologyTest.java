package io.inertia.topology;

import static io.inertia.topology.TopologyHarness.header;
import static io.inertia.topology.TopologyHarness.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.inertia.avro.LabeledEvent;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON events ({@code inertia.input.format=json}) are learned exactly as the same events in Avro are. */
class JsonInputTopologyTest {

    @TempDir
    Path stateDirs;

    private TopologyHarness json;
    private TopologyHarness avro;

    @AfterEach
    void close() {
        for (TopologyHarness harness : new TopologyHarness[] {json, avro}) {
            if (harness != null) {
                harness.close();
            }
        }
    }

    @Test
    void shouldLearnFromJsonEventsExactlyAsFromTheSameEventsInAvro() throws Exception {
        Map<String, String> settings = Map.of("inertia.snapshot-every", "2", "inertia.learning-rate", "0.1");
        json = TopologyHarness.of(InertiaConfig.of(Map.of("inertia.input.format", "json",
                "inertia.snapshot-every", "2", "inertia.learning-rate", "0.1")), stateDirs);
        avro = TopologyHarness.of(InertiaConfig.of(settings), stateDirs);
        String[] lines = {
            "{\"key\": \"m\", \"features\": {\"x\": 2.0, \"y\": -1}, \"label\": 1, \"id\": \"e1\"}",
            "{\"features\": {\"x\": 0.5}, \"label\": 0.25, \"weight\": 2}",
            "{\"key\": \"m\", \"features\": {\"y\": 3}, \"label\": -1}",
            "{\"key\": \"m\", \"features\": {\"x\": 1, \"y\": 1}, \"label\": 0}"};
        LabeledEvent[] same = {
            LabeledEvent.newBuilder().setModelKey("m").setNamedFeatures(Map.of("x", 2.0, "y", -1.0)).setLabel(1.0)
                    .setEventId("e1").build(),
            LabeledEvent.newBuilder().setModelKey("m").setNamedFeatures(Map.of("x", 0.5)).setLabel(0.25)
                    .setWeight(2.0).build(),
            LabeledEvent.newBuilder().setModelKey("m").setNamedFeatures(Map.of("y", 3.0)).setLabel(-1.0).build(),
            LabeledEvent.newBuilder().setModelKey("m").setNamedFeatures(Map.of("x", 1.0, "y", 1.0)).setLabel(0.0)
                    .build()};
        for (int i = 0; i < lines.length; i++) {
            json.send(utf8("m"), utf8(lines[i]), 10L * i);
            avro.send("m", same[i], 10L * i);
        }
        var serde = InertiaSerdes.modelSnapshot();
        var fromJson = json.publishedSnapshots();
        var fromAvro = avro.publishedSnapshots();
        assertEquals(2, fromJson.size());
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(serde.serialize("t", fromAvro.get(i)), serde.serialize("t", fromJson.get(i)),
                    "snapshot " + i);
        }
        assertEquals(avro.predictions.readValuesToList(), json.predictions.readValuesToList());
    }

    @Test
    void shouldDeadLetterABadJsonEventWithItsReasonAndPositionAndLeaveTheModelUntouched() throws Exception {
        json = TopologyHarness.of(InertiaConfig.of(Map.of("inertia.input.format", "json",
                "inertia.snapshot-every", "1")), stateDirs);
        json.send(utf8("m"), utf8("{\"key\": \"m\", \"features\": {\"x\": 1}, \"label\": 1}"), 1);
        long offset = json.send(utf8("m"), utf8("{\"key\": \"m\", \"features\": {\"x\": \"one\"}, \"label\": 1}"), 2);
        json.send(utf8("m"), utf8("{\"key\": \"other\", \"features\": {\"x\": 1}, \"label\": 1}"), 3);
        json.send(null, utf8("{\"features\": {\"x\": 1}, \"label\": 1}"), 4);

        List<TestRecord<byte[], byte[]>> letters = json.deadLetters();
        assertEquals(3, letters.size());
        assertEquals("cannot deserialize topic 'labeled-events': feature 'x' is not a number",
                header(letters.get(0), DeadLetterHeaders.REASON));
        assertEquals(Long.toString(offset), header(letters.get(0), DeadLetterHeaders.OFFSET));
        assertEquals(TopologyHarness.PARTITION, header(letters.get(0), DeadLetterHeaders.PARTITION));
        assertEquals("labeled-events", header(letters.get(0), DeadLetterHeaders.TOPIC));
        assertEquals("record key 'm' differs from event modelKey 'other'",
                header(letters.get(1), DeadLetterHeaders.REASON));
        assertEquals("record key is null or empty; events must be keyed by model key",
                header(letters.get(2), DeadLetterHeaders.REASON));
        assertEquals(1, json.stored("m").getVersion(), "only the good event was learned");
        assertNull(json.stored("other"));
    }
}
