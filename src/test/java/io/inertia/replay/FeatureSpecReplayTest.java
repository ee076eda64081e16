package io.inertia.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inertia.config.InertiaConfig;
import io.inertia.io.EventFile;
import io.inertia.io.InputFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replay of a file of users' own records through a feature spec learns exactly what a replay of the same events,
 * converted by hand into Inertia's own JSON events, learns: the same snapshot records, byte for byte.
 */
class FeatureSpecReplayTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path spec(String yaml) throws Exception {
        return Files.writeString(dir.resolve("spec.yaml"), yaml);
    }

    private static Map<String, String> settings(Path spec) {
        return Map.of("inertia.feature-spec", spec.toString(), "inertia.loss", "logistic",
                "inertia.learning-rate", "0.05", "inertia.snapshot-every", "50", "inertia.hash-bits", "12");
    }

    @Test
    void shouldLearnFromUsersRecordsWhatItLearnsFromTheSameEventsWrittenByHand() throws Exception {
        Path spec = spec("""
                model-key: {field: ad.campaign}
                label: {field: clicked}
                event-id: {field: id}
                numeric: [{field: ad.price, transform: log1p}]
                categorical: [user.country, ad.id]
                crosses: [[user.country, ad.id]]
                """);
        List<String> lines = Files.readAllLines(Path.of("examples/clicks.jsonl")).subList(0, 400);
        Path records = Files.createDirectories(dir.resolve("records")).resolve("clicks.jsonl");
        Files.write(records, lines);
        // The same events as Inertia's own JSON lines, converted here field by field, in a file of the same name so
        // that both replays report the same input positions.
        List<String> events = new ArrayList<>();
        for (String line : lines) {
            JsonNode click = JSON.readTree(line);
            String country = click.get("user").get("country").asText();
            String ad = click.get("ad").get("id").asText();
            ObjectNode event = JSON.createObjectNode();
            event.put("key", click.get("ad").get("campaign").asText());
            ObjectNode features = event.putObject("features");
            features.put("ad.price", Math.log1p(click.get("ad").get("price").asDouble()));
            features.put("user.country=" + country, 1.0);
            features.put("ad.id=" + ad, 1.0);
            features.put("user.country=" + country + "^ad.id=" + ad, 1.0);
            event.put("label", click.get("clicked").asBoolean() ? 1.0 : 0.0);
            event.put("id", click.get("id").asText());
            events.add(JSON.writeValueAsString(event));
        }
        Path converted = Files.createDirectories(dir.resolve("events")).resolve("clicks.jsonl");
        Files.write(converted, events);

        Path fromRecords = dir.resolve("from-records.avro");
        Path fromEvents = dir.resolve("from-events.avro");
        Replay.Summary summary = Replay.run(new Replay.Request(records, new EventFile.Layout(null, null, null), 2,
                fromRecords, InertiaConfig.of(settings(spec))));
        Map<String, String> plain = new java.util.HashMap<>(settings(spec));
        plain.remove("inertia.feature-spec");
        Replay.run(new Replay.Request(converted, new EventFile.Layout("label", null, null), 2, fromEvents,
                InertiaConfig.of(plain)));
        assertEquals(800, summary.events());
        assertEquals(3, summary.models(), "one model per campaign");
        assertArrayEquals(Files.readAllBytes(fromEvents), Files.readAllBytes(fromRecords));
    }

    private static final String STANDARDIZING = """
            model-key: {field: ad.campaign}
            label: {field: clicked}
            event-id: {field: id}
            numeric: [{field: ad.price, transform: standardize}]
            categorical: [user.country, ad.id]
            crosses: [[user.country, ad.id]]
            """;

    @Test
    void shouldStandardizeEachCampaignsPricesWithTheStatisticsOfItsEarlierClicks() throws Exception {
        Path spec = spec(STANDARDIZING);
        List<String> lines = Files.readAllLines(Path.of("examples/clicks.jsonl")).subList(0, 400);
        Path records = Files.createDirectories(dir.resolve("records")).resolve("clicks.jsonl");
        Files.write(records, lines);
        // The same events written by hand, each price scaled with the mean and population standard deviation of its
        // campaign's earlier prices, computed here the textbook way (two passes over the list), not Welford's.
        Map<String, List<Double>> earlier = new java.util.HashMap<>();
        List<String> events = new ArrayList<>();
        for (String line : lines) {
            JsonNode click = JSON.readTree(line);
            String campaign = click.get("ad").get("campaign").asText();
            String country = click.get("user").get("country").asText();
            String ad = click.get("ad").get("id").asText();
            double price = click.get("ad").get("price").asDouble();
            List<Double> before = earlier.computeIfAbsent(campaign, key -> new ArrayList<>());
            double mean = before.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            double sd = Math.sqrt(before.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum()
                    / Math.max(1, before.size()));
            before.add(price);
            ObjectNode event = JSON.createObjectNode();
            event.put("key", campaign);
            ObjectNode features = event.putObject("features");
            features.put("ad.price", sd > 0 ? (price - mean) / sd : price - mean);
            features.put("user.country=" + country, 1.0);
            features.put("ad.id=" + ad, 1.0);
            features.put("user.country=" + country + "^ad.id=" + ad, 1.0);
            event.put("label", click.get("clicked").asBoolean() ? 1.0 : 0.0);
            event.put("id", click.get("id").asText());
            events.add(JSON.writeValueAsString(event));
        }
        Path converted = Files.createDirectories(dir.resolve("events")).resolve("clicks.jsonl");
        Files.write(converted, events);

        Path fromRecords = dir.resolve("from-records.jsonl");
        Path fromEvents = dir.resolve("from-events.jsonl");
        Replay.run(new Replay.Request(records, new EventFile.Layout(null, null, null), 1, fromRecords,
                InertiaConfig.of(settings(spec))), new Replay.Extras(dir.resolve("p-records.jsonl"), null));
        Map<String, String> plain = new java.util.HashMap<>(settings(spec));
        plain.remove("inertia.feature-spec");
        Replay.run(new Replay.Request(converted, new EventFile.Layout("label", null, null), 1, fromEvents,
                InertiaConfig.of(plain)), new Replay.Extras(dir.resolve("p-events.jsonl"), null));

        List<String> byRecords = Files.readAllLines(dir.resolve("p-records.jsonl"));
        List<String> byEvents = Files.readAllLines(dir.resolve("p-events.jsonl"));
        assertEquals(400, byRecords.size());
        assertEquals(byEvents.size(), byRecords.size());
        for (int i = 0; i < byRecords.size(); i++) {
            // Welford's mean and the two-pass one differ in the last bits only.
            assertEquals(JSON.readTree(byEvents.get(i)).get("prediction").asDouble(),
                    JSON.readTree(byRecords.get(i)).get("prediction").asDouble(), 1e-9, "prediction " + i);
        }
        Map<String, JsonNode> last = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(fromRecords)) {
            JsonNode snapshot = JSON.readTree(line);
            last.put(snapshot.get("modelKey").asText(), snapshot);
        }
        assertEquals(earlier.keySet(), last.keySet());
        for (Map.Entry<String, List<Double>> campaign : earlier.entrySet()) {
            List<Double> prices = campaign.getValue();
            double mean = prices.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double m2 = prices.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum();
            JsonNode scaler = last.get(campaign.getKey()).get("scalers").get("ad.price");
            assertEquals(prices.size(), scaler.get("count").asLong());
            assertEquals(mean, scaler.get("mean").asDouble(), 1e-12);
            assertEquals(m2, scaler.get("m2").asDouble(), 1e-9);
        }
    }

    @Test
    void shouldWarmStartStandardizingModelsFromTheirJsonLinesAsIfNeverStopped() throws Exception {
        Path spec = spec(STANDARDIZING);
        List<String> lines = Files.readAllLines(Path.of("examples/clicks.jsonl")).subList(0, 400);
        // The same name in two folders: a file's records are at positions of "file:clicks.jsonl" in both.
        Path firstHalf = Files.createDirectories(dir.resolve("first")).resolve("clicks.jsonl");
        Files.write(firstHalf, lines.subList(0, 200));
        Path whole = Files.createDirectories(dir.resolve("whole")).resolve("clicks.jsonl");
        Files.write(whole, lines);
        // Plain SGD: no optimizer state brought up to date at the first half's end (momentum's catch-up there would
        // differ from the uninterrupted replay's in the last bits, whatever the scalers).
        Map<String, String> settings = new java.util.HashMap<>(settings(spec));
        settings.put("inertia.optimizer", "sgd");
        InertiaConfig config = InertiaConfig.of(settings);
        EventFile.Layout layout = new EventFile.Layout(null, null, null);

        Path uninterrupted = dir.resolve("uninterrupted.avro");
        Replay.run(new Replay.Request(whole, layout, 1, uninterrupted, config));
        Path saved = dir.resolve("saved.jsonl");
        Replay.run(new Replay.Request(firstHalf, layout, 1, saved, config));
        InitialModels initial = InitialModels.fromFile(saved);
        assertEquals(3, initial.size());
        for (var model : initial.snapshots()) {
            assertEquals(1, model.header().getScalers().size(), model.header().getModelKey() + " read back");
        }
        Path warm = dir.resolve("warm.avro");
        Replay.Summary summary = Replay.run(new Replay.Request(whole, layout, 1, warm, config), Replay.Extras.none(),
                initial);
        assertEquals(200, summary.skipped());
        Map<String, io.inertia.avro.ModelSnapshot> expected = lastSnapshots(uninterrupted);
        Map<String, io.inertia.avro.ModelSnapshot> actual = lastSnapshots(warm);
        assertEquals(expected.keySet(), actual.keySet());
        for (String key : expected.keySet()) {
            assertEquals(expected.get(key).getScalers(), actual.get(key).getScalers(), key);
            assertEquals(expected.get(key), actual.get(key), key + ": the same model, scalers and all");
        }
    }

    private static Map<String, io.inertia.avro.ModelSnapshot> lastSnapshots(Path file) {
        Map<String, io.inertia.avro.ModelSnapshot> last = new java.util.TreeMap<>();
        SnapshotFile.read(file, true, record -> {
            if (record instanceof io.inertia.avro.ModelSnapshot snapshot) {
                last.put(snapshot.getModelKey(), snapshot);
            }
        });
        return last;
    }

    @Test
    void shouldStopAtARecordWithoutALabelNamingItsLine() throws Exception {
        Path spec = spec("""
                model-key: {constant: all}
                label: clicked
                categorical: [ad.id]
                """);
        Path records = Files.writeString(dir.resolve("bad.jsonl"), """
                {"ad": {"id": "a1"}, "clicked": true}

                {"ad": {"id": "a2"}}
                """);
        InputFileException e = assertThrows(InputFileException.class, () -> Replay.run(new Replay.Request(records,
                new EventFile.Layout(null, null, null), 1, dir.resolve("out.jsonl"), InertiaConfig.of(
                        Map.of("inertia.feature-spec", spec.toString())))));
        assertEquals(records + ":3: label field 'clicked' is missing", e.getMessage());
    }

    @Test
    void shouldWantAModelKeyForRecordsThatHaveNoKeyOfTheirOwn() throws Exception {
        Path spec = spec("label: clicked\ncategorical: [ad.id]\n");
        Path records = Files.writeString(dir.resolve("r.jsonl"), "{\"ad\": {\"id\": \"a1\"}, \"clicked\": 1}\n");
        InertiaConfig config = InertiaConfig.of(Map.of("inertia.feature-spec", spec.toString()));
        InputFileException e = assertThrows(InputFileException.class, () -> Replay.run(new Replay.Request(records,
                new EventFile.Layout(null, null, null), 1, dir.resolve("out.jsonl"), config)));
        assertEquals(records + ": a file's records have no keys: with model-key: record-key give the model key "
                + "(--model-key KEY), or take it from a field or a constant in the spec", e.getMessage());
        Replay.Summary keyed = Replay.run(new Replay.Request(records, new EventFile.Layout(null, null, "m1"), 1,
                dir.resolve("out.jsonl"), config));
        assertEquals(1, keyed.events());
        assertEquals(1, keyed.models());
    }
}
