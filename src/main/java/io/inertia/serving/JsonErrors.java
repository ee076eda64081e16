package io.inertia.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The answer to what Jetty refuses before the API sees it (a request line or header that is not HTTP, a header too
 * large, a URI with a bad encoding, a method without a request, …): {@code {"error": "…"}} like every other error of
 * the API, with Jetty's status and one-line reason, never a page, a cause or a stack trace.
 */
final class JsonErrors implements Request.Handler {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
        Object cause = request.getAttribute(ErrorHandler.ERROR_EXCEPTION);
        if (cause instanceof HttpException http) {
            status = http.getCode();
            response.setStatus(status);
            if (message == null) {
                message = http.getReason();
            }
        }
        if (status < 400) {
            status = 500;
            response.setStatus(status);
        }
        String text = message instanceof String line && !line.isBlank() ? line : HttpStatus.getMessage(status);
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(JSON.createObjectNode().put("error", text.lines().findFirst().orElse(text)));
        } catch (JsonProcessingException e) {
            body = "{\"error\":\"error\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, ApiExchange.JSON_TYPE);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        if (HttpStatus.hasNoBody(status)) {
            callback.succeeded();
        } else {
            response.write(true, ByteBuffer.wrap(body), callback);
        }
        return true;
    }
}
