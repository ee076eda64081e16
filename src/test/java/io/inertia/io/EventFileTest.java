package io.inertia.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventFileTest {

    private static final EventFile.Layout KEYED = new EventFile.Layout("y", "model", "unused");
    private static final EventFile.Layout UNKEYED = new EventFile.Layout("y", null, "default");

    @TempDir
    Path dir;

    @Test
    void shouldReadCsvRowsAsEventsWithNamedFeaturesLabelAndKeyColumn() throws Exception {
        Path file = write("events.csv", """
                model,x1,x2,y
                alpha,1.5,-2,3.25
                beta, 0.0 ,1e-3,-1
                """);
        List<EventFile.Row> rows = readAll(file, KEYED);
        assertEquals(2, rows.size());

        assertEquals(2, rows.get(0).line());
        LabeledEvent first = rows.get(0).event();
        assertEquals("alpha", first.getModelKey());
        assertEquals(Map.of("x1", 1.5, "x2", -2.0), first.getNamedFeatures());
        assertEquals(3.25, first.getLabel());
        assertEquals(1.0, first.getWeight());
        assertNull(first.getDenseFeatures());
        assertNull(first.getEventId());

        assertEquals(3, rows.get(1).line());
        LabeledEvent second = rows.get(1).event();
        assertEquals("beta", second.getModelKey());
        assertEquals(Map.of("x1", 0.0, "x2", 0.001), second.getNamedFeatures()); // cells are trimmed
        assertEquals(-1.0, second.getLabel());
    }

    @Test
    void shouldTakeEachJsonLinesModelKeyFromItsKeyFieldWhenNoKeyIsGiven() throws Exception {
        Path file = write("keyed.jsonl", """
                {"key": "k1", "features": {"a": 1.5}, "label": 2.0}
                {"features": {"a": 0.5}, "label": 1.0}
                """);
        List<EventFile.Row> rows = readAll(file, new EventFile.Layout("label", null, null));
        assertEquals("k1", rows.get(0).event().getModelKey());
        assertEquals(EventFile.DEFAULT_MODEL_KEY, rows.get(1).event().getModelKey());
        assertEquals(Map.of("a", 1.5), rows.get(0).event().getNamedFeatures());
        // A key given on the command line wins over the field.
        assertEquals("fixed", readAll(file, new EventFile.Layout("label", null, "fixed")).get(0).event().getModelKey());
    }

    @Test
    void shouldUseTheLayoutModelKeyWithoutAKeyColumn() throws Exception {
        Path file = write("plain.csv", "x,y\n2.0,1.0\n");
        List<EventFile.Row> rows = readAll(file, UNKEYED);
        assertEquals(1, rows.size());
        assertEquals("default", rows.get(0).event().getModelKey());
        assertEquals(Map.of("x", 2.0), rows.get(0).event().getNamedFeatures());
    }

    @Test
    void shouldReadExactlyTheDoublesWrittenInTheFile() throws Exception {
        // The golden inputs are written with Python repr(); parsing must give back the very same double.
        Path file = write("exact.csv", "x,y\n-0.2558802884476004,0.1\n");
        LabeledEvent event = readAll(file, UNKEYED).get(0).event();
        assertEquals(Double.doubleToLongBits(-0.2558802884476004),
                Double.doubleToLongBits(event.getNamedFeatures().get("x")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "non-number    | x1,x2,y\\n1,2,3\\n1,abc,3\\n | 3 | column 'x2' is 'abc', not a number",
        "non-number y  | x1,x2,y\\n1,2,oops\\n       | 2 | column 'y' is 'oops', not a number",
        "too few       | x1,x2,y\\n1,2,3\\n4,5\\n     | 3 | has 2 fields but the header has 3",
        "too many      | x1,x2,y\\n1,2,3,4\\n         | 2 | has 4 fields but the header has 3",
        "empty cell    | x1,x2,y\\n1,2,3\\n1,,3\\n    | 3 | column 'x2' is empty",
        "blank cell    | x1,x2,y\\n1, ,3\\n           | 2 | column 'x2' is empty",
        "infinite      | x1,x2,y\\n1,Infinity,3\\n    | 2 | 'x2' is Infinity, not a finite number",
        "no label col  | x1,x2,z\\n1,2,3\\n           | 1 | no label column 'y' in header [x1, x2, z]",
        "only label    | y\\n1\\n                     | 1 | no feature columns besides the label",
        "blank lines   | x1,x2,y\\n1,2,3\\n\\n\\n1,x,3\\n | 5 | column 'x2' is 'x', not a number",
        "open quote    | x1,x2,y\\n1,2,3\\n\"1,2,3\\n    | 3 | unreadable row",
    })
    void shouldNameTheLineOfAMalformedCsvRow(String name, String content, long line, String reason) throws Exception {
        Path file = write("bad.csv", content.replace("\\n", "\n"));
        InputFileException e = assertThrows(InputFileException.class, () -> readAll(file, UNKEYED));
        assertTrue(e.getMessage().startsWith(file + ":" + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void shouldReadALabelGivenAsAClassNameInCsvAndJsonLines() throws Exception {
        EventFile.Layout named = UNKEYED.withClassNames(List.of("cat", "dog", "bird"));
        Path csv = write("classes.csv", "x,y\n1,dog\n2,bird\n3,0\n");
        List<EventFile.Row> rows = readAll(csv, named);
        assertEquals(List.of(1.0, 2.0, 0.0), rows.stream().map(row -> row.event().getLabel()).toList());
        Path jsonl = write("classes.jsonl", "{\"x\": 1, \"y\": \"cat\"}\n{\"x\": 2, \"y\": 2}\n");
        assertEquals(List.of(0.0, 2.0), readAll(jsonl, named).stream().map(row -> row.event().getLabel()).toList());

        Path unknownCsv = write("unknown.csv", "x,y\n1,dog\n2,fish\n");
        InputFileException csvError = assertThrows(InputFileException.class, () -> readAll(unknownCsv, named));
        assertEquals(unknownCsv + ":3: column 'y' is 'fish', not a class name (expected one of cat, dog, bird) or a "
                + "number", csvError.getMessage());
        Path unknownJson = write("unknown.jsonl", "{\"x\": 1, \"y\": \"fish\"}\n");
        InputFileException jsonError = assertThrows(InputFileException.class, () -> readAll(unknownJson, named));
        assertEquals(unknownJson + ":1: field 'y' is 'fish', not a class name (expected one of cat, dog, bird)",
                jsonError.getMessage());
        // Without class names, a name is no label.
        assertThrows(InputFileException.class, () -> readAll(csv, UNKEYED));
    }

    @Test
    void shouldNameTheLineOfAnEmptyModelKey() throws Exception {
        Path file = write("keys.csv", "model,x,y\na,1,2\n,1,2\n");
        InputFileException e = assertThrows(InputFileException.class, () -> readAll(file, KEYED));
        assertEquals(file + ":3: model key is empty", e.getMessage());
    }

    @Test
    void shouldRefuseAHeaderWithoutTheKeyColumn() throws Exception {
        Path file = write("nokey.csv", "x,y\n1,2\n");
        InputFileException e = assertThrows(InputFileException.class, () -> readAll(file, KEYED));
        assertTrue(e.getMessage().startsWith(file + ":1: no key column 'model'"), e.getMessage());
    }

    @Test
    void shouldReportAMissingFile() {
        Path missing = dir.resolve("absent.csv");
        InputFileException e = assertThrows(InputFileException.class, () -> EventFile.open(missing, UNKEYED));
        assertTrue(e.getMessage().startsWith(missing + ": cannot open"), e.getMessage());
    }

    @Test
    void shouldReadJsonLinesWithEveryFeatureForm() throws Exception {
        Path file = write("events.jsonl", """
                {"model": "m1", "y": 1.5, "features": {"a": 1, "b": -0.5}}
                {"model": "m2", "y": 0, "dense": [1.0, 2.5, -3], "weight": 0.25, "id": "event-2"}

                {"model": "m1", "y": -2, "x1": 4, "x2": 0.5, "note": "text is ignored", "ok": true, "id": 17}
                {"model": "m3", "y": 1, "features": {"c": 2}, "dense": [7]}
                """);
        List<EventFile.Row> rows = readAll(file, new EventFile.Layout("y", "model", "unused"));
        assertEquals(4, rows.size());

        LabeledEvent named = rows.get(0).event();
        assertEquals(1, rows.get(0).line());
        assertEquals("m1", named.getModelKey());
        assertEquals(1.5, named.getLabel());
        assertEquals(Map.of("a", 1.0, "b", -0.5), named.getNamedFeatures());
        assertNull(named.getDenseFeatures());
        assertEquals(1.0, named.getWeight());
        assertNull(named.getEventId());

        LabeledEvent dense = rows.get(1).event();
        assertEquals(2, rows.get(1).line());
        assertEquals("m2", dense.getModelKey());
        assertEquals(List.of(1.0, 2.5, -3.0), dense.getDenseFeatures());
        assertNull(dense.getNamedFeatures());
        assertEquals(0.25, dense.getWeight());
        assertEquals("event-2", dense.getEventId());

        LabeledEvent plain = rows.get(2).event();
        assertEquals(4, rows.get(2).line()); // the blank line 3 is skipped but counted
        assertEquals(-2.0, plain.getLabel());
        assertEquals(Map.of("x1", 4.0, "x2", 0.5), plain.getNamedFeatures());
        assertEquals("17", plain.getEventId());
        assertEquals(1.0, plain.getWeight());

        LabeledEvent both = rows.get(3).event();
        assertEquals(Map.of("c", 2.0), both.getNamedFeatures());
        assertEquals(List.of(7.0), both.getDenseFeatures());
    }

    @Test
    void shouldUseTheLayoutModelKeyForJsonLinesWithoutAKeyField() throws Exception {
        Path file = write("events.ndjson", "{\"y\": 1, \"x\": 2}\n");
        LabeledEvent event = readAll(file, UNKEYED).get(0).event();
        assertEquals("default", event.getModelKey());
        assertEquals(Map.of("x", 2.0), event.getNamedFeatures());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "not json        | {\"y\": 1, \"x\": 2}\\n\\n{not json\\n              | 3 | not valid JSON",
        "not an object   | [1, 2]\\n                                         | 1 | not a JSON object",
        "missing label   | {\"y\": 1, \"x\": 2}\\n{\"x\": 2}\\n                | 2 | field 'y' is missing or not a number",
        "text label      | {\"y\": \"1\", \"x\": 2}\\n                         | 1 | field 'y' is missing or not a number",
        "text feature    | {\"y\": 1, \"features\": {\"a\": \"one\"}}\\n      | 1 | 'a' is not a number",
        "features array  | {\"y\": 1, \"features\": [1]}\\n                 | 1 | field 'features' is not an object",
        "dense object    | {\"y\": 1, \"dense\": {\"a\": 1}}\\n             | 1 | field 'dense' is not an array",
        "dense text      | {\"y\": 1, \"dense\": [1, \"2\"]}\\n              | 1 | 'dense[1]' is not a number",
        "no features     | {\"y\": 1, \"name\": \"x\"}\\n                    | 1 | no features",
        "text weight     | {\"y\": 1, \"x\": 1, \"weight\": \"high\"}\\n      | 1 | 'weight' is not a number",
    })
    void shouldNameTheLineOfAMalformedJsonLine(String name, String content, long line, String reason)
            throws Exception {
        Path file = write("bad.jsonl", content.replace("\\n", "\n"));
        InputFileException e = assertThrows(InputFileException.class, () -> readAll(file, UNKEYED));
        assertTrue(e.getMessage().startsWith(file + ":" + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void shouldNameTheLineOfAMissingJsonKeyField() throws Exception {
        Path file = write("keys.jsonl", "{\"model\": \"a\", \"y\": 1, \"x\": 1}\n{\"y\": 1, \"x\": 1}\n");
        InputFileException e = assertThrows(InputFileException.class,
                () -> readAll(file, new EventFile.Layout("y", "model", "unused")));
        assertEquals(file + ":2: field 'model' is missing", e.getMessage());
    }

    @Test
    void shouldFillBatchesWithTheSerdesBytesOfTheEventsItReads() throws Exception {
        // Names needing UTF-8, out of name order and repeated (the last column counts), quoted cells, CRLF, a
        // quoted line break, empty lines, keys that change and repeat: each record is what the serde writes.
        StringBuilder csv = new StringBuilder("é,model,b,\"a,1\",x,y,x,€\r\n");
        java.util.SplittableRandom random = new java.util.SplittableRandom(9);
        String[] keys = {"m", "m", "modèle", "\"quoted, key\"", "m2"};
        for (int row = 0; row < 5_000; row++) {
            csv.append(random.nextGaussian()).append(',').append(keys[random.nextInt(keys.length)]);
            for (int i = 0; i < 6; i++) {
                csv.append(',').append(row % 50 == 0 ? "\" " + i + " \"" : Double.toString(random.nextGaussian()));
            }
            csv.append(row % 100 == 0 ? "\n\n" : row % 101 == 0 ? "\r\n" : "\n");
        }
        Path file = write("fill.csv", csv.toString());
        var serde = io.inertia.serde.InertiaSerdes.labeledEvent();
        List<EventFile.Row> rows = readAll(file, KEYED);
        assertEquals(5_000, rows.size());
        // In name order (UTF-16 code units), x once.
        assertEquals(List.of("a,1", "b", "x", "é", "€"),
                new ArrayList<>(rows.get(0).event().getNamedFeatures().keySet()));

        List<EventFile.Row> expected = new ArrayList<>(rows);
        try (EventFile events = EventFile.open(file, KEYED)) {
            int at = 0;
            boolean more = true;
            while (more) {
                EventBatch batch = new EventBatch(1 + at % 700);
                more = events.fill(batch);
                for (int i = 0; i < batch.size(); i++, at++) {
                    EventFile.Row row = expected.get(at);
                    assertEquals(row.line(), batch.line(i));
                    assertArrayEquals(row.event().getModelKey().getBytes(StandardCharsets.UTF_8), batch.key(i));
                    assertArrayEquals(serde.serialize("t", row.event()), batch.value(i), "row " + at);
                }
            }
            assertEquals(expected.size(), at);
        }
    }

    @Test
    void shouldFillBatchesOfJsonLinesWithTheSerdesBytes() throws Exception {
        Path file = write("fill.jsonl", """
                {"model": "m1", "y": 1.5, "features": {"b": 1, "a": -0.5}, "id": "é"}
                {"model": "m2", "y": 0, "dense": [1.0, 2.5], "weight": 0.25}
                """);
        var serde = io.inertia.serde.InertiaSerdes.labeledEvent();
        List<EventFile.Row> rows = readAll(file, KEYED);
        try (EventFile events = EventFile.open(file, KEYED)) {
            EventBatch batch = new EventBatch(10);
            assertFalse(events.fill(batch));
            assertEquals(2, batch.size());
            for (int i = 0; i < 2; i++) {
                assertEquals(rows.get(i).line(), batch.line(i));
                assertArrayEquals(serde.serialize("t", rows.get(i).event()), batch.value(i));
            }
        }
    }

    @Test
    void shouldKeepTheRowsBeforeAMalformedRowInTheBatch() throws Exception {
        Path file = write("bad-fill.csv", "x,y\n1,2\n\n3,4\n5,oops\n6,7\n");
        try (EventFile events = EventFile.open(file, UNKEYED)) {
            EventBatch batch = new EventBatch(10);
            InputFileException e = assertThrows(InputFileException.class, () -> events.fill(batch));
            assertEquals(file + ":5: column 'y' is 'oops', not a number", e.getMessage());
            assertEquals(2, batch.size());
            assertEquals(2, batch.line(0));
            assertEquals(4, batch.line(1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "quoted comma   | x,y\\n\"1,5\",2\\n               | 2 | column 'x' is '1,5', not a number",
        "after quote    | x,y\\n1,2\\n\"1\"x,2\\n         | 3 | unreadable row: Invalid character between encapsulated"
                + " token and delimiter at line: 3, position: 12",
        "quoted break   | x,y\\n\"1\\n\",2\\n1,2,3\\n        | 4 | has 3 fields but the header has 2",
        "header quote   | \"x,y\\n1,2\\n                | 1 | cannot read the header row: (startline 1) EOF reached",
        "missing name   | x,,y\\n1,2,3\\n                | 1 | cannot read the header row: A header name is missing in"
                + " [x, , y]",
        "no newline     | x,y\\n1,2\\n3                  | 3 | has 1 fields but the header has 2",
    })
    void shouldNameTheLineOfAMalformedCsvRecord(String name, String content, long line, String reason)
            throws Exception {
        Path file = write("bad.csv", content.replace("\\n", "\n"));
        InputFileException e = assertThrows(InputFileException.class, () -> readAll(file, UNKEYED));
        assertTrue(e.getMessage().startsWith(file + ":" + line + ": " + reason), e.getMessage());
    }

    @Test
    void shouldNameTheLineOfARowThatIsNotUtf8() throws Exception {
        Path file = dir.resolve("latin1.csv");
        Files.write(file, "x,y\n1,2\n1,\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        InputFileException e = assertThrows(InputFileException.class, () -> readAll(file, UNKEYED));
        assertEquals(file + ":3: unreadable row: Input length = 1", e.getMessage());
    }

    private Path write(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static List<EventFile.Row> readAll(Path file, EventFile.Layout layout) {
        List<EventFile.Row> rows = new ArrayList<>();
        try (EventFile events = EventFile.open(file, layout)) {
            while (events.hasNext()) {
                rows.add(events.next());
            }
        }
        return rows;
    }

    @Test
    void shouldReadEveryNumberAsDoubleParseDoubleDoes() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        List<String> texts = new ArrayList<>(List.of("0", "-0", "1", "1.5", " 2.25 ", "1e3", "1E-3", "-.5", "5.",
                "0x1p3", "0x1.8p1", "1d", "2f", "1e400", "1e-400", "4.9e-324", "2.2250738585072014E-308", "NaN",
                "Infinity", "-Infinity", "", " ", "abc", "1,5", "1.2.3", "--1", "1e", "0x", "١٢", "+7"));
        for (int i = 0; i < 20_000; i++) {
            double value = i % 2 == 0 ? Double.longBitsToDouble(random.nextLong()) : random.nextGaussian() * 1e6;
            texts.add(Double.toString(value));
            texts.add(String.format(java.util.Locale.ROOT, "%.17g", value));
        }
        for (String text : texts) {
            Double expected;
            try {
                expected = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                expected = null;
            }
            byte[] utf8 = ("  " + text + ",").getBytes(StandardCharsets.UTF_8);
            int length = utf8.length - 3;
            if (expected == null) {
                assertThrows(NumberFormatException.class, () -> EventFile.parseNumber(text), "'" + text + "'");
                assertThrows(NumberFormatException.class, () -> EventFile.parseNumber(utf8, 2, length),
                        "'" + text + "' in bytes");
            } else {
                assertEquals(Double.doubleToRawLongBits(expected),
                        Double.doubleToRawLongBits(EventFile.parseNumber(text)), "'" + text + "'");
                assertEquals(Double.doubleToRawLongBits(expected),
                        Double.doubleToRawLongBits(EventFile.parseNumber(utf8, 2, length)), "'" + text + "' in bytes");
            }
        }
    }

    @Test
    void shouldMakeTheFeatureColumnsADenseVectorInHeaderOrderWhenAskedTo() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("dense", ".csv");
        java.nio.file.Files.writeString(file, "b,y,a,model\n1.5,2,-3,m1\n0,1,4e2,m2\n");
        EventFile.Layout layout = new EventFile.Layout("y", "model", null, true);
        try (EventFile events = EventFile.open(file, layout)) {
            io.inertia.avro.LabeledEvent first = events.next().event();
            assertEquals(java.util.List.of(1.5, -3.0), first.getDenseFeatures(), "b then a, as in the header");
            assertEquals(null, first.getNamedFeatures());
            assertEquals(2.0, first.getLabel());
            assertEquals("m1", first.getModelKey());
            assertEquals(java.util.List.of(0.0, 400.0), events.next().event().getDenseFeatures());
        }
        // The batches of a replay hold exactly the bytes of those events.
        io.inertia.io.EventBatch batch = new io.inertia.io.EventBatch(8);
        try (EventFile events = EventFile.open(file, layout)) {
            events.fill(batch);
        }
        assertEquals(2, batch.size());
        assertArrayEquals(io.inertia.serde.InertiaSerdes.labeledEvent().serialize("t",
                io.inertia.avro.LabeledEvent.newBuilder().setModelKey("m2").setDenseFeatures(java.util.List.of(0.0,
                        400.0)).setLabel(1.0).build()), batch.value(1));
        java.nio.file.Files.delete(file);
    }
}
