package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.config.InertiaConfig;
import io.inertia.runtime.LearnerApplication;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API of a learner on the in-process broker against what a careless or hostile client sends, byte for byte
 * over raw sockets (an HTTP client library would refuse to send most of it): malformed, truncated and deeply nested
 * JSON, invalid UTF-8, NaN, 1e999 and strings as features, a 10 MB body, path traversal and control characters in
 * model keys, methods it does not know, a header announcing a body that never comes, and slow clients that never
 * finish their request. Each gets a JSON 4xx or a closed connection, never a stack trace; while slow clients hang on,
 * others are answered; afterwards the server answers as before, every connection the attack opened is closed, no
 * worker thread is left busy or extra, and the heap is back where it was.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class HostileInputIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APPLICATION = "hostile";
    private static final String KEY = "m";
    /** A body limit other than the default, to see that the setting is the one enforced. */
    private static final int MAX_BODY = 256 * 1024;
    private static final int IDLE_TIMEOUT_MS = 1_000;
    private static final Duration PHASE = Duration.ofSeconds(90);
    private static final Duration READ = Duration.ofSeconds(15);
    private static final String PREDICT = "/models/" + KEY + "/predict";
    private static final String BODY = "{\"features\": {\"f0\": 1.5, \"f3\": -2.0}}";

    private EmbeddedKafka kafka;
    private LearnerApplication learner;
    private int port;

    @BeforeAll
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void startAndLearn(@TempDir Path state) throws Exception {
        kafka = EmbeddedKafka.start(1);
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("inertia.http.port", Integer.toString(port));
        settings.put("inertia.http.max-body-bytes", Integer.toString(MAX_BODY));
        settings.put("inertia.http.idle-timeout-ms", Integer.toString(IDLE_TIMEOUT_MS));
        settings.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION);
        settings.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        settings.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        learner = new LearnerApplication(InertiaConfig.of(kafka.settings(settings)));
        learner.start();
        EmbeddedKafka.await(PHASE, "ready", () -> send(get("/ready")).status == 200);
        try (EventFeeder feeder = new EventFeeder(kafka.bootstrapServers(), "labeled-events",
                TrainingEvents.generate(11L, List.of(KEY), 200, 1_000_000L, "labeled-events"), 1000)) {
            feeder.sendAll();
        }
        EmbeddedKafka.await(PHASE, "the model at version 200", () -> {
            Answer answer = send(get("/models/" + KEY + "?weights=false"));
            return answer.status == 200 && json(answer).path("version").asLong() == 200;
        });
    }

    @AfterAll
    void stop() throws Exception {
        if (learner != null) {
            learner.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void shouldAnswerEveryHostileRequestWithAJson4xxOrAClosedConnectionAndLeaveNothingBehind() throws Exception {
        Answer before = send(post(PREDICT, BODY));
        assertEquals(200, before.status, before.text());
        int threadsBefore = httpThreads();
        long heapBefore = heapAfterGc();

        Map<String, byte[]> requests = new LinkedHashMap<>();
        requests.put("malformed JSON", post(PREDICT, "{\"features\": {f0: 1}}"));
        requests.put("truncated JSON", post(PREDICT, "{\"features\": {\"f0\": 1.5, \"f3\""));
        requests.put("two JSON values", post(PREDICT, BODY + " " + BODY));
        requests.put("deeply nested arrays", post(PREDICT, "[".repeat(100_000)));
        requests.put("deeply nested in a skipped field", post(PREDICT, "{\"x\": " + "[".repeat(5_000)
                + "]".repeat(5_000) + ", \"features\": {}}"));
        requests.put("deeply nested features", post(PREDICT, "{\"features\": " + "{\"a\": ".repeat(5_000)
                + "1" + "}".repeat(5_001)));
        requests.put("invalid UTF-8", post(PREDICT, bytes("{\"features\": {\""), new byte[] {(byte) 0xff,
                (byte) 0xfe, (byte) 0xc3}, bytes("\": 1}}")));
        requests.put("NaN", post(PREDICT, "{\"dense\": [NaN]}"));
        requests.put("1e999", post(PREDICT, "{\"features\": {\"f0\": 1e999}}"));
        requests.put("-1e999 in a list", post(PREDICT, "[" + BODY + ", {\"features\": {\"f0\": -1e999}}]"));
        requests.put("string as feature", post(PREDICT, "{\"features\": {\"f0\": \"1.5\"}}"));
        requests.put("null as feature", post(PREDICT, "{\"features\": {\"f0\": null}}"));
        requests.put("object as features list", post(PREDICT, "{\"features\": [1, 2]}"));
        requests.put("empty body", post(PREDICT, ""));
        requests.put("a number as body", post(PREDICT, "42"));
        requests.put("body just over the limit", post(PREDICT, batch(MAX_BODY + 1)));
        requests.put("path traversal", get("/../../etc/passwd"));
        requests.put("encoded path traversal", get("/models/..%2F..%2Fetc%2Fpasswd"));
        requests.put("encoded dots as key", post("/models/%2e%2e/predict", BODY));
        requests.put("traversal after the key", get("/models/" + KEY + "/../../metrics"));
        requests.put("NUL in key", get("/models/a%00b"));
        requests.put("CR LF in key", get("/models/a%0d%0aSet-Cookie:%20x=1"));
        requests.put("raw control character in path", raw("GET /models/a\u0001b HTTP/1.1\r\nHost: x\r\n\r\n"));
        requests.put("bad percent-encoding", get("/models/%zz"));
        requests.put("invalid UTF-8 in key", get("/models/%ff%fe"));
        requests.put("key of 100,000 characters", get("/models/" + "k".repeat(100_000)));
        requests.put("header of 100 KB", raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(100_000)
                + "\r\n\r\n"));
        requests.put("unknown method", raw("BREW /models/" + KEY + " HTTP/1.1\r\nHost: x\r\n\r\n"));
        requests.put("DELETE", raw("DELETE /models/" + KEY + " HTTP/1.1\r\nHost: x\r\n\r\n"));
        requests.put("method that is not a token", raw("G(T / HTTP/1.1\r\nHost: x\r\n\r\n"));
        requests.put("not HTTP", raw("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n"));
        requests.put("both Content-Length and chunked", raw("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
        requests.put("negative Content-Length", raw("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: -5\r\n\r\n"));
        requests.put("header announcing a body that never comes", raw("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"features\""));
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, byte[]> request : requests.entrySet()) {
            Answer answer = send(request.getValue());
            String problem = refusal(answer);
            if (problem != null) {
                problems.add(request.getKey() + ": " + problem);
            }
        }
        assertEquals(List.of(), problems, "each a JSON 4xx or a closed connection");
        // The setting is the limit: a body just within it is read.
        Answer within = send(post(PREDICT, batch(MAX_BODY - 100)));
        assertEquals(200, within.status, within.text());
        // A 10 MB body: refused as soon as its length is known, and as soon as the limit is passed without one.
        assertTooLarge(largeBody(true));
        assertTooLarge(largeBody(false));

        // Slow clients hold a socket each until the idle timeout, never a worker thread: meanwhile others get answers.
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Socket socket = new Socket("127.0.0.1", port);
            socket.getOutputStream().write(bytes(i % 2 == 0 ? "GET /health HTTP/1.1\r\nHos"
                    : "POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"feat"));
            slow.add(socket);
        }
        for (int i = 0; i < 20; i++) {
            Answer answer = send(post(PREDICT, BODY));
            assertEquals(200, answer.status, "answered while 40 slow clients hang on: " + answer.text());
        }
        for (Socket socket : slow) {
            // Closed by the server (after a 408 for those whose headers were complete), never left open.
            socket.setSoTimeout((int) READ.toMillis());
            Answer answer = read(socket);
            assertTrue(answer.status == -1 || answer.status == 408, answer.text());
            assertTrue(answer.closed || closedByServer(socket), "the server closes a slow client: " + answer.text());
            socket.close();
        }

        // Afterwards: the same answer as before, on a kept-alive connection, many times over.
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) READ.toMillis());
            for (int i = 0; i < 500; i++) {
                socket.getOutputStream().write(post(PREDICT, BODY));
                Answer answer = read(socket);
                assertEquals(200, answer.status, answer.text());
                assertEquals(before.bodyText(), answer.bodyText());
            }
        }
        // One connection open: the scrape's own.
        EmbeddedKafka.await(PHASE, () -> "every connection closed (" + metric("inertia_http_connections") + " open)",
                () -> metric("inertia_http_connections") == 1);
        EmbeddedKafka.await(PHASE, () -> "no worker thread busy, none left beyond the " + threadsBefore
                + " before (" + httpThreads() + " now, stacks: " + busyStacks() + ")",
                () -> busyStacks().isEmpty() && httpThreads() <= threadsBefore);
        long heapAfter = heapAfterGc();
        assertTrue(heapAfter < heapBefore + (64L << 20), String.format(Locale.ROOT,
                "heap after the attack %,d bytes, before %,d", heapAfter, heapBefore));
    }

    /** Null when {@code answer} is a JSON 4xx without a stack trace, or a connection closed without an answer. */
    private static String refusal(Answer answer) {
        if (answer.status == -1) {
            return answer.closed ? null : "neither an answer nor a closed connection";
        }
        if (answer.status < 400 || answer.status >= 500) {
            return "status " + answer.status + ": " + answer.text();
        }
        if (!answer.headers.getOrDefault("content-type", "").startsWith("application/json")) {
            return "not JSON: " + answer.headers + " " + answer.text();
        }
        JsonNode body;
        try {
            body = JSON.readTree(answer.body);
        } catch (IOException e) {
            return "body is not JSON: " + answer.text();
        }
        String error = body.path("error").asText("");
        if (error.isEmpty() || answer.text().contains("\tat ") || answer.text().contains("Exception")
                || answer.text().contains(".java:")) {
            return "no one-line error, or a stack trace: " + answer.text();
        }
        return null;
    }

    private static void assertTooLarge(Answer answer) {
        if (answer.status != -1) {
            assertEquals(413, answer.status, answer.text());
            assertTrue(json(answer).path("error").asText().contains("inertia.http.max-body-bytes"), answer.text());
        } else {
            assertTrue(answer.closed);
        }
    }

    /**
     * A 10 MB body, announced by its length or chunked, written by a thread of its own while the answer is read: the
     * server answers before the body is through, and may close the connection under the writer.
     */
    private Answer largeBody(boolean withLength) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) READ.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(bytes("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + (withLength ? "Content-Length: 10485760\r\n" : "Transfer-Encoding: chunked\r\n") + "\r\n"));
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) ' ');
                try {
                    for (int written = 0; written < 10 << 20; written += chunk.length) {
                        if (!withLength) {
                            out.write(bytes(Integer.toHexString(chunk.length) + "\r\n"));
                        }
                        out.write(chunk);
                        if (!withLength) {
                            out.write(bytes("\r\n"));
                        }
                    }
                } catch (IOException e) {
                    // The server refused the rest: what it should do.
                }
            }, "hostile-writer");
            writer.setDaemon(true);
            writer.start();
            Answer answer = read(socket);
            socket.close();
            writer.join(READ.toMillis());
            return answer;
        }
    }

    /** {@code bytes} sent on a connection of their own; the answer read until it is complete or the server closes. */
    private Answer send(byte[] request) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) READ.toMillis());
            try {
                socket.getOutputStream().write(request);
            } catch (IOException e) {
                // Closed while we wrote: the answer, if any, is still to be read.
            }
            return read(socket);
        } catch (IOException e) {
            throw new AssertionError("cannot connect to the API: " + e.getMessage(), e);
        }
    }

    /** One answer from {@code socket}: status −1 when the server closed it without one. */
    private static Answer read(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        try {
            while (!endsWithBlankLine(head)) {
                int b = in.read();
                if (b < 0) {
                    return new Answer(-1, Map.of(), new byte[0], true);
                }
                head.write(b);
            }
        } catch (SocketTimeoutException e) {
            return new Answer(-1, Map.of(), new byte[0], false);
        } catch (IOException e) {
            // Reset by the server: closed.
            return new Answer(-1, Map.of(), new byte[0], true);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        byte[] body;
        if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
                all.write(in.readNBytes(size));
                in.readNBytes(2);
            }
            in.readNBytes(2);
            body = all.toByteArray();
        } else {
            body = in.readAllBytes();
        }
        boolean closed = "close".equalsIgnoreCase(headers.get("connection"));
        if (closed) {
            // Said so: the next read must find the end.
            try {
                closed = in.read() < 0;
            } catch (IOException e) {
                closed = true;
            }
        }
        return new Answer(status, headers, body, closed);
    }

    /** Whether the server closes {@code socket} (within its read timeout) without sending anything more. */
    private static boolean closedByServer(Socket socket) {
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static int chunkSize(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return 0;
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return Integer.parseInt(line.toString().trim(), 16);
    }

    private static boolean endsWithBlankLine(ByteArrayOutputStream head) {
        byte[] bytes = head.toByteArray();
        int n = bytes.length;
        return n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n';
    }

    /** A list of prediction items of about {@code size} bytes in all. */
    private static String batch(int size) {
        StringBuilder body = new StringBuilder("[").append(BODY);
        while (body.length() + BODY.length() + 3 < size) {
            body.append(", ").append(BODY);
        }
        while (body.length() < size - 1) {
            body.append(' ');
        }
        return body.append(']').toString();
    }

    private static byte[] get(String path) {
        return bytes("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    private static byte[] post(String path, String body) {
        return post(path, bytes(body));
    }

    private static byte[] post(String path, byte[]... body) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] part : body) {
            content.writeBytes(part);
        }
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(bytes("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + content.size() + "\r\n\r\n"));
        request.writeBytes(content.toByteArray());
        return request.toByteArray();
    }

    private static byte[] raw(String request) {
        return request.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode json(Answer answer) {
        try {
            return JSON.readTree(answer.body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + answer.text(), e);
        }
    }

    private static final Pattern SAMPLE = Pattern.compile("^(\\w+)(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);

    /** The value of metric {@code name} (without labels) on /metrics. */
    private double metric(String name) {
        Matcher sample = SAMPLE.matcher(send(get("/metrics")).text());
        while (sample.find()) {
            if (sample.group(1).equals(name) && sample.group(2) == null) {
                return Double.parseDouble(sample.group(3));
            }
        }
        throw new AssertionError("no metric " + name);
    }

    /** The API's worker threads (Jetty's, named inertia-http). */
    private static int httpThreads() {
        int n = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            n += thread.getName().startsWith("inertia-http") ? 1 : 0;
        }
        return n;
    }

    /** The stacks of the threads inside the API's own code (a request in progress). */
    private static List<String> busyStacks() {
        List<String> busy = new ArrayList<>();
        for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet()) {
            for (StackTraceElement frame : thread.getValue()) {
                if (frame.getClassName().startsWith("io.inertia.serving.")) {
                    busy.add(thread.getKey().getName() + " at " + frame);
                    break;
                }
            }
        }
        return busy;
    }

    private static long heapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    /** An answer: its status (−1 for none), headers (names in lower case), body, and whether the server closed. */
    private record Answer(int status, Map<String, String> headers, byte[] body, boolean closed) {
        String text() {
            return status + " " + headers + " " + new String(body, StandardCharsets.UTF_8);
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }
}
