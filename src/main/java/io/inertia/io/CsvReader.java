package io.inertia.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The records of a UTF-8 CSV file (RFC 4180), read straight from its bytes: fields separated by commas, records by
 * CR, LF or CRLF; a field in double quotes may hold commas, line breaks and doubled quotes. It reads as Apache
 * Commons CSV's default format did with trimming and empty lines ignored, which the files of earlier releases were
 * read with: every field is trimmed of characters up to U+0020, an empty line is skipped (but counted), a quote
 * inside an unquoted field is an ordinary character, and only whitespace may follow a closing quote. The line of a
 * record is its last line, counting every line break before it, quoted ones too.
 *
 * <p>Fields are handed out as ranges of bytes, valid until the next record, so that numbers are parsed without
 * building a string. Not thread-safe.
 */
final class CsvReader implements Closeable {

    /** A record that is not valid CSV or not UTF-8, on {@code line}, for {@code reason}. */
    static final class MalformedException extends RuntimeException {
        final long line;

        MalformedException(long line, String reason) {
            super(reason, null, false, false);
            this.line = line;
        }
    }

    private static final int INCOMPLETE = -1;
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long LOW_BITS = 0x0101_0101_0101_0101L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;
    private static final long COMMAS = LOW_BITS * ',';
    private static final long LINE_FEEDS = LOW_BITS * '\n';
    private static final long RETURNS = LOW_BITS * '\r';
    private static final byte QUOTE = '"';

    private final Path file;
    private final InputStream in;
    private byte[] buffer;
    /** The next unread byte, and the end of the bytes read. */
    private int position;
    private int limit;
    /** Whether the input has no more bytes beyond {@code limit}. */
    private boolean eof;
    /** Bytes dropped from the front of the buffer so far: buffer index + base = offset in the file. */
    private long base;
    /** Line breaks before {@code position}. */
    private long lines;

    private int fields;
    private int[] starts = new int[16];
    private int[] ends = new int[16];
    /** Per field: whether its bytes are in {@code unescaped} rather than the buffer. */
    private boolean[] inScratch = new boolean[16];
    /** Per field while reading: whether it has doubled quotes to undo. */
    private boolean[] escaped = new boolean[16];
    private byte[] unescaped = new byte[256];
    private long recordLine;
    /** While reading a record: its line breaks so far, and whether any byte is not ASCII. */
    private int breaks;
    private int high;

    /** Opens {@code file}. */
    CsvReader(Path file) throws IOException {
        this(file, Files.newInputStream(file), 1 << 16);
    }

    /** Reads {@code in}, the contents of {@code file}, with a buffer of {@code bufferSize} bytes to start with. */
    CsvReader(Path file, InputStream in, int bufferSize) {
        this.file = file;
        this.in = in;
        this.buffer = new byte[Math.max(16, bufferSize)];
    }

    /**
     * Reads the next record; false at the end of the file.
     *
     * @throws MalformedException for a record that is not valid CSV or not valid UTF-8
     * @throws IOException when the file cannot be read
     */
    boolean next() throws IOException {
        // Empty lines are skipped, not records (their line breaks still count).
        while (true) {
            if (position >= limit) {
                if (eof || !fill()) {
                    fields = 0;
                    return false;
                }
                continue;
            }
            byte b = buffer[position];
            if (b == '\n') {
                lines++;
                position++;
            } else if (b == '\r') {
                if (position + 1 >= limit && !eof) {
                    fill();
                    continue;
                }
                lines++;
                position++;
                if (position < limit && buffer[position] == '\n') {
                    position++;
                }
            } else {
                break;
            }
        }
        int end;
        while ((end = parse()) == INCOMPLETE) {
            fill();
        }
        if (high < 0) {
            requireUtf8(position, end);
        }
        lines += breaks;
        recordLine = lines;
        position = end;
        finish();
        return true;
    }

    /** The line of the current record (its last line, from 1). */
    long line() {
        return recordLine;
    }

    /** The current record's number of fields. */
    int size() {
        return fields;
    }

    /** The bytes that hold field {@code i} (see {@link #start} and {@link #end}), valid until the next record. */
    byte[] bytes(int i) {
        return inScratch[i] ? unescaped : buffer;
    }

    /** Where field {@code i} starts in {@link #bytes}, trimmed. */
    int start(int i) {
        return starts[i];
    }

    /** Where field {@code i} ends in {@link #bytes} (exclusive), trimmed. */
    int end(int i) {
        return ends[i];
    }

    /** Field {@code i} as text, trimmed. */
    String string(int i) {
        return new String(bytes(i), starts[i], ends[i] - starts[i], StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /**
     * Reads one record from {@code position}, which is not at a line break: the end of its terminator, or
     * {@link #INCOMPLETE} when the buffer ends before the record does and more input may follow.
     */
    private int parse() {
        fields = 0;
        breaks = 0;
        high = 0;
        byte[] buf = buffer;
        int at = position;
        while (true) {
            if (at >= limit) {
                if (!eof) {
                    return INCOMPLETE;
                }
                // After a comma, at the end of the file: an empty last field.
                add(at, at, false);
                return endOfFile(at);
            }
            if (buf[at] == QUOTE) {
                int start = at + 1;
                int breaksBefore = breaks;
                boolean doubled = false;
                at = start;
                while (true) {
                    if (at >= limit) {
                        if (!eof) {
                            return INCOMPLETE;
                        }
                        throw new MalformedException(lines + breaks + (endsWithBreak(at) ? 0 : 1),
                                String.format(Locale.ROOT, "(startline %,d) EOF reached before encapsulated token"
                                        + " finished", lines + breaksBefore + 1));
                    }
                    byte b = buf[at];
                    if (b == QUOTE) {
                        if (at + 1 >= limit && !eof) {
                            return INCOMPLETE;
                        }
                        if (at + 1 < limit && buf[at + 1] == QUOTE) {
                            doubled = true;
                            at += 2;
                            continue;
                        }
                        break;
                    }
                    if (b == '\r' || (b == '\n' && buf[at - 1] != '\r')) {
                        breaks++;
                    }
                    high |= b;
                    at++;
                }
                add(start, at, doubled);
                at++;
                // Only whitespace may follow the closing quote, up to the comma or the end of the line.
                while (true) {
                    if (at >= limit) {
                        if (!eof) {
                            return INCOMPLETE;
                        }
                        return endOfFile(at);
                    }
                    byte b = buf[at];
                    if (b == ',' || b == '\r' || b == '\n') {
                        break;
                    }
                    int width = whitespaceWidth(buf, at);
                    if (width == INCOMPLETE) {
                        return INCOMPLETE;
                    }
                    if (width == 0) {
                        throw new MalformedException(lines + breaks + 1, String.format(Locale.ROOT,
                                "Invalid character between encapsulated token and delimiter at line: %,d,"
                                        + " position: %,d", lines + breaks + 1, characterPosition(base + at)));
                    }
                    at += width;
                }
            } else {
                int start = at;
                // Eight bytes at a time: the lowest flagged byte of a word is the field's end. Near the end of
                // the buffer, byte by byte.
                long words = 0;
                boolean found = false;
                while (at <= limit - 8) {
                    long word = (long) LONG_LE.get(buf, at);
                    long stops = stops(word);
                    if (stops != 0) {
                        int before = Long.numberOfTrailingZeros(stops) >>> 3;
                        words |= word & ((1L << (before << 3)) - 1);
                        at += before;
                        found = true;
                        break;
                    }
                    words |= word;
                    at += 8;
                }
                if ((words & HIGH_BITS) != 0) {
                    high = -1;
                }
                while (!found && at < limit) {
                    byte b = buf[at];
                    if (b == ',' || b == '\n' || b == '\r') {
                        break;
                    }
                    high |= b;
                    at++;
                }
                if (at >= limit) {
                    if (!eof) {
                        return INCOMPLETE;
                    }
                    add(start, at, false);
                    return endOfFile(at);
                }
                add(start, at, false);
            }
            byte b = buf[at];
            if (b == ',') {
                at++;
                continue;
            }
            // A line break ends the record; CR LF is one.
            if (b == '\r') {
                if (at + 1 >= limit && !eof) {
                    return INCOMPLETE;
                }
                breaks++;
                at++;
                if (at < limit && buf[at] == '\n') {
                    at++;
                }
            } else {
                breaks++;
                at++;
            }
            return at;
        }
    }

    /**
     * The bytes of {@code word} that are a comma, CR or LF, flagged by their high bit (a byte of
     * {@code word ^ pattern} is zero where it matches); 0 when there is none.
     */
    private static long stops(long word) {
        return zeroBytes(word ^ COMMAS) | zeroBytes(word ^ LINE_FEEDS) | zeroBytes(word ^ RETURNS);
    }

    /**
     * The zero bytes of {@code x}, flagged by their high bit. A borrow may flag a byte above a zero byte too, never
     * one below: the lowest flag, all a scan needs, is always a zero byte.
     */
    private static long zeroBytes(long x) {
        return (x - LOW_BITS) & ~x & HIGH_BITS;
    }

    /** The end of the file ends the record and its line, which has content (counted as a line break is). */
    private int endOfFile(int at) {
        breaks++;
        return at;
    }

    /** Whether the byte before {@code at} (the end of the file) is a line break. */
    private boolean endsWithBreak(int at) {
        return at > 0 && (buffer[at - 1] == '\n' || buffer[at - 1] == '\r');
    }

    /**
     * The bytes of the whitespace character at {@code at} (as {@link Character#isWhitespace} says, a UTF-16 unit),
     * 0 when it is not whitespace, {@link #INCOMPLETE} when its bytes are not all read.
     */
    private int whitespaceWidth(byte[] buf, int at) {
        int b = buf[at] & 0xFF;
        if (b < 0x80) {
            return Character.isWhitespace(b) ? 1 : 0;
        }
        int width = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        if (at + width > limit) {
            return eof ? 0 : INCOMPLETE;
        }
        // Supplementary characters are surrogate pairs in UTF-16, never whitespace.
        if (width == 1 || width == 4) {
            return 0;
        }
        int c = width == 2 ? (b & 0x1F) << 6 | (buf[at + 1] & 0x3F)
                : (b & 0x0F) << 12 | (buf[at + 1] & 0x3F) << 6 | (buf[at + 2] & 0x3F);
        return Character.isWhitespace(c) ? width : 0;
    }

    /**
     * Where the character starting at byte {@code offset} is in the file, counted in UTF-16 characters from 1 (as
     * earlier releases reported it); read again from the start, as it is needed only for this error.
     */
    private long characterPosition(long offset) {
        long characters = 0;
        byte[] chunk = new byte[1 << 16];
        long read = 0;
        try (InputStream again = Files.newInputStream(file)) {
            for (int n = again.read(chunk); n > 0 && read < offset; n = again.read(chunk)) {
                int count = (int) Math.min(n, offset - read);
                for (int i = 0; i < count; i++) {
                    int b = chunk[i] & 0xFF;
                    if ((b & 0xC0) != 0x80) {
                        // A 4-byte sequence is a surrogate pair.
                        characters += b >= 0xF0 ? 2 : 1;
                    }
                }
                read += n;
            }
        } catch (IOException e) {
            return offset + 1;
        }
        return characters + 1;
    }

    private void add(int start, int end, boolean doubled) {
        if (fields == starts.length) {
            int size = fields * 2;
            starts = Arrays.copyOf(starts, size);
            ends = Arrays.copyOf(ends, size);
            inScratch = Arrays.copyOf(inScratch, size);
            escaped = Arrays.copyOf(escaped, size);
        }
        starts[fields] = start;
        ends[fields] = end;
        escaped[fields] = doubled;
        fields++;
    }

    /** Undoes doubled quotes and trims the fields of a whole record. */
    private void finish() {
        int scratch = 0;
        for (int i = 0; i < fields; i++) {
            byte[] bytes = buffer;
            int start = starts[i];
            int end = ends[i];
            inScratch[i] = escaped[i];
            if (escaped[i]) {
                if (unescaped.length - scratch < end - start) {
                    unescaped = Arrays.copyOf(unescaped, Math.max(unescaped.length * 2, scratch + end - start));
                }
                int from = scratch;
                for (int j = start; j < end; j++) {
                    unescaped[scratch++] = buffer[j];
                    if (buffer[j] == QUOTE) {
                        j++;
                    }
                }
                bytes = unescaped;
                start = from;
                end = scratch;
            }
            // As String.trim: every character up to U+0020 at either end.
            while (start < end && (bytes[start] & 0xFF) <= ' ') {
                start++;
            }
            while (end > start && (bytes[end - 1] & 0xFF) <= ' ') {
                end--;
            }
            starts[i] = start;
            ends[i] = end;
        }
    }

    /** Refuses a record that is not valid UTF-8, as the decoder of earlier releases did. */
    private void requireUtf8(int from, int to) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(buffer, from, to - from));
        } catch (CharacterCodingException e) {
            throw new MalformedException(lines + breaks, e.getMessage());
        }
    }

    /** Keeps the unread bytes, reads more behind them; false when nothing more could be read. */
    private boolean fill() throws IOException {
        if (position > 0) {
            System.arraycopy(buffer, position, buffer, 0, limit - position);
            base += position;
            limit -= position;
            position = 0;
        }
        if (limit == buffer.length) {
            // One record longer than the buffer.
            buffer = Arrays.copyOf(buffer, buffer.length * 2);
        }
        int n = in.read(buffer, limit, buffer.length - limit);
        if (n < 0) {
            eof = true;
            return false;
        }
        limit += n;
        return true;
    }
}
