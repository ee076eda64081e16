package io.inertia.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {

    @TempDir
    Path dir;

    @Test
    void shouldSplitQuotedFieldsWithCommasDoubledQuotesAndLineBreaks() throws Exception {
        List<String> records = read("a,\"b,c\",\"say \"\"hi\"\"\"\n\"two\nlines\",\"\",x\n");
        // The second record spans lines 2 and 3: its line is its last.
        assertEquals(List.of("1:[a|b,c|say \"hi\"]", "3:[two\nlines||x]"), records);
    }

    @Test
    void shouldCountEveryKindOfLineBreakOnceAndSkipEmptyLines() throws Exception {
        // Lines: 1 "a" CRLF, 2 empty CRLF, 3 "b" CR, 4 empty CR, 5 "c" LF, 6 "d" (no line break at the end).
        assertEquals(List.of("1:[a]", "3:[b]", "5:[c]", "6:[d]"), read("a\r\n\r\nb\r\rc\nd"));
        // A quoted CRLF is kept as it is and counts as one line break.
        assertEquals(List.of("2:[x\r\ny|z]", "3:[w]"), read("\"x\r\ny\",z\r\nw\r\n"));
        assertEquals(List.of(), read("\n\r\n\r"));
    }

    @Test
    void shouldTrimFieldsAndReadAQuoteInsideAnUnquotedFieldAsText() throws Exception {
        // Trimmed as String.trim does, quoted or not; a closing quote may be followed by whitespace only.
        assertEquals(List.of("1:[a|b|c|d\"e|\"f\"]"), read(" a ,\tb\t,\"  c \" ,d\"e, \"f\"\n"));
        // Only spaces: one empty field, not an empty line.
        assertEquals(List.of("1:[]", "2:[|]"), read("   \n,\n"));
    }

    @Test
    void shouldEndARecordWithAnEmptyFieldAfterATrailingComma() throws Exception {
        assertEquals(List.of("1:[a|]", "2:[b|]"), read("a,\nb,"));
    }

    @Test
    void shouldNameTheLineWhereAQuotedFieldIsNotClosed() throws Exception {
        // The quote opens on line 2; the file ends on line 3.
        CsvReader.MalformedException e = assertThrows(CsvReader.MalformedException.class,
                () -> read("a\n\"b\nc,d\n"));
        assertEquals(3, e.line);
        assertEquals("(startline 2) EOF reached before encapsulated token finished", e.getMessage());
    }

    @Test
    void shouldRefuseTextAfterAClosingQuoteNamingItsLineAndPosition() throws Exception {
        // "é" is one character (two bytes); the 'x' is the 8th character: a , é LF " 1 " x
        CsvReader.MalformedException e = assertThrows(CsvReader.MalformedException.class,
                () -> read("a,é\n\"1\"x,2\n"));
        assertEquals(2, e.line);
        assertEquals("Invalid character between encapsulated token and delimiter at line: 2, position: 8",
                e.getMessage());
    }

    @Test
    void shouldNameTheLineOfBytesThatAreNotUtf8() throws Exception {
        Path file = dir.resolve("latin1.csv");
        Files.write(file, "a,b\nc,d\n\"e\n\",\u00ff\n".getBytes(StandardCharsets.ISO_8859_1));
        try (CsvReader reader = new CsvReader(file)) {
            reader.next();
            reader.next();
            CsvReader.MalformedException e = assertThrows(CsvReader.MalformedException.class, reader::next);
            assertEquals(4, e.line);
            assertEquals("Input length = 1", e.getMessage());
        }
    }

    @Test
    void shouldReadTheSameRecordsWhateverTheBufferSize() throws Exception {
        SplittableRandom random = new SplittableRandom(5);
        String[] pieces = {"1.5", "-2e3", "\"q,\"", "\"a\"\"b\"", "\"x\r\ny\"", "é", "€", "𝛽", " ", ""};
        String[] ends = {"\n", "\r\n", "\r", "\n\n", "\r\n\r\n"};
        for (int n = 0; n < 200; n++) {
            StringBuilder text = new StringBuilder();
            for (int row = 0; row < 30; row++) {
                int fields = 1 + random.nextInt(5);
                for (int i = 0; i < fields; i++) {
                    text.append(i > 0 ? "," : "").append(pieces[random.nextInt(pieces.length)]);
                }
                text.append(ends[random.nextInt(ends.length)]);
            }
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            List<String> whole = read(bytes, 1 << 20);
            for (int size : new int[] {16, 17, 31, 64}) {
                assertEquals(whole, read(bytes, size), "buffer of " + size + " for " + text);
            }
        }
    }

    @Test
    void shouldFindEveryFieldEndAndEveryNonAsciiByteWhereverItIsInAWord() throws Exception {
        // The reader scans eight bytes at a time: fields of every length, ended by each separator, with "é" or an
        // invalid byte at every place, across the end of the buffer too.
        for (int length = 1; length <= 40; length++) {
            String plain = "0123456789".repeat(4).substring(0, length);
            for (String end : new String[] {",z\n", "\n", "\r\n", "\r", ""}) {
                assertEquals(List.of("1:[" + plain + (end.startsWith(",") ? "|z]" : "]")),
                        read((plain + end).getBytes(StandardCharsets.UTF_8), 16 + length % 5));
            }
            for (int at = 0; at < length; at++) {
                String accented = plain.substring(0, at) + "é" + plain.substring(at + 1);
                assertEquals(List.of("1:[" + accented + "|z]"),
                        read((accented + ",z\n").getBytes(StandardCharsets.UTF_8), 1 << 10));
                byte[] invalid = (plain + ",z\n").getBytes(StandardCharsets.UTF_8);
                invalid[at] = (byte) 0xFF;
                CsvReader.MalformedException e = assertThrows(CsvReader.MalformedException.class,
                        () -> read(invalid, 1 << 10), "invalid byte at " + at + " of " + length);
                assertEquals(1, e.line);
            }
        }
    }

    private List<String> read(String text) throws Exception {
        return read(text.getBytes(StandardCharsets.UTF_8), 1 << 16);
    }

    /** Each record as "line:[field|field|…]". */
    private List<String> read(byte[] bytes, int bufferSize) throws Exception {
        Path file = dir.resolve("records.csv");
        Files.write(file, bytes);
        List<String> records = new ArrayList<>();
        try (CsvReader reader = new CsvReader(file, new ByteArrayInputStream(bytes), bufferSize)) {
            while (reader.next()) {
                List<String> fields = new ArrayList<>();
                for (int i = 0; i < reader.size(); i++) {
                    fields.add(reader.string(i));
                }
                records.add(reader.line() + ":[" + String.join("|", fields) + "]");
            }
        }
        return records;
    }
}
