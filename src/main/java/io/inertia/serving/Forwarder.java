package io.inertia.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Passes a request to the instance that owns its model and relays the answer, without a thread waiting on it: the
 * JDK's {@link HttpClient} over HTTP/1.1 kept-alive connections (it sets {@code TCP_NODELAY} on them, so a relayed
 * request has no Nagle delay either), its completions run on the API's worker threads. A whole model is relayed as a
 * stream, as the owner writes it; every other answer is small and relayed at once.
 */
final class Forwarder {

    /** Marks a request one instance passed to another, so that two instances never pass it back and forth. */
    static final String FORWARDED = "X-Inertia-Forwarded";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;

    /** A forwarder whose completions run on {@code executor}. */
    Forwarder(Executor executor) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).executor(executor).build();
    }

    /** Passes {@code exchange} (its body read already) to {@code owner}; answers it when the owner has answered. */
    void forward(ApiExchange exchange, HostInfo owner, boolean streamed) {
        String query = exchange.rawQuery();
        URI uri;
        try {
            uri = URI.create("http://" + owner.host() + ":" + owner.port() + exchange.rawPath()
                    + (query == null ? "" : "?" + query));
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "cannot pass this request on: " + e.getMessage());
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header(FORWARDED, "1");
        String authorization = exchange.header("Authorization");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (exchange.method().equals("POST")) {
            request.POST(HttpRequest.BodyPublishers.ofByteArray(exchange.body()))
                    .header("Content-Type", "application/json");
        } else {
            request.GET();
        }
        String where = owner.host() + ":" + owner.port();
        if (streamed) {
            client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream()).whenComplete(
                    (response, failure) -> {
                        if (failure != null) {
                            exchange.error(unreachable(where, failure));
                            return;
                        }
                        relayHeaders(exchange, response);
                        try (InputStream in = response.body()) {
                            exchange.stream(response.statusCode(), contentType(response), in::transferTo);
                        } catch (IOException e) {
                            exchange.abort(e);
                        }
                    });
        } else {
            client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()).whenComplete(
                    (response, failure) -> {
                        if (failure != null) {
                            exchange.error(unreachable(where, failure));
                            return;
                        }
                        relayHeaders(exchange, response);
                        exchange.bytes(response.statusCode(), contentType(response), response.body());
                    });
        }
    }

    /** The JSON another instance answers at {@code path} (its local view), waiting for it. */
    JsonNode fetch(HostInfo host, String path, String authorization) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port()
                + path)).timeout(TIMEOUT).header(FORWARDED, "1").GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IOException(host + " answered " + response.statusCode());
            }
            return JSON.readTree(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void relayHeaders(ApiExchange exchange, HttpResponse<?> response) {
        response.headers().firstValue("Retry-After").ifPresent(value -> exchange.responseHeader("Retry-After", value));
        response.headers().firstValue("WWW-Authenticate").ifPresent(value ->
                exchange.responseHeader("WWW-Authenticate", value));
    }

    private static String contentType(HttpResponse<?> response) {
        return response.headers().firstValue("Content-Type").orElse(ApiExchange.JSON_TYPE);
    }

    private static ApiError unreachable(String where, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return ApiError.unavailable("the instance owning this model (" + where + ") did not answer: " + message);
    }
}
