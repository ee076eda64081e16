package io.inertia.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.cli.InertiaCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The click stream's statistics, checked against what its own truth file says the model is: the click
 * probabilities are recomputed here from the written features and weights, not taken from the generator.
 */
class ClickStreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Stream(List<JsonNode> events, List<JsonNode> outcomes, JsonNode truth) {
    }

    private Stream generate(ClickStream.Spec spec, String name) throws Exception {
        Path events = dir.resolve(name + "-events.jsonl");
        Path outcomes = dir.resolve(name + "-outcomes.jsonl");
        Path truth = dir.resolve(name + "-truth.json");
        ClickStream.write(spec, events, outcomes, truth);
        List<JsonNode> eventLines = new ArrayList<>();
        for (String line : Files.readAllLines(events)) {
            eventLines.add(JSON.readTree(line));
        }
        List<JsonNode> outcomeLines = new ArrayList<>();
        for (String line : Files.readAllLines(outcomes)) {
            outcomeLines.add(JSON.readTree(line));
        }
        return new Stream(eventLines, outcomeLines, JSON.readTree(truth.toFile()));
    }

    private static ClickStream.Spec spec(long seed) {
        return new ClickStream.Spec(60_000, 2, 3, 100, 0.03, 20_000, 60_000, 0.02, 0.01,
                java.time.Instant.parse("2026-01-01T00:00:00Z").toEpochMilli(), seed);
    }

    @Test
    void shouldWriteTheSameBytesForTheSameSeedAndOthersForAnother() throws Exception {
        generate(spec(7), "a");
        generate(spec(7), "b");
        generate(spec(8), "c");
        for (String file : List.of("events.jsonl", "outcomes.jsonl", "truth.json")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a-" + file)), Files.readAllBytes(dir.resolve("b-" + file)),
                    file);
            assertFalse(java.util.Arrays.equals(Files.readAllBytes(dir.resolve("a-" + file)),
                    Files.readAllBytes(dir.resolve("c-" + file))), file);
        }
    }

    @Test
    void shouldClickAsTheTrueLogisticModelSaysWithExponentialDelaysDuplicatesAndUnknownIds() throws Exception {
        ClickStream.Spec spec = spec(42);
        Stream stream = generate(spec, "s");
        assertEquals(spec.events(), stream.events().size());

        Map<String, JsonNode> events = new HashMap<>();
        double expectedClicks = 0;
        double clickVariance = 0;
        long previous = Long.MIN_VALUE;
        for (JsonNode event : stream.events()) {
            long time = event.get("timestamp").asLong();
            assertTrue(time >= previous, "events in time order");
            previous = time;
            events.put(event.get("id").asText(), event);
            JsonNode model = stream.truth().get("models").get(event.get("key").asText());
            double z = model.get("bias").asDouble();
            for (var feature : event.get("features").properties()) {
                z += model.get("weights").get(feature.getKey()).asDouble() * feature.getValue().asDouble();
            }
            double p = 1 / (1 + Math.exp(-z));
            expectedClicks += p;
            clickVariance += p * (1 - p);
        }
        long span = stream.events().get(stream.events().size() - 1).get("timestamp").asLong()
                - stream.events().get(0).get("timestamp").asLong();
        double meanGap = (double) span / (spec.events() - 1);
        assertEquals(10.0, meanGap, 4 * 10.0 / Math.sqrt(spec.events()), "100 events per second");

        Map<String, List<Long>> clicksById = new HashMap<>();
        long unknown = 0;
        previous = Long.MIN_VALUE;
        for (JsonNode outcome : stream.outcomes()) {
            long time = outcome.get("timestamp").asLong();
            assertTrue(time >= previous, "outcomes in time order");
            previous = time;
            assertEquals(1, outcome.get("label").asInt(), "a click");
            String id = outcome.get("id").asText();
            if (id.startsWith("unknown-")) {
                unknown++;
                assertFalse(events.containsKey(id));
                continue;
            }
            JsonNode event = events.get(id);
            assertEquals(event.get("key").asText(), outcome.get("key").asText(), "keyed like its event");
            clicksById.computeIfAbsent(id, k -> new ArrayList<>()).add(time - event.get("timestamp").asLong());
        }
        long clicks = clicksById.size();
        double rate = (double) clicks / spec.events();
        assertTrue(rate > 0.01 && rate < 0.06, "a few percent clicked: " + rate);
        assertEquals(expectedClicks, clicks, 4 * Math.sqrt(clickVariance),
                "clicked as σ(w·x + b) of the written features and weights says");

        double delaySum = 0;
        long late = 0;
        long twice = 0;
        for (List<Long> delays : clicksById.values()) {
            assertTrue(delays.size() <= 2);
            delaySum += delays.get(0);
            late += delays.get(0) > spec.windowMs() ? 1 : 0;
            twice += delays.size() == 2 ? 1 : 0;
        }
        assertEquals(spec.meanDelayMs(), delaySum / clicks, 4 * spec.meanDelayMs() / Math.sqrt(clicks),
                "exponential delays of the mean asked for");
        double lateFraction = Math.exp(-(double) spec.windowMs() / spec.meanDelayMs());
        assertEquals(lateFraction * clicks, late, 4 * Math.sqrt(clicks * lateFraction * (1 - lateFraction)) + 1,
                "e^(−W/mean) of the clicks after the window");
        assertTrue(late > 0, "some clicks come after the window");
        assertEquals(spec.duplicates() * clicks, twice, 4 * Math.sqrt(clicks * spec.duplicates()) + 1);
        assertTrue(twice > 0, "some clicks sent twice");
        assertEquals(Math.round(spec.unknown() * clicks), unknown);

        JsonNode truth = stream.truth();
        assertEquals(clicks, truth.get("clicks").asLong());
        assertEquals(late, truth.get("clicksAfterWindow").asLong());
        assertEquals(twice, truth.get("duplicatedClicks").asLong());
        assertEquals(unknown, truth.get("unknownOutcomes").asLong());
    }

    @Test
    void shouldWriteAClickStreamFromTheCommandLineAndRefuseOutcomesWithoutClicks() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = InertiaCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), "generate",
                "--clicks", "--events", "2000", "--output", dir.resolve("e.jsonl").toString(), "--outcomes",
                dir.resolve("o.jsonl").toString(), "--truth", dir.resolve("t.json").toString());
        assertEquals(0, status, err.toString());
        assertEquals(2000, Files.readAllLines(dir.resolve("e.jsonl")).size());
        assertTrue(out.toString().startsWith("wrote 2000 events for 3 models to "), out.toString());

        StringWriter refused = new StringWriter();
        assertEquals(2, InertiaCommand.execute(new PrintWriter(new StringWriter(), true),
                new PrintWriter(refused, true), "generate", "--output", dir.resolve("x.csv").toString(),
                "--outcomes", dir.resolve("x.jsonl").toString(), "--truth", dir.resolve("y.json").toString()));
        assertTrue(refused.toString().startsWith("inertia generate: --outcomes needs --clicks"), refused.toString());
    }
}
