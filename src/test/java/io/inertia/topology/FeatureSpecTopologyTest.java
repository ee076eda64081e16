package io.inertia.topology;

import static io.inertia.topology.TopologyHarness.header;
import static io.inertia.topology.TopologyHarness.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.config.ConfigException;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users' own JSON records through a feature spec ({@code inertia.feature-spec}) are learned exactly as the events the
 * spec describes, written by hand as Inertia's own Avro events; records without a label or not JSON are dead-lettered
 * with the reason, in the category of what is wrong.
 */
class FeatureSpecTopologyTest {

    @TempDir
    Path work;

    private TopologyHarness spec;
    private TopologyHarness avro;

    @AfterEach
    void close() {
        for (TopologyHarness harness : new TopologyHarness[] {spec, avro}) {
            if (harness != null) {
                harness.close();
            }
        }
    }

    private InertiaConfig specConfig() throws Exception {
        Path file = Files.writeString(work.resolve("clicks.yaml"), """
                label: {field: clicked}
                event-id: position
                numeric: [{field: ad.price, transform: log1p}]
                categorical: [user.country, ad.id]
                crosses: [[user.country, ad.id]]
                """);
        return InertiaConfig.of(Map.of("inertia.input.format", "json", "inertia.feature-spec", file.toString(),
                "inertia.snapshot-every", "2", "inertia.learning-rate", "0.1", "inertia.loss", "logistic"));
    }

    @Test
    void shouldLearnFromUsersRecordsExactlyAsFromTheEventsTheSpecDescribes() throws Exception {
        spec = TopologyHarness.of(specConfig(), work);
        avro = TopologyHarness.of(InertiaConfig.of(Map.of("inertia.snapshot-every", "2",
                "inertia.learning-rate", "0.1", "inertia.loss", "logistic")), work);
        spec.send(utf8("c1"), utf8("""
                {"user": {"id": "u1", "country": "DE"}, "ad": {"id": "a1", "price": 1.0}, "clicked": true}"""), 10);
        spec.send(utf8("c1"), utf8("""
                {"user": {"id": "u2", "country": "FR"}, "ad": {"id": "a2"}, "clicked": false}"""), 20);
        // By hand: log1p(1) = ln 2; the second record has no price; each event id is its position.
        avro.send("c1", LabeledEvent.newBuilder().setModelKey("c1").setNamedFeatures(Map.of("ad.price", Math.log(2),
                "user.country=DE", 1.0, "ad.id=a1", 1.0, "user.country=DE^ad.id=a1", 1.0)).setLabel(1.0)
                .setEventId("labeled-events/0/0").build(), 10);
        avro.send("c1", LabeledEvent.newBuilder().setModelKey("c1").setNamedFeatures(Map.of("user.country=FR", 1.0,
                "ad.id=a2", 1.0, "user.country=FR^ad.id=a2", 1.0)).setLabel(0.0)
                .setEventId("labeled-events/0/1").build(), 20);

        var serde = InertiaSerdes.modelSnapshot();
        var fromSpec = spec.publishedSnapshots();
        var fromAvro = avro.publishedSnapshots();
        assertEquals(1, fromSpec.size());
        assertArrayEquals(serde.serialize("t", fromAvro.get(0)), serde.serialize("t", fromSpec.get(0)));
        assertEquals(avro.predictions.readValuesToList(), spec.predictions.readValuesToList());
    }

    @Test
    void shouldDeadLetterRecordsWithoutALabelOrNotJsonAndLeaveTheModelUntouched() throws Exception {
        spec = TopologyHarness.of(specConfig(), work);
        spec.send(utf8("c1"), utf8("{\"user\": {\"country\": \"DE\"}, \"clicked\": 1}"), 1);
        long noLabel = spec.send(utf8("c1"), utf8("{\"user\": {\"country\": \"DE\"}}"), 2);
        spec.send(utf8("c1"), utf8("{\"user\": "), 3);
        spec.send(utf8("c1"), utf8("{\"user\": {\"country\": \"DE\"}, \"clicked\": \"yes\"}"), 4);

        List<TestRecord<byte[], byte[]>> letters = spec.deadLetters();
        assertEquals(3, letters.size());
        assertEquals("label field 'clicked' is missing", header(letters.get(0), DeadLetterHeaders.REASON));
        assertEquals(Long.toString(noLabel), header(letters.get(0), DeadLetterHeaders.OFFSET));
        assertEquals("invalid-label", DeadLetterReasons.category(header(letters.get(0), DeadLetterHeaders.REASON)));
        String notJson = header(letters.get(1), DeadLetterHeaders.REASON);
        assertTrue(notJson.startsWith("cannot deserialize topic 'labeled-events': not a JSON record: "), notJson);
        assertEquals("undecodable", DeadLetterReasons.category(notJson));
        assertEquals("label field 'clicked' is 'yes', a string: list the class names in label.classes to learn "
                + "from strings", header(letters.get(2), DeadLetterHeaders.REASON));
        assertEquals(1, spec.stored("c1").getVersion(), "only the labelled record was learned");
    }

    @Test
    void shouldRefuseAvroRecordsThroughASpecWithoutTheirSchema() throws Exception {
        Path file = Files.writeString(work.resolve("keyed.yaml"), """
                model-key: {field: ad.campaign}
                label: clicked
                categorical: [ad.id]
                """);
        ConfigException avro = assertThrows(ConfigException.class, () -> InertiaTopology.learner(InertiaConfig.of(
                Map.of("inertia.feature-spec", file.toString())), LearningObserver.NONE, 1));
        assertEquals(List.of(InertiaTopology.AVRO_NEEDS_SCHEMA), avro.problems());
    }
}
