package io.inertia.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop HTTP/1.1 load generator: requests are due at a fixed rate (request k at t₀ + k/rate), whatever the
 * server does, and are sent on the first free one of a fixed set of kept-alive connections ({@code TCP_NODELAY}); a
 * request's latency runs from the moment it was due to the last byte of its answer, so time spent waiting for a free
 * connection counts too (no coordinated omission: a server that stalls for 100 ms is charged for every request that
 * fell due meanwhile). One thread and one selector; answers must carry {@code Content-Length}.
 *
 * <p>wrk, by contrast, sends as fast as the server answers: it measures what the server can do at most, and then the
 * server takes every CPU cycle it can get. This generator measures the server at a given rate, e.g. the 10,000
 * predictions/s of the serving targets, with the learner beside it.
 */
final class OpenLoopLoad {

    private static final int MAX_HEADER_BYTES = 16 * 1024;

    private final InetSocketAddress address;
    private final List<byte[]> requests;
    private final int connections;

    /**
     * @param requests the complete requests (request line, headers, body), sent in turn
     */
    OpenLoopLoad(InetSocketAddress address, List<byte[]> requests, int connections) {
        this.address = address;
        this.requests = requests;
        this.connections = connections;
    }

    /** A complete HTTP/1.1 request. */
    static byte[] request(String method, String path, String body) {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: bench\r\n"
                + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + content.length + "\r\n")
                + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(headBytes, headBytes.length + content.length);
        System.arraycopy(content, 0, all, headBytes.length, content.length);
        return all;
    }

    /** What one run measured. */
    record Result(double offeredRate, long completed, double seconds, long[] latenciesNanos, Map<Integer, Long> statuses,
            long errors, int maxWaiting) {

        double achievedRate() {
            return completed / seconds;
        }

        /** The {@code p}-th percentile of the latencies in ms (nearest rank). */
        double percentileMs(double p) {
            if (latenciesNanos.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(p / 100.0 * latenciesNanos.length);
            return latenciesNanos[Math.max(0, Math.min(latenciesNanos.length - 1, rank - 1))] / 1e6;
        }

        double maxMs() {
            return latenciesNanos.length == 0 ? Double.NaN : latenciesNanos[latenciesNanos.length - 1] / 1e6;
        }

        long status(int code) {
            return statuses.getOrDefault(code, 0L);
        }

        /** Answers other than 2xx, and connections lost. */
        long failures() {
            long failed = errors;
            for (Map.Entry<Integer, Long> entry : statuses.entrySet()) {
                failed += entry.getKey() / 100 == 2 ? 0 : entry.getValue();
            }
            return failed;
        }
    }

    /**
     * Sends {@code rate} requests per second for {@code seconds}, then waits up to 10 s for the answers still due;
     * requests that fell due in the first {@code warmUpSeconds} are sent but not measured.
     */
    Result run(double rate, double seconds, double warmUpSeconds) throws IOException {
        try (Selector selector = Selector.open()) {
            Connection[] all = new Connection[connections];
            ArrayDeque<Connection> idle = new ArrayDeque<>();
            for (int i = 0; i < connections; i++) {
                all[i] = new Connection(selector);
                idle.add(all[i]);
            }
            long intervalNanos = (long) (1e9 / rate);
            long start = System.nanoTime() + 50_000_000L;
            long measureFrom = start + (long) (warmUpSeconds * 1e9);
            long end = measureFrom + (long) (seconds * 1e9);
            long[] latencies = new long[(int) Math.min(Integer.MAX_VALUE - 8, rate * seconds * 1.2 + 1024)];
            int measured = 0;
            long[] waiting = new long[1 << 20];
            int waitHead = 0;
            int waitTail = 0;
            int maxWaiting = 0;
            long due = start;
            int turn = 0;
            long errors = 0;
            TreeMap<Integer, Long> statuses = new TreeMap<>();
            long deadline = end + 10_000_000_000L;
            int busy = 0;
            while (true) {
                long now = System.nanoTime();
                while (due <= now && due < end) {
                    waiting[waitTail++ & (waiting.length - 1)] = due;
                    due += intervalNanos;
                }
                maxWaiting = Math.max(maxWaiting, waitTail - waitHead);
                while (waitHead != waitTail && !idle.isEmpty()) {
                    Connection connection = idle.poll();
                    if (!connection.send(requests.get(turn++ % requests.size()),
                            waiting[waitHead++ & (waiting.length - 1)])) {
                        errors++;
                        connection.reconnect(selector);
                        idle.add(connection);
                        continue;
                    }
                    busy++;
                }
                if (due >= end && waitHead == waitTail && busy == 0) {
                    break;
                }
                if (now > deadline) {
                    errors += busy;
                    break;
                }
                // Never spin: a generator that polls while it waits takes a core from the server it measures, most
                // of all once it is behind, which kept it behind (seconds of latency, the learner starved).
                long waitNanos = due < end ? Math.max(0, due - System.nanoTime()) : 1_000_000L;
                if (waitHead != waitTail) {
                    // Requests due and every connection busy: until an answer frees one.
                    selector.select(1);
                } else if (waitNanos >= 1_000_000L) {
                    selector.select(waitNanos / 1_000_000);
                } else if (selector.selectNow() == 0 && waitNanos > 0) {
                    // Sleeps to the next due time (under a millisecond): an answer arriving meanwhile is read after
                    // it, which adds that much to its latency at most, never less.
                    LockSupport.parkNanos(waitNanos);
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    Connection connection = (Connection) key.attachment();
                    int status = connection.read();
                    if (status == 0) {
                        continue;
                    }
                    if (!connection.inFlight) {
                        // An idle connection the server closed (its idle timeout): open it again, still idle.
                        if (status < 0) {
                            connection.reconnect(selector);
                        }
                        continue;
                    }
                    connection.inFlight = false;
                    busy--;
                    long finished = System.nanoTime();
                    if (status < 0) {
                        errors++;
                        connection.reconnect(selector);
                    } else {
                        if (connection.sentDue >= measureFrom && connection.sentDue < end) {
                            statuses.merge(status, 1L, Long::sum);
                            latencies[measured++] = finished - connection.sentDue;
                        }
                    }
                    idle.add(connection);
                }
                selector.selectedKeys().clear();
            }
            for (Connection connection : all) {
                connection.close();
            }
            long[] sorted = Arrays.copyOf(latencies, measured);
            Arrays.sort(sorted);
            return new Result(rate, measured, seconds, sorted, statuses, errors, maxWaiting);
        }
    }

    /** One kept-alive connection, with one request in flight at most. */
    private final class Connection {
        private SocketChannel channel;
        private SelectionKey key;
        private final ByteBuffer in = ByteBuffer.allocate(256 * 1024);
        private long sentDue;
        private boolean inFlight;

        Connection(Selector selector) throws IOException {
            open(selector);
        }

        private void open(Selector selector) throws IOException {
            channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.connect(address);
            channel.configureBlocking(false);
            key = channel.register(selector, SelectionKey.OP_READ, this);
            in.clear();
        }

        void reconnect(Selector selector) throws IOException {
            close();
            inFlight = false;
            open(selector);
        }

        /** Writes the request (small: it fits the socket buffer at once); false when the connection is gone. */
        boolean send(byte[] request, long due) {
            sentDue = due;
            inFlight = true;
            in.clear();
            try {
                ByteBuffer out = ByteBuffer.wrap(request);
                while (out.hasRemaining()) {
                    if (channel.write(out) == 0) {
                        Thread.onSpinWait();
                    }
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        /** Reads what arrived: the answer's status once it is complete, 0 while incomplete, −1 on a lost connection. */
        int read() {
            try {
                if (channel.read(in) < 0) {
                    return -1;
                }
            } catch (IOException e) {
                return -1;
            }
            int headerEnd = headerEnd();
            if (headerEnd < 0) {
                return in.position() > MAX_HEADER_BYTES ? -1 : 0;
            }
            String head = new String(in.array(), 0, headerEnd, StandardCharsets.ISO_8859_1);
            int length = contentLength(head);
            if (length < 0 || in.position() < headerEnd + 4 + length) {
                return length < 0 ? -1 : 0;
            }
            in.clear();
            return Integer.parseInt(head.substring(9, 12));
        }

        private int headerEnd() {
            byte[] bytes = in.array();
            for (int i = 3; i < in.position(); i++) {
                if (bytes[i] == '\n' && bytes[i - 1] == '\r' && bytes[i - 2] == '\n' && bytes[i - 3] == '\r') {
                    return i - 3;
                }
            }
            return -1;
        }

        private int contentLength(String head) {
            for (String line : head.split("\r\n")) {
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    return Integer.parseInt(line.substring(15).trim());
                }
            }
            return -1;
        }

        void close() {
            try {
                key.cancel();
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
