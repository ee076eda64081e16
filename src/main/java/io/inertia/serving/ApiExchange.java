package io.inertia.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * One request to the API and its answer, over Jetty's request, response and completion callback: the path, query,
 * headers and body an endpoint reads, and the ways it answers (JSON, bytes, a stream, an error). It is answered
 * exactly once; an endpoint may answer later, from another thread (a request passed to another instance).
 */
final class ApiExchange {

    static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] NO_BODY = new byte[0];
    private static final int STREAM_BUFFER_BYTES = 64 * 1024;

    private final Request request;
    private final Response response;
    private final Callback callback;
    private final AtomicBoolean answered = new AtomicBoolean();
    private final String path;
    private Map<String, String> query;
    private byte[] body = NO_BODY;
    private int bodyLength;

    ApiExchange(Request request, Response response, Callback callback) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.path = request.getHttpURI().getPath();
    }

    /** The request method, e.g. {@code GET}. */
    String method() {
        return request.getMethod();
    }

    /** The path as sent, still percent-encoded: segments are split first, then decoded (a key may hold "/"). */
    String rawPath() {
        return path;
    }

    /** The query string as sent, or null. */
    String rawQuery() {
        return request.getHttpURI().getQuery();
    }

    /** The value of query parameter {@code name} (decoded), or null. */
    String query(String name) {
        if (query == null) {
            query = parseQuery(rawQuery());
        }
        return query.get(name);
    }

    /** The first value of request header {@code name}, or null. */
    String header(String name) {
        return request.getHeaders().get(name);
    }

    /** Whether the request carries header {@code name}. */
    boolean hasHeader(String name) {
        return request.getHeaders().contains(name);
    }

    /** The length of the request body read so far. */
    int bodyLength() {
        return bodyLength;
    }

    /** The request body read by {@link #readBody} (empty before). */
    byte[] body() {
        return bodyLength == body.length ? body : Arrays.copyOf(body, bodyLength);
    }

    /**
     * Reads the whole request body, then runs {@code next}. No thread waits while the body arrives: the read resumes
     * when Jetty says more is there, so a client that stops sending costs a socket until the idle timeout closes it
     * (answered 408). A body beyond {@code maxBytes} is refused with 413 as soon as that is known (at once from
     * {@code Content-Length}), and the connection closed rather than read to its end.
     *
     * @param next what to do with the body, and answers this exchange; runs on the thread that read its end (Jetty's
     *     selector or the caller's), so it must not wait
     */
    void readBody(int maxBytes, Runnable next) {
        long declared = request.getLength();
        if (declared > maxBytes) {
            throw tooLarge(maxBytes);
        }
        body = new byte[(int) Math.max(0, Math.min(declared, 16 * 1024))];
        readAvailable(maxBytes, next);
    }

    private void readAvailable(int maxBytes, Runnable next) {
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                // Resumed where Jetty reads: what follows the body must not wait (see HttpApi).
                request.demand(Invocable.from(Invocable.InvocationType.NON_BLOCKING, () -> resume(maxBytes, next)));
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                Throwable failure = chunk.getFailure();
                chunk.release();
                if (failure instanceof TimeoutException) {
                    closing();
                    error(new ApiError(408, "the request body did not arrive within the idle timeout"));
                } else {
                    // The client went away or sent something that is not HTTP: no one to answer.
                    abort(failure);
                }
                return;
            }
            ByteBuffer buffer = chunk.getByteBuffer();
            int length = buffer.remaining();
            if ((long) bodyLength + length > maxBytes) {
                chunk.release();
                error(tooLarge(maxBytes));
                return;
            }
            if (bodyLength + length > body.length) {
                body = Arrays.copyOf(body, Math.max(bodyLength + length, Math.min(maxBytes, body.length * 2)));
            }
            buffer.get(body, bodyLength, length);
            bodyLength += length;
            boolean last = chunk.isLast();
            chunk.release();
            if (last) {
                next.run();
                return;
            }
        }
    }

    private void resume(int maxBytes, Runnable next) {
        try {
            readAvailable(maxBytes, next);
        } catch (RuntimeException e) {
            abort(e);
        }
    }

    private ApiError tooLarge(int maxBytes) {
        closing();
        return new ApiError(413, "request body larger than " + maxBytes + " bytes (inertia.http.max-body-bytes)");
    }

    /** Asks Jetty to close the connection after the answer (the rest of the request is not read). */
    private void closing() {
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    }

    /** Sets response header {@code name} (before the answer). */
    void responseHeader(String name, String value) {
        response.getHeaders().put(name, value);
    }

    /** Answers {@code status} with {@code body} as JSON. */
    void json(int status, JsonNode body) {
        try {
            bytes(status, JSON_TYPE, JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** Answers {@code status} with {@code body} of content type {@code type}. */
    void bytes(int status, String type, byte[] body) {
        if (!answered.compareAndSet(false, true)) {
            return;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /**
     * Answers {@code status} with a body {@code writer} writes as it goes (chunked), never held whole in memory. Blocks
     * while the client reads: call on a worker thread. A failure once bytes are sent aborts the response (the
     * connection closes, so the client sees a truncated answer, never a complete-looking one).
     */
    void stream(int status, String type, BodyWriter writer) {
        if (!answered.compareAndSet(false, true)) {
            return;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        try (OutputStream out = new BufferedOutputStream(Content.Sink.asOutputStream(response), STREAM_BUFFER_BYTES)) {
            writer.writeTo(out);
        } catch (IOException | RuntimeException e) {
            callback.failed(e);
            return;
        }
        callback.succeeded();
    }

    /** Answers with {@code error} as {@code {"error": "…"}}. */
    void error(ApiError error) {
        if (error.status() == 503) {
            responseHeader("Retry-After", "1");
        } else if (error.status() == 401) {
            responseHeader("WWW-Authenticate", "Bearer");
        }
        json(error.status(), JSON.createObjectNode().put("error", error.getMessage()));
    }

    /** Gives up on the exchange without an answer: Jetty closes the connection. */
    void abort(Throwable failure) {
        if (answered.compareAndSet(false, true)) {
            callback.failed(failure);
        }
    }

    /** Whether the exchange was answered (or given up). */
    boolean answered() {
        return answered.get();
    }

    private static Map<String, String> parseQuery(String raw) {
        Map<String, String> parameters = new TreeMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                try {
                    String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                    parameters.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1),
                            StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    throw new ApiError(400, "malformed query string: " + e.getMessage());
                }
            }
        }
        return parameters;
    }

    /** Writes a streamed body. */
    @FunctionalInterface
    interface BodyWriter {
        /** Writes the body to {@code out} (buffered; closed by the caller). */
        void writeTo(OutputStream out) throws IOException;
    }
}
