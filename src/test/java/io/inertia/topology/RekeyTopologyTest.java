package io.inertia.topology;

import static io.inertia.topology.TopologyHarness.header;
import static io.inertia.topology.TopologyHarness.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A feature spec whose model key is a field: the input records are re-keyed by model key through the re-keyed topic,
 * unchanged otherwise, and learned there exactly as the same records keyed by model key on a topic of that name;
 * records whose model key is missing or wrong-typed are dead-lettered at the re-keying step, at their input position.
 * A spec of the record key reads the input directly.
 */
class RekeyTopologyTest {

    private static final String SPEC = """
            label: clicked
            event-id: {field: id}
            numeric: [ad.price]
            categorical: [user.country]
            """;

    @TempDir
    Path work;

    private final List<TopologyHarness> harnesses = new ArrayList<>();

    @AfterEach
    void close() {
        harnesses.forEach(TopologyHarness::close);
    }

    private InertiaConfig config(String modelKey, Map<String, String> more) throws Exception {
        Path file = Files.writeString(Files.createTempFile(work, "spec", ".yaml"), modelKey + SPEC);
        Map<String, String> settings = new HashMap<>(Map.of("inertia.input.format", "json",
                "inertia.feature-spec", file.toString(), "inertia.snapshot-every", "2",
                "inertia.learning-rate", "0.1", "inertia.loss", "logistic", "application.id", "clicks"));
        settings.putAll(more);
        return InertiaConfig.of(settings);
    }

    private TopologyHarness harness(InertiaConfig config) throws Exception {
        TopologyHarness harness = TopologyHarness.of(config, work);
        harnesses.add(harness);
        return harness;
    }

    private static String click(String id, String campaign, String country, double price, boolean clicked) {
        return "{\"id\": \"" + id + "\", \"user\": {\"country\": \"" + country + "\"}, \"ad\": {\"campaign\": "
                + campaign + ", \"price\": " + price + "}, \"clicked\": " + clicked + "}";
    }

    @Test
    void shouldLearnEachRecordUnderTheModelKeyItsFieldGivesAsTheSameRecordsKeyedByModelKey() throws Exception {
        TopologyHarness rekeyed = harness(config("model-key: {field: ad.campaign}\n", Map.of()));
        assertEquals("clicks-inertia-rekeyed", rekeyed.config.rekeyedTopic());
        // The reference: the same records keyed by campaign by hand, read directly from a topic of the same name (so
        // that the snapshots' input positions agree).
        TopologyHarness keyed = harness(config("", Map.of("inertia.topic.input", "clicks-inertia-rekeyed")));
        TestOutputTopic<byte[], byte[]> copies = rekeyed.driver.createOutputTopic("clicks-inertia-rekeyed",
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        String[][] clicks = {
            {"u1", "c1", click("e1", "\"c1\"", "DE", 1.5, true)},
            {"u2", "c2", click("e2", "\"c2\"", "FR", 0.5, false)},
            {"u1", "c2", click("e3", "\"c2\"", "DE", 2.0, true)},
            {"u3", "c1", click("e4", "\"c1\"", "FR", 0.25, false)},
            {"u2", "7", click("e5", "7", "FR", 3.0, true)},
        };
        for (int i = 0; i < clicks.length; i++) {
            RecordHeaders headers = new RecordHeaders();
            headers.add("trace", utf8("t" + i));
            rekeyed.input.pipeInput(new TestRecord<>(utf8(clicks[i][0]), utf8(clicks[i][2]), headers, 100L + i));
            keyed.send(utf8(clicks[i][1]), utf8(clicks[i][2]), 100L + i);
        }

        List<TestRecord<byte[], byte[]>> written = copies.readRecordsToList();
        assertEquals(clicks.length, written.size());
        for (int i = 0; i < clicks.length; i++) {
            TestRecord<byte[], byte[]> copy = written.get(i);
            assertEquals(clicks[i][1], new String(copy.key(), StandardCharsets.UTF_8), "re-keyed by ad.campaign");
            assertArrayEquals(utf8(clicks[i][2]), copy.value(), "value bytes unchanged");
            assertEquals(100L + i, copy.timestamp());
            assertEquals("t" + i, header(copy, "trace"));
        }
        assertEquals(List.of(), rekeyed.deadLetters());
        assertEquals(2, rekeyed.stored("c1").getVersion());
        assertEquals(2, rekeyed.stored("c2").getVersion());
        assertEquals(1, rekeyed.stored("7").getVersion(), "a whole number is the key in decimal");
        var serde = InertiaSerdes.modelSnapshot();
        var expected = keyed.publishedSnapshots();
        var actual = rekeyed.publishedSnapshots();
        assertEquals(2, actual.size(), "c1 and c2 at version 2");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(serde.serialize("t", expected.get(i)), serde.serialize("t", actual.get(i)));
        }
        assertEquals(keyed.predictions.readValuesToList(), rekeyed.predictions.readValuesToList());
    }

    @Test
    void shouldDeadLetterAMissingOrWrongTypedModelKeyAtTheReKeyingStepAtItsInputPosition() throws Exception {
        TopologyHarness rekeyed = harness(config("model-key: {field: ad.campaign}\n", Map.of()));
        TestOutputTopic<byte[], byte[]> copies = rekeyed.driver.createOutputTopic("clicks-inertia-rekeyed",
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        rekeyed.send(utf8("u1"), utf8(click("e1", "\"c1\"", "DE", 1.0, true)), 1);
        long missing = rekeyed.send(utf8("u1"), utf8("{\"ad\": {\"price\": 1.0}, \"clicked\": true}"), 2);
        long number = rekeyed.send(utf8("u1"), utf8(click("e3", "1.5", "DE", 1.0, true)), 3);
        long object = rekeyed.send(utf8("u1"), utf8(click("e4", "{\"name\": \"c1\"}", "DE", 1.0, true)), 4);
        long empty = rekeyed.send(utf8("u1"), utf8(click("e5", "\"\"", "DE", 1.0, true)), 5);
        long notJson = rekeyed.send(utf8("u1"), utf8("{\"ad\": "), 6);
        long nul = rekeyed.send(utf8("u1"), utf8(click("e7", "\"c\\u0000\"", "DE", 1.0, true)), 7);
        // Keyed well, but its label is missing: dead-lettered by the learner, at its re-keyed position.
        rekeyed.send(utf8("u1"), utf8("{\"ad\": {\"campaign\": \"c1\"}}"), 8);

        assertEquals(List.of("c1", "c1"), copies.readRecordsToList().stream()
                .map(copy -> new String(copy.key(), StandardCharsets.UTF_8)).toList(), "only the keyed two re-keyed");
        List<TestRecord<byte[], byte[]>> letters = rekeyed.deadLetters();
        assertEquals(7, letters.size());
        long[] offsets = {missing, number, object, empty, notJson, nul};
        for (int i = 0; i < offsets.length; i++) {
            assertEquals("labeled-events", header(letters.get(i), DeadLetterHeaders.TOPIC), "input position");
            assertEquals(Long.toString(offsets[i]), header(letters.get(i), DeadLetterHeaders.OFFSET));
            assertEquals("u1", new String(letters.get(i).key(), StandardCharsets.UTF_8), "the record as it came");
        }
        assertEquals("model key field 'ad.campaign' is missing", header(letters.get(0), DeadLetterHeaders.REASON));
        assertEquals("invalid-key", DeadLetterReasons.category(header(letters.get(0), DeadLetterHeaders.REASON)));
        assertEquals("model key field 'ad.campaign' is a number, not a string or whole number",
                header(letters.get(1), DeadLetterHeaders.REASON));
        String objectReason = header(letters.get(2), DeadLetterHeaders.REASON);
        assertTrue(objectReason.startsWith("model key field 'ad.campaign' is ") && objectReason.endsWith(
                ", not a string or whole number") && !objectReason.contains("number,"), objectReason);
        assertEquals("model key field 'ad.campaign' is empty", header(letters.get(3), DeadLetterHeaders.REASON));
        assertEquals("undecodable", DeadLetterReasons.category(header(letters.get(4), DeadLetterHeaders.REASON)));
        assertEquals("model key contains a NUL character", header(letters.get(5), DeadLetterHeaders.REASON));
        assertEquals("clicks-inertia-rekeyed", header(letters.get(6), DeadLetterHeaders.TOPIC));
        assertEquals("1", header(letters.get(6), DeadLetterHeaders.OFFSET), "second record of the re-keyed topic");
        assertEquals("label field 'clicked' is missing", header(letters.get(6), DeadLetterHeaders.REASON));
        assertEquals(1, rekeyed.stored("c1").getVersion(), "only the first record was learned");
    }

    @Test
    void shouldReadTheInputDirectlyWhenTheRecordKeyIsTheModelKey() throws Exception {
        List<String> direct = nodes(config("", Map.of()));
        assertEquals(List.of(InertiaTopology.SOURCE, InertiaTopology.LEARNER), direct.subList(0, 2));
        assertTrue(!direct.contains(InertiaTopology.REKEY) && !direct.contains(InertiaTopology.REKEYED_SOURCE),
                direct.toString());
        TopologyDescription described = InertiaTopology.build(config("model-key: {constant: all}\n",
                Map.of("inertia.topic.rekeyed", "r")), LearningObserver.NONE, 1).describe();
        // Two sub-topologies, each of whose tasks reads one topic: re-keying, then learning.
        List<List<String>> subtopologies = described.subtopologies().stream().sorted((a, b) -> a.id() - b.id())
                .map(sub -> sub.nodes().stream().map(TopologyDescription.Node::name).sorted().toList()).toList();
        assertEquals(List.of(InertiaTopology.SOURCE, InertiaTopology.REKEY, InertiaTopology.REKEYED_SINK,
                InertiaTopology.REKEY_DEAD_LETTER_SINK).stream().sorted().toList(), subtopologies.get(0));
        assertTrue(subtopologies.get(1).containsAll(List.of(InertiaTopology.REKEYED_SOURCE, InertiaTopology.LEARNER,
                InertiaTopology.DEAD_LETTER_SINK)), subtopologies.toString());
        assertEquals(2, subtopologies.size());
        TopologyHarness harness = harness(config("model-key: {constant: all}\n", Map.of("inertia.topic.rekeyed",
                "r")));
        harness.send(utf8("u1"), utf8(click("e1", "\"c1\"", "DE", 1.0, true)), 1);
        harness.send(null, utf8(click("e2", "\"c2\"", "FR", 1.0, false)), 2);
        assertEquals(2, harness.stored("all").getVersion(), "one model for every record, keyed or not");
    }

    /** The names of the nodes of the topology {@code config} builds, sub-topology by sub-topology. */
    private static List<String> nodes(InertiaConfig config) {
        List<String> names = new ArrayList<>();
        for (TopologyDescription.Subtopology sub : InertiaTopology.build(config, LearningObserver.NONE, 1).describe()
                .subtopologies()) {
            sub.nodes().stream().map(TopologyDescription.Node::name).sorted((a, b) -> order(a) - order(b))
                    .forEach(names::add);
        }
        return names;
    }

    /** Sources first, then the learner, then the rest, so that the order above does not depend on a set's. */
    private static int order(String node) {
        return node.endsWith("-source") ? 0 : node.equals(InertiaTopology.LEARNER) ? 1 : 2;
    }
}
