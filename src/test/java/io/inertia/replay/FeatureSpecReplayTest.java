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
