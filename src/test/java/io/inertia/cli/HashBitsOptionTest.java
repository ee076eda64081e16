package io.inertia.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --hash-bits} sets {@code inertia.hash-bits}. */
class HashBitsOptionTest {

    @TempDir
    Path dir;

    private Path input;
    private Path output;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void writeInput() throws Exception {
        // The worked example of golden/README.md (x = 2, y = 1, three times) under the feature name "banana", which
        // MurmurHash3 puts in bucket #15 of 16 with sign −1 (src/test/resources/feature-hashing/murmur3_reference.py).
        input = dir.resolve("banana.csv");
        Files.writeString(input, "banana,y\n2.0,1.0\n2.0,1.0\n2.0,1.0\n", StandardCharsets.UTF_8);
        output = dir.resolve("snapshots.jsonl");
    }

    @Test
    void shouldLearnHashedFeaturesWithTheHashBitsOption() throws Exception {
        int status = run("replay", "--input", input.toString(), "--label", "y", "--output", output.toString(),
                "--learning-rate", "0.1", "--momentum", "0.9", "--hash-bits", "4");

        assertEquals(0, status, err.toString());
        JsonNode last = new ObjectMapper().readTree(Files.readAllLines(output, StandardCharsets.UTF_8).get(0));
        // The model sees x' = −2 where the worked example has x = 2, so with u = −w' every step is the worked
        // example's, which ends at w = 0.692, b = 0.346: here w' = −0.692 and b = 0.346.
        assertEquals(List.of("#15"), fieldNames(last.get("weights")));
        assertEquals(-0.692, last.get("weights").get("#15").asDouble(), 1e-12);
        assertEquals(0.346, last.get("bias").asDouble(), 1e-12);
    }

    @Test
    void shouldRefuseThirtyOneHashBitsWithExitCodeTwo() {
        int status = run("replay", "--input", input.toString(), "--label", "y", "--output", output.toString(),
                "--hash-bits", "31");

        assertEquals(2, status);
        assertEquals(List.of("inertia replay: inertia.hash-bits: must be between 0 and 30, got 31"),
                err.toString().lines().filter(line -> !line.isBlank()).toList());
        assertFalse(Files.exists(output));
    }

    private int run(String... args) {
        try (PrintWriter outWriter = new PrintWriter(out, true); PrintWriter errWriter = new PrintWriter(err, true)) {
            return InertiaCommand.execute(outWriter, errWriter, args);
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
