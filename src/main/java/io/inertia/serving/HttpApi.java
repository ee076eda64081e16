package io.inertia.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.io.SnapshotJson;
import io.inertia.model.Example;
import io.inertia.model.FeatureHasher;
import io.inertia.model.LinearModel;
import io.inertia.model.Loss;
import io.inertia.model.SoftmaxLoss;
import io.inertia.topology.ModelStore;
import io.inertia.topology.SnapshotCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code inertia run}'s HTTP API, on the JDK's built-in server: the models of the whole application from any instance
 * (a key another instance owns is fetched from it, found by Kafka Streams' {@code queryMetadataForKey} and
 * {@code application.server}), predictions, health, Prometheus metrics and the dashboard.
 *
 * <ul>
 *   <li>{@code GET /health}: 200 while the process is up. {@code GET /ready}: 200 only while Kafka Streams is
 *       RUNNING, else 503. Neither needs the token, nor does the dashboard's page {@code GET /} (it holds no data and
 *       reads the API with the token given after {@code #token=} in its address).</li>
 *   <li>{@code GET /models}: every model of the application, with version and losses.</li>
 *   <li>{@code GET /models/{key}[?weights=false]}: the model as JSON, every weight current (as {@code inertia
 *       snapshots} prints it), with its optimizer and prequential metrics.</li>
 *   <li>{@code GET /models/{key}/history}: its running loss against its version, for the dashboard.</li>
 *   <li>{@code POST /models/{key}/predict} with {@code {"features": {…}}} and/or {@code {"dense": […]}}, or a list of
 *       them: the prediction(s), score(s) and the model version used; features hashed as the learner hashes them.</li>
 *   <li>{@code GET /metrics}: Prometheus text.</li>
 * </ul>
 *
 * Errors are JSON {@code {"error": "…"}}: 404 unknown key or path, 400 malformed body or wrong feature length, 401
 * missing or wrong token, 405 wrong method, 503 with {@code Retry-After} while the stores are not queryable (start-up,
 * rebalance). A client never sees a stack trace; the server logs unexpected failures.
 */
public final class HttpApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Marks a request one instance passed to another, so that two instances never pass it back and forth. */
    static final String FORWARDED = "X-Inertia-Forwarded";
    private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(15);
    private static final int MAX_BODY_BYTES = 16 << 20;

    private final InertiaConfig config;
    private final KafkaStreams streams;
    private final LearnerMetrics metrics;
    private final LossHistory history;
    private final HostInfo self;
    private final ModelReader reader;
    private final FeatureHasher hasher;
    private final Loss loss;
    /** The names of a softmax model's classes, or empty. */
    private final List<String> classNames;
    private final byte[] token;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService workers = Executors.newFixedThreadPool(4, runnable -> {
        Thread thread = new Thread(runnable, "inertia-http");
        thread.setDaemon(true);
        return thread;
    });
    private HttpServer server;

    /**
     * The API of {@code streams} (not yet started, or running), reachable by the other instances at {@code self}.
     */
    public HttpApi(InertiaConfig config, KafkaStreams streams, LearnerMetrics metrics, LossHistory history,
            HostInfo self) {
        this.config = config;
        this.streams = streams;
        this.metrics = metrics;
        this.history = history;
        this.self = self;
        this.reader = new ModelReader(streams, config);
        this.hasher = config.hashBits() > 0 ? FeatureHasher.of(config.hashBits()) : null;
        this.loss = config.loss();
        this.classNames = config.classNames();
        this.token = config.httpToken().isEmpty() ? null : config.httpToken().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Binds {@code inertia.http.host}:{@code inertia.http.port} and serves.
     *
     * @throws UncheckedIOException when the address cannot be bound (in use, not local)
     */
    public void start() {
        try {
            server = HttpServer.create(new InetSocketAddress(config.httpHost(), config.httpPort()), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve HTTP on " + config.httpHost() + ":" + config.httpPort()
                    + ": " + e.getMessage(), e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(workers);
        server.start();
        LOG.info("HTTP API on http://{}:{}/ (application.server {}:{}){}", config.httpHost(), port(), self.host(),
                self.port(), token == null ? "" : ", bearer token required");
    }

    /** The port served (the one bound when {@code inertia.http.port} asked for any). */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        workers.shutdownNow();
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            try {
                route(exchange);
            } catch (ApiError e) {
                if (e.status == 503) {
                    exchange.getResponseHeaders().set("Retry-After", "1");
                }
                if (e.status == 401) {
                    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                }
                sendError(exchange, e.status, e.getMessage());
            } catch (InvalidStateStoreException e) {
                exchange.getResponseHeaders().set("Retry-After", "1");
                sendError(exchange, 503, "the learner's stores are not queryable now (starting or rebalancing); "
                        + "retry shortly");
            } catch (RuntimeException e) {
                LOG.warn("HTTP {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), e);
                sendError(exchange, 500, "internal error (" + e.getClass().getSimpleName() + "); see the server log");
            }
        } catch (IOException e) {
            // The client went away; nothing to tell it.
            LOG.debug("HTTP response not sent: {}", e.getMessage());
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        String method = exchange.getRequestMethod();
        if (path.equals("/health")) {
            requireMethod(method, "GET");
            sendJson(exchange, 200, JSON.createObjectNode().put("status", "up"));
            return;
        }
        if (path.equals("/ready")) {
            requireMethod(method, "GET");
            KafkaStreams.State state = streams.state();
            ObjectNode body = JSON.createObjectNode().put("state", state.name());
            if (state != KafkaStreams.State.RUNNING) {
                exchange.getResponseHeaders().set("Retry-After", "1");
            }
            sendJson(exchange, state == KafkaStreams.State.RUNNING ? 200 : 503, body);
            return;
        }
        if (path.equals("/") || path.equals("/index.html")) {
            // The page holds no data; it reads the API with the token given after # in its address.
            requireMethod(method, "GET");
            sendResource(exchange, "dashboard/index.html", "text/html; charset=utf-8");
            return;
        }
        authorize(exchange);
        if (path.equals("/metrics")) {
            requireMethod(method, "GET");
            send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                    metrics.scrape().getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (path.equals("/models") || path.equals("/models/")) {
            requireMethod(method, "GET");
            boolean local = "local".equals(query(exchange).get("scope"));
            sendJson(exchange, 200, local ? localModels() : allModels(exchange));
            return;
        }
        if (path.startsWith("/models/")) {
            String[] segments = path.substring("/models/".length()).split("/", -1);
            String key = URLDecoder.decode(segments[0], StandardCharsets.UTF_8);
            String action = segments.length == 1 ? "" : segments[1];
            if (key.isEmpty() || segments.length > 2 || !List.of("", "predict", "history").contains(action)) {
                throw new ApiError(404, "no such resource: " + path);
            }
            requireMethod(method, action.equals("predict") ? "POST" : "GET");
            if (!ownedHere(exchange, key)) {
                return;
            }
            switch (action) {
                case "" -> sendJson(exchange, 200, model(key, !"false".equals(query(exchange).get("weights"))));
                case "history" -> sendJson(exchange, 200, history(key));
                default -> sendJson(exchange, 200, predict(key, readBody(exchange)));
            }
            return;
        }
        throw new ApiError(404, "no such resource: " + path);
    }

    private void authorize(HttpExchange exchange) {
        if (token == null) {
            return;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        byte[] given = header != null && header.startsWith("Bearer ")
                ? header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        // Constant time: how much of a guess matched must not show in the time the answer takes.
        if (!MessageDigest.isEqual(token, given)) {
            throw new ApiError(401, header == null ? "missing bearer token (Authorization: Bearer …)"
                    : "wrong bearer token");
        }
    }

    private static void requireMethod(String method, String expected) {
        if (!method.equals(expected)) {
            throw new ApiError(405, method + " not allowed here; use " + expected);
        }
    }

    /**
     * Whether this instance owns {@code key}'s model; when another does, passes the request to it and relays its
     * answer.
     */
    private boolean ownedHere(HttpExchange exchange, String key) throws IOException {
        KeyQueryMetadata owner = streams.queryMetadataForKey(ModelStore.NAME, key, Serdes.String().serializer());
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE) || owner.activeHost() == null) {
            throw new ApiError(503, "no instance owns model '" + key + "' right now (rebalancing); retry shortly");
        }
        if (owner.activeHost().equals(self)) {
            return true;
        }
        if (exchange.getRequestHeaders().containsKey(FORWARDED)) {
            // Passed here by an instance that thought this one owns it: the assignment is moving.
            throw new ApiError(503, "model '" + key + "' is moving between instances; retry shortly");
        }
        forward(exchange, owner.activeHost());
        return false;
    }

    private void forward(HttpExchange exchange, HostInfo owner) throws IOException {
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery()));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(FORWARD_TIMEOUT).header(FORWARDED, "1");
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (exchange.getRequestMethod().equals("POST")) {
            request.POST(HttpRequest.BodyPublishers.ofByteArray(readBody(exchange)))
                    .header("Content-Type", "application/json");
        } else {
            request.GET();
        }
        HttpResponse<byte[]> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new ApiError(503, "the instance owning this model (" + owner.host() + ":" + owner.port()
                    + ") did not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "interrupted while asking " + owner.host() + ":" + owner.port());
        }
        response.headers().firstValue("Retry-After").ifPresent(value ->
                exchange.getResponseHeaders().set("Retry-After", value));
        send(exchange, response.statusCode(),
                response.headers().firstValue("Content-Type").orElse("application/json; charset=utf-8"),
                response.body());
    }

    /** Every model of this instance's active tasks. */
    private ObjectNode localModels() {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode models = body.putArray("models");
        if (streams.state() == KafkaStreams.State.RUNNING && !hostsModels(self)) {
            // Running without an active task (more instances than partitions): no models here, not an error.
            return body;
        }
        for (ModelSnapshot header : reader.allHeaders()) {
            models.add(summary(header));
        }
        return body;
    }

    /** Whether the instance at {@code host} has active tasks with models, as Kafka Streams' metadata says. */
    private boolean hostsModels(HostInfo host) {
        for (StreamsMetadata instance : streams.metadataForAllStreamsClients()) {
            if (instance.hostInfo().equals(host) && instance.stateStoreNames().contains(ModelStore.NAME)) {
                return true;
            }
        }
        return false;
    }

    private ObjectNode summary(ModelSnapshot header) {
        ObjectNode model = JSON.createObjectNode();
        model.put("modelKey", header.getModelKey());
        model.put("version", header.getVersion());
        model.put("runningLoss", header.getRunningLoss());
        model.put("meanLoss", header.getMetrics().getMeanLoss());
        model.put("windowMeanLoss", header.getMetrics().getWindowMeanLoss());
        if (header.getMetrics().getAccuracy() != null) {
            model.put("accuracy", header.getMetrics().getAccuracy());
        }
        if (header.getMetrics().getMacroF1() != null) {
            model.put("macroF1", header.getMetrics().getMacroF1());
        }
        model.put("halted", header.getHalted());
        model.put("instance", self.host() + ":" + self.port());
        return model;
    }

    /** Every model of the application: this instance's, and each other instance's as it answers. */
    private ObjectNode allModels(HttpExchange exchange) {
        TreeMap<String, JsonNode> byKey = new TreeMap<>();
        localModels().get("models").forEach(model -> byKey.put(model.get("modelKey").asText(), model));
        ArrayNode unreachable = JSON.createArrayNode();
        for (StreamsMetadata instance : streams.metadataForAllStreamsClients()) {
            HostInfo host = instance.hostInfo();
            if (host.equals(self) || host.port() <= 0 || !instance.stateStoreNames().contains(ModelStore.NAME)) {
                continue;
            }
            try {
                JsonNode theirs = fetchLocalModels(exchange, host);
                theirs.path("models").forEach(model -> byKey.put(model.get("modelKey").asText(), model));
            } catch (IOException | ApiError e) {
                unreachable.add(host.host() + ":" + host.port());
            }
        }
        ObjectNode body = JSON.createObjectNode();
        ArrayNode models = body.putArray("models");
        byKey.values().forEach(models::add);
        if (!unreachable.isEmpty()) {
            body.set("unreachable", unreachable);
        }
        return body;
    }

    private JsonNode fetchLocalModels(HttpExchange exchange, HostInfo host) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port()
                + "/models?scope=local")).timeout(FORWARD_TIMEOUT).header(FORWARDED, "1").GET();
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new ApiError(503, host + " answered " + response.statusCode());
            }
            return JSON.readTree(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** The model of {@code key} as JSON; weights left out when {@code weights} is false. */
    private ObjectNode model(String key, boolean weights) {
        ModelSnapshot snapshot = weights ? reader.whole(key) : reader.header(key);
        if (snapshot == null) {
            throw new ApiError(404, "no model '" + key + "'");
        }
        ObjectNode model;
        try {
            model = (ObjectNode) JSON.readTree(SnapshotJson.toLine(snapshot));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (!weights) {
            model.remove(List.of("weights", "denseWeights", "state"));
            // A K-class model's rows keep their class and bias.
            model.path("classes").forEach(row -> ((ObjectNode) row).remove(List.of("weights", "denseWeights",
                    "state")));
        }
        model.put("optimizer", snapshot.getHyperParameters().getOptimizer());
        model.put("instance", self.host() + ":" + self.port());
        return model;
    }

    private ObjectNode history(String key) {
        double[][] points = history.points(key);
        if (points == null || points[0].length == 0) {
            // Not learned by this process yet (it learned before a restart or a rebalance): its stored state.
            ModelSnapshot header = reader.header(key);
            if (header == null) {
                throw new ApiError(404, "no model '" + key + "'");
            }
            points = new double[][] {{header.getVersion()}, {header.getRunningLoss()}};
        }
        ObjectNode body = JSON.createObjectNode().put("modelKey", key);
        ArrayNode versions = body.putArray("versions");
        ArrayNode losses = body.putArray("runningLoss");
        for (int i = 0; i < points[0].length; i++) {
            versions.add((long) points[0][i]);
            losses.add(points[1][i]);
        }
        return body;
    }

    private ObjectNode predict(String key, byte[] body) {
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (IOException e) {
            throw new ApiError(400, "body is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (request == null || !(request.isObject() || request.isArray())) {
            throw new ApiError(400, "body must be {\"features\": {...}} or {\"dense\": [...]}, or a list of them");
        }
        ModelSnapshot snapshot = reader.whole(key);
        if (snapshot == null) {
            throw new ApiError(404, "no model '" + key + "'");
        }
        LinearModel model = SnapshotCodec.toModel(snapshot);
        ObjectNode answer = JSON.createObjectNode().put("modelKey", key).put("version", snapshot.getVersion());
        if (request.isObject()) {
            putPrediction(answer, model, request, -1);
            return answer;
        }
        ArrayNode predictions = answer.putArray("predictions");
        for (int i = 0; i < request.size(); i++) {
            putPrediction(predictions.addObject(), model, request.get(i), i);
        }
        return answer;
    }

    private void putPrediction(ObjectNode into, LinearModel model, JsonNode features, int index) {
        String where = index < 0 ? "" : "item " + index + ": ";
        Example example = example(features, where, model);
        if (model.outputs() != loss.outputs()) {
            throw new ApiError(409, where + "model has " + model.outputs() + " output(s) but the learner's loss "
                    + loss.name() + " has " + loss.outputs());
        }
        if (loss instanceof SoftmaxLoss softmax) {
            double[] scores = new double[softmax.classes()];
            double[] probabilities = new double[softmax.classes()];
            model.scores(example, scores);
            softmax.probabilities(scores, probabilities);
            int predicted = SoftmaxLoss.predictedClass(probabilities, softmax.classes());
            into.put("prediction", predicted);
            into.put("score", scores[predicted]);
            into.put("predictedClass", predicted);
            if (!classNames.isEmpty()) {
                into.put("className", classNames.get(predicted));
            }
            ArrayNode values = into.putArray("probabilities");
            for (double probability : probabilities) {
                values.add(probability);
            }
            return;
        }
        double score = model.score(example);
        into.put("prediction", loss.prediction(score));
        into.put("score", score);
    }

    /** The example of one request item, hashed as the learner hashes; checked against the model's dense length. */
    private Example example(JsonNode item, String where, LinearModel model) {
        if (!item.isObject() || (!item.has("features") && !item.has("dense"))) {
            throw new ApiError(400, where + "expected {\"features\": {name: number, …}} and/or {\"dense\": [numbers]}");
        }
        Map<String, Double> named = new TreeMap<>();
        JsonNode features = item.path("features");
        if (!features.isMissingNode()) {
            if (!features.isObject()) {
                throw new ApiError(400, where + "features must be an object of name → number");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = features.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> feature = it.next();
                named.put(feature.getKey(), number(feature.getValue(), where + "feature '" + feature.getKey() + "'"));
            }
        }
        double[] dense = null;
        JsonNode denseNode = item.path("dense");
        if (!denseNode.isMissingNode()) {
            if (!denseNode.isArray()) {
                throw new ApiError(400, where + "dense must be an array of numbers");
            }
            dense = new double[denseNode.size()];
            for (int i = 0; i < dense.length; i++) {
                dense[i] = number(denseNode.get(i), where + "dense[" + i + "]");
            }
            if (dense.length != model.denseDimension()) {
                throw new ApiError(400, where + "dense vector has " + dense.length + " features but the model has "
                        + Math.max(0, model.denseDimension()));
            }
        }
        try {
            return hasher != null ? Example.hashed(dense, named, hasher, 0.0, 1.0)
                    : Example.of(dense, named, 0.0, 1.0);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, where + e.getMessage());
        }
    }

    private static double number(JsonNode value, String what) {
        if (!value.isNumber() || !Double.isFinite(value.asDouble())) {
            throw new ApiError(400, what + " is not a finite number");
        }
        return value.asDouble();
    }

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw new ApiError(400, "body larger than " + MAX_BODY_BYTES + " bytes");
            }
            return body;
        }
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> parameters = new TreeMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                parameters.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return parameters;
    }

    private static void sendJson(HttpExchange exchange, int status, JsonNode body) throws IOException {
        send(exchange, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(body));
    }

    private static void sendError(HttpExchange exchange, int status, String message) throws IOException {
        sendJson(exchange, status, JSON.createObjectNode().put("error", message));
    }

    private static void sendResource(HttpExchange exchange, String resource, String type) throws IOException {
        try (InputStream in = HttpApi.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new ApiError(404, "no such resource: /" + resource);
            }
            send(exchange, 200, type, in.readAllBytes());
        }
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The path of model {@code key}'s resource, its key encoded for a URL. */
    static String modelPath(String key) {
        return "/models/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** An answer other than 200, with the message for the client. */
    private static final class ApiError extends RuntimeException {
        private final int status;

        ApiError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }
}
