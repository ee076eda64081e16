package io.inertia.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.config.InertiaConfig.OnDivergence;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class OnDivergenceOptionTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void shouldSetTheOnDivergenceSettingAboveAProperty() {
        LearnerOptions options = new LearnerOptions();
        new CommandLine(options).parseArgs("--property", "inertia.on-divergence=dead-letter", "--on-divergence",
                "halt");
        assertEquals(OnDivergence.HALT, options.config(Map.of()).onDivergence());
        assertEquals(OnDivergence.DEAD_LETTER, new LearnerOptions().config(Map.of()).onDivergence());
    }

    @Test
    void shouldRefuseAnUnknownActionWithExitCodeTwo() throws Exception {
        Path input = write("x,y\n2.0,1.0\n");
        int status = run("replay", "--input", input.toString(), "--label", "y", "--output",
                dir.resolve("out.jsonl").toString(), "--on-divergence", "explode");
        assertEquals(2, status);
        assertEquals(List.of("inertia replay: inertia.on-divergence: unknown value 'explode', expected one of "
                + "dead-letter, halt"), err.toString().lines().filter(line -> !line.isBlank()).toList());
    }

    @Test
    void shouldStopAReplayAtTheLineWhoseUpdateDivergesInsteadOfWritingInfinities() throws Exception {
        // η = 1e200, β = 0.9, x = 1, y = 1: the first row gives w = b = 1e200, the second overflows (z = 2e200).
        Path input = write("x,y\n1.0,1.0\n1.0,1.0\n");
        Path output = dir.resolve("out.jsonl");
        int status = run("replay", "--input", input.toString(), "--label", "y", "--output", output.toString(),
                "--learning-rate", "1e200", "--momentum", "0.9", "--on-divergence", "halt");
        assertEquals(1, status);
        List<String> lines = err.toString().lines().filter(line -> !line.isBlank()).toList();
        assertEquals(1, lines.size(), err.toString());
        assertTrue(lines.get(0).startsWith("inertia replay: " + input + ":3: update would make weight 'x' "
                + "non-finite (divergence); model left unchanged"), lines.get(0));
        assertFalse(Files.exists(output));
    }

    private Path write(String csv) throws Exception {
        Path input = dir.resolve("in.csv");
        Files.writeString(input, csv, StandardCharsets.UTF_8);
        return input;
    }

    private int run(String... args) {
        try (PrintWriter outWriter = new PrintWriter(out, true); PrintWriter errWriter = new PrintWriter(err, true)) {
            return InertiaCommand.execute(outWriter, errWriter, args);
        }
    }
}
