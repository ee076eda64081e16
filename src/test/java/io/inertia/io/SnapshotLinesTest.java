package io.inertia.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.avro.BucketWeights;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.NamedWeights;
import io.inertia.avro.SnapshotParts;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lines of a stream of snapshot records: a line per snapshot with the weights of its own parts, a model's first line
 * every weight of its generation (taken from the parts published before the output began when it starts in the middle
 * of one), and, read back, the records a reader of the topic assembles the same snapshots from. Weights here are made
 * up by hand (momentum, one state value each), so every expected line is written out below.
 */
class SnapshotLinesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void shouldWriteAModelsFirstLineInTheMiddleOfAGenerationWithEveryWeightOfItsEarlierParts() throws Exception {
        // Generation 4 was published before the output began: part 0 {a: 1 @5, #7: 2 @5}, part 1 {a: 3 @8}.
        List<ModelSnapshotPart> earlier = List.of(part(4, 0, 8, new Object[] {"a", 1.0, 5L}, new Object[] {7, 2.0, 5L}),
                part(4, 1, 8, new Object[] {"a", 3.0, 8L}));
        StringWriter out = new StringWriter();
        SnapshotLines lines = new SnapshotLines(out, (key, generation, count) -> {
            assertEquals("m", key);
            assertEquals(4, generation);
            assertEquals(2, count);
            return earlier;
        });

        // The snapshot at version 12 appends part 2 {#7: 4 @12, b: 5 @11}; the one at 16 part 3 {b: 6 @16}.
        lines.part(part(4, 2, 12, new Object[] {"b", 5.0, 11L}, new Object[] {7, 4.0, 12L}));
        lines.header(header(12, new SnapshotParts(4L, 1, 3, 12L, 2L, 3L)));
        lines.part(part(4, 3, 16, new Object[] {"b", 6.0, 16L}));
        lines.header(header(16, new SnapshotParts(4L, 1, 4, 16L, 2L, 4L)));
        lines.flush();

        List<JsonNode> written = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
            written.add(JSON.readTree(line));
        }
        assertEquals(2, written.size());
        // Every weight of the generation, a later part's replacing an earlier one's: a @8 from part 1, #7 @12 from
        // part 2; named weights by name, then buckets.
        assertEquals(JSON.readTree("{\"a\": 3.0, \"b\": 5.0, \"#7\": 4.0}"), written.get(0).get("weights"));
        assertEquals("[\"a\",\"b\",\"#7\"]", names(written.get(0).get("weights")));
        assertEquals(JSON.readTree("{\"a\": 8, \"b\": 11, \"#7\": 12}"), written.get(0).get("steps"));
        assertEquals(JSON.readTree("{\"a\": [0.3], \"b\": [0.5], \"#7\": [0.4]}"),
                written.get(0).get("state").get("weights"));
        assertTrue(written.get(0).get("parts").get("base").asBoolean(), "the first line holds every weight");
        // Then only what changed.
        assertEquals(JSON.readTree("{\"b\": 6.0}"), written.get(1).get("weights"));
        assertEquals(false, written.get(1).get("parts").get("base").asBoolean());
        assertEquals(16, written.get(1).get("version").asLong());
    }

    @Test
    void shouldReadLinesBackAsTheRecordsTheirHeadersName() throws Exception {
        StringWriter out = new StringWriter();
        SnapshotLines lines = new SnapshotLines(out, SnapshotLines.EarlierParts.none());
        // A base in two parts, a snapshot appending one part, a snapshot with nothing sparse changed, a new base.
        lines.part(part(0, 0, 4, new Object[] {"a", 1.0, 4L}));
        lines.part(part(0, 1, 4, new Object[] {"b", 2.0, 3L}));
        lines.header(header(4, new SnapshotParts(0L, 2, 2, 4L, 2L, 0L)));
        lines.part(part(0, 2, 8, new Object[] {"a", 3.0, 8L}));
        lines.header(header(8, new SnapshotParts(0L, 2, 3, 8L, 2L, 1L)));
        lines.header(header(12, new SnapshotParts(0L, 2, 3, 12L, 2L, 1L)));
        lines.part(part(1, 0, 16, new Object[] {"a", 5.0, 16L}, new Object[] {9, 6.0, 15L}));
        lines.header(header(16, new SnapshotParts(1L, 1, 1, 16L, 2L, 0L)));
        lines.flush();
        Path file = Files.writeString(dir.resolve("m.jsonl"), out.toString(), StandardCharsets.UTF_8);

        List<String> read = new ArrayList<>();
        SnapshotLines.read(file, true, record -> read.add(describe(record)));

        // A line's weights in the first part it names, the others empty; every header after its parts.
        assertEquals(List.of(
                "part 0/0 {a=1.0@4, b=2.0@3}", "part 0/1 {}", "header 4",
                "part 0/2 {a=3.0@8}", "header 8",
                "header 12",
                "part 1/0 {a=5.0@16, #9=6.0@15}", "header 16"), read);
    }

    @Test
    void shouldRefuseALineThatContinuesAGenerationWhoseBaseIsNotInTheFile() throws Exception {
        StringWriter out = new StringWriter();
        SnapshotLines lines = new SnapshotLines(out, SnapshotLines.EarlierParts.none());
        lines.part(part(0, 0, 4, new Object[] {"a", 1.0, 4L}));
        lines.header(header(4, new SnapshotParts(0L, 1, 1, 4L, 1L, 0L)));
        lines.part(part(0, 1, 8, new Object[] {"a", 2.0, 8L}));
        lines.header(header(8, new SnapshotParts(0L, 1, 2, 8L, 1L, 1L)));
        lines.flush();
        String second = out.toString().split("\n")[1];
        Path file = Files.writeString(dir.resolve("cut.jsonl"), "\n" + second + "\n", StandardCharsets.UTF_8);

        InputFileException refused = assertThrows(InputFileException.class,
                () -> SnapshotLines.read(file, false, record -> { }));
        assertEquals(file + ":2: holds the weights of 'm' updated since a snapshot that is not in the file: no line "
                + "with \"base\": true of generation 0 before it", refused.getMessage());
    }

    @Test
    void shouldRefuseAFirstLineThatContinuesAGenerationNoEarlierPartsHold() {
        SnapshotLines lines = new SnapshotLines(new StringWriter(), SnapshotLines.EarlierParts.none());
        lines.part(part(3, 5, 8, new Object[] {"a", 2.0, 8L}));
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> lines.header(header(8, new SnapshotParts(3L, 1, 6, 8L, 1L, 5L))));
        assertTrue(refused.getMessage().contains("continues generation 3"), refused.getMessage());
    }

    @Test
    void shouldNameTheLineOfAMalformedSnapshotFile() throws Exception {
        String good = SnapshotJson.toLine(SnapshotJsonTest.wholeSnapshot(new SplittableRandom(2)));
        Path file = Files.writeString(dir.resolve("bad.jsonl"), good + "\n" + good + "\n{\"modelKey\": oops}\n",
                StandardCharsets.UTF_8);
        InputFileException refused = assertThrows(InputFileException.class,
                () -> SnapshotLines.read(file, false, record -> { }));
        assertTrue(refused.getMessage().startsWith(file + ":3: not a JSON object: "), refused.getMessage());
    }

    private static String describe(SpecificRecord record) {
        if (record instanceof ModelSnapshot header) {
            return "header " + header.getVersion();
        }
        ModelSnapshotPart part = (ModelSnapshotPart) record;
        List<String> weights = new ArrayList<>();
        NamedWeights named = part.getNamed();
        for (int i = 0; i < named.getNames().size(); i++) {
            weights.add(named.getNames().get(i) + "=" + named.getWeights().get(i) + "@" + named.getLastSteps().get(i));
        }
        BucketWeights hashed = part.getHashed();
        for (int i = 0; i < hashed.getBuckets().size(); i++) {
            weights.add("#" + hashed.getBuckets().get(i) + "=" + hashed.getWeights().get(i) + "@"
                    + hashed.getLastSteps().get(i));
        }
        return "part " + part.getGeneration() + "/" + part.getIndex() + " {" + String.join(", ", weights) + "}";
    }

    private static String names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(name -> names.add("\"" + name + "\""));
        return "[" + String.join(",", names) + "]";
    }

    /** A header of model m in parts, at {@code version}, momentum. */
    private static ModelSnapshot header(long version, SnapshotParts parts) {
        ModelSnapshot header = SnapshotJsonTest.wholeSnapshot(new SplittableRandom(version));
        header.setModelKey("m");
        header.setVersion(version);
        header.setNamedWeights(Map.of());
        header.setDenseWeights(null);
        header.getOptimizerState().setStateNames(List.of("velocity"));
        header.getOptimizerState().setNamedState(Map.of());
        header.getOptimizerState().setDenseState(null);
        header.getOptimizerState().setBiasState(List.of(0.0));
        header.setParts(parts);
        return header;
    }

    /**
     * A part of model m; each weight {name or bucket, weight, step}, its velocity a tenth of the weight.
     */
    private static ModelSnapshotPart part(long generation, int index, long version, Object[]... weights) {
        NamedWeights named = new NamedWeights(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                new ArrayList<>());
        BucketWeights hashed = new BucketWeights(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
                new ArrayList<>());
        for (Object[] weight : weights) {
            double value = (Double) weight[1];
            if (weight[0] instanceof String name) {
                named.getNames().add(name);
                named.getWeights().add(value);
                named.getStates().add(value / 10);
                named.getLastSteps().add((Long) weight[2]);
            } else {
                hashed.getBuckets().add((Integer) weight[0]);
                hashed.getWeights().add(value);
                hashed.getStates().add(value / 10);
                hashed.getLastSteps().add((Long) weight[2]);
            }
        }
        return new ModelSnapshotPart("m", generation, index, version, named, hashed);
    }
}
