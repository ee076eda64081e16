package io.inertia.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.state.HostInfo;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ClientConnector;

/**
 * Passes a request to the instance that owns its model and relays the answer: Jetty's HTTP client over kept-alive
 * HTTP/1.1 connections with {@code TCP_NODELAY} set, so that a relayed request is not held back by Nagle's algorithm
 * either, its callbacks on the API's worker threads and no thread waiting for a small answer. (The JDK's
 * {@code java.net.http.HttpClient}, also without Nagle, cost a relayed request 2 to 3 ms more on this project's
 * 2-core machine: several hand-offs between threads per request.) A whole model is relayed as a stream, as the owner
 * writes it; every other answer is small and relayed at once.
 */
final class Forwarder implements AutoCloseable {

    /** Marks a request one instance passed to another, so that two instances never pass it back and forth. */
    static final String FORWARDED = "X-Inertia-Forwarded";
    private static final long TIMEOUT_SECONDS = 15;
    /** Any answer but a whole model (predictions of a body of at most inertia.http.max-body-bytes, a history). */
    private static final int MAX_RELAYED_BYTES = 64 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;

    /** A forwarder whose callbacks run on {@code executor}; call {@link #start()} before use. */
    Forwarder(Executor executor) {
        ClientConnector connector = new ClientConnector();
        connector.setSelectors(1);
        connector.setTCPNoDelay(true);
        connector.setExecutor(executor);
        client = new HttpClient(new HttpClientTransportOverHTTP(connector));
        client.setExecutor(executor);
        client.setFollowRedirects(false);
        client.setConnectTimeout(5_000);
        client.setUserAgentField(null);
        client.setMaxRequestsQueuedPerDestination(4096);
    }

    /** Starts the client. */
    void start() throws Exception {
        client.start();
    }

    @Override
    public void close() throws Exception {
        client.stop();
    }

    /**
     * Passes {@code exchange} (its body read already) to {@code owner} and answers it with the owner's answer: at once
     * for a small answer (no thread waits), or streamed for a whole model (this thread relays it). {@code stale} runs
     * when the owner does not answer, or answers 503 (it no longer owns the model, or is rebalancing).
     */
    void forward(ApiExchange exchange, HostInfo owner, boolean streamed, Runnable stale) {
        String query = exchange.rawQuery();
        URI uri;
        try {
            uri = URI.create("http://" + owner.host() + ":" + owner.port() + exchange.rawPath()
                    + (query == null ? "" : "?" + query));
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "cannot pass this request on: " + e.getMessage());
        }
        Request request = client.newRequest(uri).method(exchange.method()).timeout(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .headers(headers -> {
                    headers.put(FORWARDED, "1");
                    String authorization = exchange.header("Authorization");
                    if (authorization != null) {
                        headers.put(HttpHeader.AUTHORIZATION, authorization);
                    }
                });
        if (exchange.method().equals("POST")) {
            request.body(new BytesRequestContent("application/json", exchange.body()));
        }
        String where = owner.host() + ":" + owner.port();
        if (streamed) {
            InputStreamResponseListener listener = new InputStreamResponseListener();
            request.send(listener);
            Response response;
            try {
                response = listener.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stale.run();
                throw unreachable(where, e);
            } catch (TimeoutException | ExecutionException e) {
                stale.run();
                throw unreachable(where, e.getCause() != null ? e.getCause() : e);
            }
            if (response.getStatus() == 503) {
                stale.run();
            }
            relayHeaders(exchange, response);
            try (InputStream in = listener.getInputStream()) {
                exchange.stream(response.getStatus(), contentType(response), in::transferTo);
            } catch (IOException e) {
                exchange.abort(e);
            }
            return;
        }
        request.send(new BufferingResponseListener(MAX_RELAYED_BYTES) {
            @Override
            public void onComplete(org.eclipse.jetty.client.Result result) {
                if (result.isFailed()) {
                    stale.run();
                    exchange.error(unreachable(where, result.getFailure()));
                    return;
                }
                Response response = result.getResponse();
                if (response.getStatus() == 503) {
                    stale.run();
                }
                relayHeaders(exchange, response);
                exchange.bytes(response.getStatus(), contentType(response), getContent());
            }
        });
    }

    /** The JSON another instance answers at {@code path} (its local view), waiting for it. */
    JsonNode fetch(HostInfo host, String path, String authorization) throws IOException {
        Request request = client.newRequest(URI.create("http://" + host.host() + ":" + host.port() + path))
                .timeout(TIMEOUT_SECONDS, TimeUnit.SECONDS).headers(headers -> {
                    headers.put(FORWARDED, "1");
                    if (authorization != null) {
                        headers.put(HttpHeader.AUTHORIZATION, authorization);
                    }
                });
        try {
            ContentResponse response = request.send();
            if (response.getStatus() != 200) {
                throw new IOException(host + " answered " + response.getStatus());
            }
            return JSON.readTree(response.getContent());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (TimeoutException | ExecutionException e) {
            throw new IOException(host + " did not answer: " + e.getMessage(), e);
        }
    }

    private static void relayHeaders(ApiExchange exchange, Response response) {
        String retryAfter = response.getHeaders().get(HttpHeader.RETRY_AFTER);
        if (retryAfter != null) {
            exchange.responseHeader("Retry-After", retryAfter);
        }
        String authenticate = response.getHeaders().get(HttpHeader.WWW_AUTHENTICATE);
        if (authenticate != null) {
            exchange.responseHeader("WWW-Authenticate", authenticate);
        }
    }

    private static String contentType(Response response) {
        String type = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
        return type == null ? ApiExchange.JSON_TYPE : type;
    }

    private static ApiError unreachable(String where, Throwable failure) {
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        return ApiError.unavailable("the instance owning this model (" + where + ") did not answer: " + message);
    }
}
