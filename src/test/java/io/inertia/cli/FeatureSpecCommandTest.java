package io.inertia.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check --feature-spec} and {@code replay --feature-spec} as a user runs them on the shipped example. */
class FeatureSpecCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        try (PrintWriter outWriter = new PrintWriter(out, true); PrintWriter errWriter = new PrintWriter(err, true)) {
            return InertiaCommand.execute(outWriter, errWriter, args);
        }
    }

    /** Output lines with runs of spaces (the alignment) collapsed. */
    private List<String> lines(StringWriter writer) {
        return Arrays.stream(writer.toString().split("\\R")).map(line -> line.strip().replaceAll(" +", " "))
                .filter(line -> !line.isEmpty()).toList();
    }

    @Test
    void shouldShowWhatTheExampleSpecMakesOfTheFirstClicks() {
        assertEquals(0, run("check", "--feature-spec", "examples/clicks.spec.yaml", "--input",
                "examples/clicks.jsonl", "--records", "3"), err.toString());
        // examples/clicks.jsonl starts with e1 (c2, DE, a8, 0.77, not clicked), e2 (c3, DE, a11, 1.32, not
        // clicked), e3 (c2, FR, a7, 2.91, clicked). A model's first price has nothing to be scaled with and passes
        // as it is; e3's price is scaled with e1's alone (mean 0.77, no spread yet): centred, 2.91 − 0.77 = 2.14.
        assertEquals(List.of(
                "record 1 (line 1): model 'c2', label 0.0, weight 1.0, id 'e1'",
                "ad.price = 0.77 standardized from 0.77 (mean 0.0, sd 0.0 of 0 earlier)",
                "user.country=DE = 1.0",
                "ad.id=a8 = 1.0",
                "user.country=DE^ad.id=a8 = 1.0",
                "record 2 (line 2): model 'c3', label 0.0, weight 1.0, id 'e2'",
                "ad.price = 1.32 standardized from 1.32 (mean 0.0, sd 0.0 of 0 earlier)",
                "user.country=DE = 1.0",
                "ad.id=a11 = 1.0",
                "user.country=DE^ad.id=a11 = 1.0",
                "record 3 (line 3): model 'c2', label 1.0, weight 1.0, id 'e3'",
                "ad.price = 2.14 standardized from 2.91 (mean 0.77, sd 0.0 of 1 earlier)",
                "user.country=FR = 1.0",
                "ad.id=a7 = 1.0",
                "user.country=FR^ad.id=a7 = 1.0"), lines(out));
    }

    @Test
    void shouldShowTheSameEventsForTheSameRecordsInAnAvroContainerFile() throws Exception {
        org.apache.avro.Schema schema = new org.apache.avro.Schema.Parser().parse(Path.of("examples/clicks.avsc")
                .toFile());
        Path avro = dir.resolve("clicks.avro");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try (org.apache.avro.file.DataFileWriter<Object> writer = new org.apache.avro.file.DataFileWriter<>(
                new org.apache.avro.generic.GenericDatumWriter<>(schema))) {
            writer.create(schema, avro.toFile());
            for (String line : Files.readAllLines(Path.of("examples/clicks.jsonl")).subList(0, 3)) {
                // Avro's JSON encoding of these records is the JSON itself: no unions, no bytes.
                writer.append(new org.apache.avro.generic.GenericDatumReader<>(schema).read(null,
                        org.apache.avro.io.DecoderFactory.get().jsonDecoder(schema, json.readTree(line).toString())));
            }
        }
        assertEquals(0, run("check", "--feature-spec", "examples/clicks.spec.yaml", "--input",
                "examples/clicks.jsonl", "--records", "3"), err.toString());
        List<String> fromJson = lines(out);
        out.getBuffer().setLength(0);
        assertEquals(0, run("check", "--feature-spec", "examples/clicks.spec.yaml", "--input", avro.toString()),
                err.toString());
        assertEquals(fromJson.stream().map(line -> line.replace("(line ", "(record ")).toList(), lines(out));
    }

    @Test
    void shouldShowEachFeaturesBucketUnderHashing() {
        assertEquals(0, run("check", "--feature-spec", "examples/clicks.spec.yaml", "--input",
                "examples/clicks.jsonl", "--records", "1", "--hash-bits", "18"), err.toString());
        // Buckets and signs by src/test/resources/feature-hashing/murmur3_reference.py, bucket_and_sign(name, 18).
        List<String> lines = lines(out);
        assertTrue(lines.get(1).startsWith("ad.price = 0.77 → #79855 standardized"), lines.get(1));
        assertEquals("user.country=DE = 1.0 → #42475", lines.get(2));
        assertEquals("ad.id=a8 = 1.0 → #29359", lines.get(3));
        assertEquals("user.country=DE^ad.id=a8 = 1.0 → #105281 (sign −)", lines.get(4));
    }

    @Test
    void shouldShowWhyARecordWouldBeDeadLetteredAndGoOn() throws Exception {
        Path sample = Files.writeString(dir.resolve("s.jsonl"), """
                {"ad": {"campaign": "c1", "id": "a1", "price": 1}, "user": {"country": "DE"}}
                not json
                {"ad": {"campaign": "c1", "id": "a2", "price": 2}, "user": {"country": "FR"}, "clicked": 1}
                """);
        assertEquals(0, run("check", "--feature-spec", "examples/clicks.spec.yaml", "--input", sample.toString()));
        List<String> lines = lines(out);
        assertEquals("record 1 (line 1): dead-lettered: label field 'clicked' is missing", lines.get(0));
        assertTrue(lines.get(1).startsWith("record 2 (line 2): dead-lettered: cannot deserialize topic 's.jsonl': "
                + "not a JSON record: "), lines.get(1));
        assertEquals("record 3 (line 3): model 'c1', label 1.0, weight 1.0", lines.get(2));
        assertEquals("ad.price = 2.0 standardized from 2.0 (mean 0.0, sd 0.0 of 0 earlier)", lines.get(3),
                "the dead-lettered record 1 did not count for the scaling");
    }

    @Test
    void shouldRefuseABadSpecWithOneLinePerMistakeAndExitCodeTwo() throws Exception {
        Path spec = Files.writeString(dir.resolve("bad.yaml"), "label: {field: y, classes: []}\nnumerc: [x]\n");
        assertEquals(2, run("check", "--feature-spec", spec.toString(), "--input", "examples/clicks.jsonl"));
        assertEquals(List.of(
                "inertia check: " + spec + ": unknown key 'numerc' (expected model-key, label, weight, event-id, "
                        + "numeric, categorical, crosses)",
                "inertia check: " + spec + ": label.classes: expected a list of class names, e.g. [no, yes]",
                "inertia check: " + spec + ": no features: give numeric or categorical features (or both)"),
                lines(err));
        assertEquals(2, run("check", "--feature-spec", spec.toString()));
        assertTrue(err.toString().contains("--input SAMPLE is required with --feature-spec"), err.toString());
    }

    @Test
    void shouldRefuseToReplayTheInputTopicOfASpecThatReKeysBeforeContactingTheCluster() throws Exception {
        Path spec = Files.writeString(dir.resolve("keyed.yaml"), Files.readString(Path.of("examples/clicks.spec.yaml"))
                .replace("transform: standardize", "transform: log1p"));
        // Nothing listens on port 1: the refusal comes before any attempt to reach it.
        assertEquals(2, run("replay", "--bootstrap-servers", "127.0.0.1:1", "--topic", "clicks", "--feature-spec",
                spec.toString(), "--output", dir.resolve("out.jsonl").toString(), "-p", "inertia.input.format=json",
                "-p", "application.id=ads"));
        assertEquals(List.of("inertia replay: " + spec + ": model-key from a field or a constant: the live learner "
                + "reads the records re-keyed, so replay the re-keyed topic --topic ads-inertia-rekeyed "
                + "(inertia.topic.rekeyed), not clicks"), lines(err));
    }

    @Test
    void shouldReplayTheExampleThroughASpecThatStandardizesKeepingEachModelsStatistics() throws Exception {
        Path standardized = dir.resolve("standardized.jsonl");
        assertEquals(0, run("replay", "--input", "examples/clicks.jsonl", "--feature-spec",
                "examples/clicks.spec.yaml", "--loss", "logistic", "--hash-bits", "18", "--output",
                standardized.toString()), err.toString());
        assertTrue(out.toString().startsWith("replayed 2000 events into 3 model(s)"), out.toString());
        // Each campaign's last line holds the count and mean of its prices, computed here from the sample itself.
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.Map<String, double[]> sums = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(Path.of("examples/clicks.jsonl"))) {
            var ad = json.readTree(line).get("ad");
            double[] sum = sums.computeIfAbsent(ad.get("campaign").asText(), campaign -> new double[2]);
            sum[0]++;
            sum[1] += ad.get("price").asDouble();
        }
        java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> last = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(standardized)) {
            var snapshot = json.readTree(line);
            last.put(snapshot.get("modelKey").asText(), snapshot);
        }
        assertEquals(sums.keySet(), last.keySet());
        for (var entry : sums.entrySet()) {
            var scaler = last.get(entry.getKey()).get("scalers").get("ad.price");
            assertEquals((long) entry.getValue()[0], scaler.get("count").asLong(), entry.getKey());
            assertEquals(entry.getValue()[1] / entry.getValue()[0], scaler.get("mean").asDouble(), 1e-12,
                    entry.getKey());
        }
        out.getBuffer().setLength(0);

        Path spec = Files.writeString(dir.resolve("now.yaml"), Files.readString(Path.of("examples/clicks.spec.yaml"))
                .replace("transform: standardize", "transform: log1p"));
        Path output = dir.resolve("clicks.jsonl");
        assertEquals(0, run("replay", "--input", "examples/clicks.jsonl", "--feature-spec", spec.toString(),
                "--loss", "logistic", "--hash-bits", "18", "--output", output.toString()), err.toString());
        assertTrue(out.toString().startsWith("replayed 2000 events into 3 model(s)"), out.toString());
        assertEquals(2, run("replay", "--input", "examples/clicks.jsonl", "--feature-spec", spec.toString(),
                "--label", "clicked", "--output", output.toString()));
        assertTrue(err.toString().contains("--label, --key-column and --dense do not go with a feature spec"),
                err.toString());
    }
}
