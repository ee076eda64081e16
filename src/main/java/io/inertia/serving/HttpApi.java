package io.inertia.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.OutcomeMetrics;
import io.inertia.config.InertiaConfig;
import io.inertia.io.SnapshotJson;
import io.inertia.topology.ModelStore;
import io.inertia.topology.SnapshotCodec;
import io.inertia.topology.ModelView;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code inertia run}'s HTTP API, on Jetty: the models of the whole application from any instance (a key another
 * instance owns is passed to it, found by Kafka Streams' {@code queryMetadataForKey} and {@code application.server}),
 * predictions, health, Prometheus metrics and the dashboard.
 *
 * <ul>
 *   <li>{@code GET /health}: 200 while the process is up. {@code GET /ready}: 200 only while Kafka Streams is
 *       RUNNING, else 503. Neither needs the token, nor does the dashboard's page {@code GET /} (it holds no data and
 *       reads the API with the token given after {@code #token=} in its address).</li>
 *   <li>{@code GET /models}: every model of the application, with version and losses (and {@code outcomes} for a
 *       model the outcome joiner decided about).</li>
 *   <li>{@code GET /models/{key}[?weights=false]}: the model as JSON, every weight current (as {@code inertia
 *       snapshots} prints it), with its optimizer and prequential metrics; streamed as it is written.</li>
 *   <li>{@code GET /models/{key}/history}: its running loss against its version, for the dashboard.</li>
 *   <li>{@code POST /models/{key}/predict} with {@code {"features": {…}}} and/or {@code {"dense": […]}}, or a list of
 *       them: the prediction(s), score(s) and the model version used; see {@link Predictions}. With
 *       {@code ?raw=true}, the user's own record(s) through the feature spec instead; see {@link RawPredictions}.</li>
 *   <li>With the outcome joiner ({@code inertia.outcome.join=true}), an item of {@code predict} with an
 *       {@code "eventId"} is recorded as an event without label that carries the prediction served, and
 *       {@code POST /models/{key}/outcomes} with {@code {"eventId", "label"[, "weight"]}} (or a list) records its
 *       outcome; see {@link LearningLoop}.</li>
 *   <li>{@code GET /metrics}: Prometheus text.</li>
 * </ul>
 *
 * Models are read where the learner holds them, in memory, else from its durable stores ({@link ModelReader}). Errors
 * are JSON {@code {"error": "…"}}: 400 malformed request, 401 missing or wrong token, 404 unknown key or path, 405
 * wrong method, 408 a request body that stopped arriving, 413 a body beyond {@code inertia.http.max-body-bytes}, 503
 * with {@code Retry-After} while the stores are not queryable (start-up, rebalance) or the owner does not answer;
 * what Jetty refuses before the API sees it is answered the same way ({@link JsonErrors}). A client never sees a
 * stack trace; the server logs unexpected failures.
 *
 * <p>Threads: Jetty parses requests without a thread per connection (a slow or idle client costs a socket until the
 * idle timeout). A request that needs only memory (a prediction or a header of a model the learner holds, health) is
 * answered on the thread that parsed it, Jetty's selector: no hand-off to another thread, which on two cores shared
 * with the learner cost more than the answer. Whatever may wait (a read of the stores, a whole model written as slowly
 * as the client reads, another instance, the producer of the learning loop, a body of more than {@value
 * #INLINE_BODY_BYTES} bytes to parse) goes to one of a bounded pool of workers, which also relay the answers of
 * requests passed to other instances. Every connection has {@code TCP_NODELAY} set, so that small answers on
 * kept-alive connections are not held back by Nagle's algorithm waiting for the client's delayed ACK (40 ms on Linux).
 */
public final class HttpApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Threads, the selectors included: enough to keep two cores busy and some blocked on slow whole-model
     * readers, few enough that the learner's stream thread, one thread, is not one of 30-odd runnable threads sharing
     * the cores under load (predictions are relayed without a waiting thread, see {@link Forwarder}). With 32, a
     * profile under load found the stream thread in 22 of 280 samples; with 8, in 84 of 382.
     */
    private static final int MAX_THREADS = 8;
    private static final int MIN_THREADS = 4;
    /** Jetty's selector threads, within {@link #MAX_THREADS}. */
    private static final int SELECTORS = 2;
    /** Whole models of more weights than this are copied per request: at most {@link #WHOLE_MODEL_READS} at a time. */
    private static final int LARGE_MODEL_WEIGHTS = 65_536;
    private static final int WHOLE_MODEL_READS = 2;
    /** A request line and headers may hold a key of 1,000 characters percent-encoded (up to 9 bytes each). */
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    /**
     * A body up to this size is parsed on the selector; a larger one (a long list of items) on a worker, so that
     * parsing it does not hold up the other connections.
     */
    static final int INLINE_BODY_BYTES = 64 * 1024;

    private final InertiaConfig config;
    private final KafkaStreams streams;
    private final LearnerMetrics metrics;
    private final LossHistory history;
    private final HostInfo self;
    private final String instance;
    private final ModelJson json;
    private final ModelReader reader;
    private final Predictions predictions;
    private final RawPredictions rawPredictions;
    private final byte[] token;
    private final byte[] dashboard;
    private final Semaphore wholeModelReads = new Semaphore(WHOLE_MODEL_READS);
    private final Owners owners;
    private Forwarder forwarder;
    /** Records predictions with an event id and outcomes; null without the outcome joiner. */
    private LearningLoop loop;
    private KafkaProducer<byte[], byte[]> loopProducer;
    /** The settings of the loop's producer, given before {@link #start()}; null: no loop. */
    private Properties loopProducerSettings;
    private Server server;
    private ServerConnector connector;
    /** The workers, for what may wait. */
    private QueuedThreadPool workers;

    /**
     * The API of {@code streams} (not yet started, or running), reachable by the other instances at {@code self},
     * whose input topic has {@code inputPartitions} partitions.
     */
    public HttpApi(InertiaConfig config, KafkaStreams streams, LearnerMetrics metrics, LossHistory history,
            HostInfo self, int inputPartitions) {
        this.config = config;
        this.streams = streams;
        this.metrics = metrics;
        this.history = history;
        this.self = self;
        this.instance = self.host() + ":" + self.port();
        // A quarter of the learner's budget for the models read whole from the stores.
        this.json = new ModelJson(SnapshotCodec.hyperParameters(config), config.learner(), instance);
        this.reader = new ModelReader(ModelReader.of(streams, config.maxRecordBytes()), config,
                new StoredModels(config.modelCacheMaxBytes() / 4), json);
        this.predictions = new Predictions(config, reader.learner());
        this.rawPredictions = new RawPredictions(config);
        this.token = config.httpToken().isEmpty() ? null : config.httpToken().getBytes(StandardCharsets.UTF_8);
        this.dashboard = resource("dashboard/index.html");
        this.owners = new Owners(streams, ModelStore.NAME, inputPartitions);
    }

    /**
     * Binds {@code inertia.http.host}:{@code inertia.http.port} and serves.
     *
     * @throws UncheckedIOException when the address cannot be bound (in use, not local)
     */
    public void start() {
        // Threads idle as long as a connection may be are stopped: a burst leaves nothing behind.
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, MIN_THREADS,
                (int) Math.min(Integer.MAX_VALUE, config.httpIdleTimeoutMs()));
        threads.setName("inertia-http");
        threads.setDaemon(true);
        workers = threads;
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        http.setRequestHeaderSize(MAX_HEADER_BYTES);
        // Model keys may hold "/" and "." (percent-encoded): the API splits the raw path and decodes each segment.
        http.setUriCompliance(UriCompliance.DEFAULT.with("inertia-model-keys",
                UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR, UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING,
                UriCompliance.Violation.AMBIGUOUS_PATH_SEGMENT, UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT));
        // Two selector threads (accepting too), which answer the requests that need only memory: one per core. With
        // one, a selector descheduled in favour of the learner held up every connection (dense p99 20.3 ms against
        // 8.6 ms with two, at 10,000 predictions/s).
        connector = new ServerConnector(server, 0, SELECTORS, new HttpConnectionFactory(http));
        connector.setHost(config.httpHost());
        connector.setPort(config.httpPort());
        connector.setIdleTimeout(config.httpIdleTimeoutMs());
        connector.setAcceptedTcpNoDelay(true);
        server.addConnector(connector);
        server.setHandler(new Router());
        server.setErrorHandler(new JsonErrors());
        server.setStopTimeout(0);
        // On the server's threads: started after it, stopped before it.
        forwarder = new Forwarder(threads);
        try {
            server.start();
            forwarder.start();
            if (loopProducerSettings != null) {
                loopProducer = new KafkaProducer<>(loopProducerSettings, new ByteArraySerializer(),
                        new ByteArraySerializer());
                loop = new LearningLoop(config, loopProducer, threads);
            }
        } catch (Exception e) {
            close();
            throw new UncheckedIOException("cannot serve HTTP on " + config.httpHost() + ":" + config.httpPort()
                    + ": " + e.getMessage(), e instanceof IOException io ? io : new IOException(e));
        }
        metrics.bindHttp(() -> connector.getConnectedEndPoints().size(), threads::getThreads,
                threads::getBusyThreads);
        LOG.info("HTTP API on http://{}:{}/ (application.server {}:{}){}", config.httpHost(), port(), self.host(),
                self.port(), token == null ? "" : ", bearer token required");
    }

    /** The port served (the one bound when {@code inertia.http.port} asked for any). */
    public int port() {
        return connector.getLocalPort();
    }

    /**
     * Serves the learning loop ({@link LearningLoop}: predict with an event id, outcomes) with a producer of
     * {@code producerSettings} (an idempotent one, {@code acks=all}), which gives up on a record after
     * {@link LearningLoop#PRODUCER_TIMEOUT_MS}; call before {@link #start()}, with the outcome joiner on.
     */
    public void recordLoop(Properties producerSettings) {
        Properties properties = new Properties();
        properties.putAll(producerSettings);
        int timeout = LearningLoop.PRODUCER_TIMEOUT_MS;
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Integer.toString(timeout / 2));
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(timeout / 2));
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(timeout));
        loopProducerSettings = properties;
    }

    @Override
    public void close() {
        if (loopProducer != null) {
            loopProducer.close(Duration.ofSeconds(5));
        }
        try {
            if (forwarder != null) {
                forwarder.close();
            }
        } catch (Exception e) {
            LOG.warn("HTTP client of the API did not stop cleanly: {}", e.getMessage());
        }
        try {
            if (server != null) {
                server.stop();
            }
        } catch (Exception e) {
            LOG.warn("HTTP API did not stop cleanly: {}", e.getMessage());
        }
    }

    /**
     * Jetty's handler, declared non-blocking: every request on the thread that parsed it, which must never wait;
     * {@link #onWorker} takes what may.
     */
    private final class Router extends Handler.Abstract.NonBlocking {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            ApiExchange exchange = new ApiExchange(request, response, callback);
            run(exchange, () -> route(exchange));
            return true;
        }
    }

    /** Runs {@code step} of {@code exchange} on a worker: it may wait (stores, sockets, the producer). */
    private void onWorker(ApiExchange exchange, Runnable step) {
        try {
            workers.execute(() -> run(exchange, step));
        } catch (RejectedExecutionException e) {
            exchange.error(ApiError.unavailable("the server is stopping"));
        }
    }

    /**
     * Runs {@code step} on a model of {@code partition}, forgetting the partition's owner when its task is found not
     * (or no longer) here, so that the next request asks Kafka Streams again.
     */
    private void onPartition(int partition, Runnable step) {
        try {
            step.run();
        } catch (InvalidStateStoreException e) {
            owners.forget(partition);
            throw e;
        }
    }

    /** Runs {@code step} of {@code exchange}, answering whatever it throws as the client should see it. */
    private void run(ApiExchange exchange, Runnable step) {
        try {
            step.run();
        } catch (ApiError e) {
            exchange.error(e);
        } catch (InvalidStateStoreException e) {
            exchange.error(ApiError.unavailable("the learner's stores are not queryable now (starting or "
                    + "rebalancing); retry shortly"));
        } catch (RuntimeException | Error e) {
            if (exchange.answered()) {
                LOG.warn("HTTP {} {} failed after its answer began", exchange.method(), exchange.rawPath(), e);
                return;
            }
            LOG.warn("HTTP {} {} failed", exchange.method(), exchange.rawPath(), e);
            exchange.error(new ApiError(500, "internal error (" + e.getClass().getSimpleName()
                    + "); see the server log"));
        }
    }

    private void route(ApiExchange exchange) {
        String path = exchange.rawPath();
        String method = exchange.method();
        switch (path) {
            case "/health" -> {
                requireMethod(method, "GET");
                exchange.json(200, JSON.createObjectNode().put("status", "up"));
                return;
            }
            case "/ready" -> {
                requireMethod(method, "GET");
                KafkaStreams.State state = streams.state();
                if (state != KafkaStreams.State.RUNNING) {
                    exchange.responseHeader("Retry-After", "1");
                }
                exchange.json(state == KafkaStreams.State.RUNNING ? 200 : 503,
                        JSON.createObjectNode().put("state", state.name()));
                return;
            }
            case "/", "/index.html" -> {
                // The page holds no data; it reads the API with the token given after # in its address.
                requireMethod(method, "GET");
                exchange.bytes(200, "text/html; charset=utf-8", dashboard);
                return;
            }
            default -> {
                // below
            }
        }
        authorize(exchange);
        if (path.equals("/metrics")) {
            requireMethod(method, "GET");
            onWorker(exchange, () -> exchange.bytes(200, "text/plain; version=0.0.4; charset=utf-8",
                    metrics.scrape().getBytes(StandardCharsets.UTF_8)));
            return;
        }
        if (path.equals("/models") || path.equals("/models/")) {
            requireMethod(method, "GET");
            // Every header from the stores, and the other instances' lists.
            boolean local = "local".equals(exchange.query("scope"));
            onWorker(exchange, () -> exchange.json(200, local ? localModels() : allModels(exchange)));
            return;
        }
        if (path.startsWith("/models/")) {
            modelRequest(exchange, path);
            return;
        }
        throw new ApiError(404, "no such resource: " + path);
    }

    /** {@code /models/{key}[/action]}: checked, its body read, then answered here or by the owner of the key. */
    private void modelRequest(ApiExchange exchange, String path) {
        int start = "/models/".length();
        int slash = path.indexOf('/', start);
        String action = slash < 0 ? "" : path.substring(slash + 1);
        ModelAction handler = action.indexOf('/') >= 0 ? null : MODEL_ACTIONS.get(action);
        if (handler == null) {
            throw new ApiError(404, "no such resource: " + path);
        }
        String key;
        try {
            String encoded = slash < 0 ? path.substring(start) : path.substring(start, slash);
            key = encoded.indexOf('%') < 0 && encoded.indexOf('+') < 0 ? encoded
                    : URLDecoder.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "model key is not percent-encoded UTF-8: " + e.getMessage());
        }
        if (key.isEmpty()) {
            throw new ApiError(404, "no such resource: " + path);
        }
        requireMethod(exchange.method(), handler.method);
        if (handler.method.equals("POST")) {
            exchange.readBody(config.httpMaxBodyBytes(), () -> run(exchange, () -> modelAction(exchange, key,
                    action)));
        } else {
            modelAction(exchange, key, action);
        }
    }

    /** What a model request may do: its method; the model's owner answers it. */
    private record ModelAction(String method) {
    }

    /** The actions on one model; later ones (outcomes, explanations) go here. */
    private static final Map<String, ModelAction> MODEL_ACTIONS = Map.of(
            "", new ModelAction("GET"),
            "predict", new ModelAction("POST"),
            "outcomes", new ModelAction("POST"),
            "history", new ModelAction("GET"));

    private void modelAction(ApiExchange exchange, String key, String action) {
        Owners.Owner owner = owners.of(key);
        if (owner == null) {
            throw ApiError.unavailable("no instance owns model '" + key + "' right now (rebalancing); retry shortly");
        }
        boolean whole = action.isEmpty() && !"false".equals(exchange.query("weights"));
        if (!owner.host().equals(self)) {
            if (exchange.hasHeader(Forwarder.FORWARDED)) {
                // Passed here by an instance that thought this one owns it: the assignment is moving.
                owners.forget(owner.partition());
                throw ApiError.unavailable("model '" + key + "' is moving between instances; retry shortly");
            }
            onWorker(exchange, () -> forwarder.forward(exchange, owner.host(), whole,
                    () -> owners.forget(owner.partition())));
            return;
        }
        int partition = owner.partition();
        onPartition(partition, () -> {
            switch (action) {
                case "predict" -> predict(exchange, key, partition);
                case "outcomes" -> onWorker(exchange, () -> requireLoop("outcomes").outcomes(exchange, key));
                case "history" -> onWorker(exchange, () -> onPartition(partition,
                        () -> exchange.json(200, history(key, partition))));
                default -> {
                    if (whole) {
                        onWorker(exchange, () -> onPartition(partition, () -> wholeModel(exchange, key, partition)));
                    } else {
                        header(exchange, key, partition);
                    }
                }
            }
        });
    }

    /**
     * {@code ?weights=false}: from memory at once; from the stores (and with the outcome joiner's counts, which are
     * read from the header store) on a worker.
     */
    private void header(ApiExchange exchange, String key, int partition) {
        if (!reader.readsOutcomes()) {
            Optional<ModelJson.Header> live = reader.inMemory(key, partition, json::header);
            if (live.isPresent()) {
                exchange.bytes(200, ApiExchange.JSON_TYPE, json.header(live.get(), null));
                return;
            }
        }
        onWorker(exchange, () -> onPartition(partition, () -> {
            ModelJson.Header header = reader.header(key, partition);
            if (header == null) {
                throw noModel(key);
            }
            exchange.bytes(200, ApiExchange.JSON_TYPE, json.header(header, reader.outcomes(key)));
        }));
    }

    /**
     * A prediction: parsed, then scored and answered at once by a model in memory; on a worker when the model must be
     * read from the stores, the prediction recorded by the learning loop, or the body is large.
     */
    private void predict(ApiExchange exchange, String key, int partition) {
        if ("true".equals(exchange.query("raw"))) {
            onWorker(exchange, () -> onPartition(partition, () -> rawPredict(exchange, key, partition)));
            return;
        }
        if (exchange.bodyLength() > INLINE_BODY_BYTES) {
            onWorker(exchange, () -> onPartition(partition, () -> predict(exchange, key, partition,
                    predictions.parse(exchange.body()))));
            return;
        }
        Predictions.Request request = predictions.parse(exchange.body());
        if (!request.recorded()) {
            Optional<Predictions.Scores> live = reader.inMemory(key, partition,
                    view -> predictions.score(view, request));
            if (live.isPresent()) {
                exchange.bytes(200, ApiExchange.JSON_TYPE, predictions.answer(key, request, live.get()));
                return;
            }
        }
        onWorker(exchange, () -> onPartition(partition, () -> predict(exchange, key, partition, request)));
    }

    /** {@code request} scored by the model wherever it is (on a worker), and recorded when it carries event ids. */
    private void predict(ApiExchange exchange, String key, int partition, Predictions.Request request) {
        boolean recorded = request.recorded();
        LearningLoop recording = recorded ? requireLoop("predict with an eventId") : null;
        Predictions.Scores scores = reader.withWeights(key, partition, view -> predictions.score(view, request));
        if (scores == null && recorded) {
            // As the outcome joiner scores an event of a model it does not have yet: with a new model.
            scores = predictions.score(new ModelView(key, reader.learner().newModel(), false, 0L), request);
        }
        if (scores == null) {
            throw noModel(key);
        }
        if (recorded) {
            recording.predict(exchange, key, request, scores);
            return;
        }
        exchange.bytes(200, ApiExchange.JSON_TYPE, predictions.answer(key, request, scores));
    }

    /** The learning loop, for {@code what}; 400 without the outcome joiner, which would never learn from it. */
    private LearningLoop requireLoop(String what) {
        if (loop == null) {
            throw new ApiError(400, what + " needs inertia.outcome.join=true (the outcome joiner learns the event "
                    + "when its outcome comes)");
        }
        return loop;
    }

    /** {@code predict?raw=true}: the user's own records through the feature spec (see {@link RawPredictions}). */
    private void rawPredict(ApiExchange exchange, String key, int partition) {
        RawPredictions.Request raw = rawPredictions.parse(key, exchange.body());
        Predictions.Request[] request = new Predictions.Request[1];
        Predictions.Scores scores = reader.withWeights(key, partition, view -> {
            request[0] = rawPredictions.examples(view, raw);
            return predictions.score(view, request[0]);
        });
        if (scores == null) {
            throw noModel(key);
        }
        exchange.bytes(200, ApiExchange.JSON_TYPE, predictions.answer(key, request[0], scores));
    }

    /**
     * The model whole, streamed. A model of more than {@value #LARGE_MODEL_WEIGHTS} weights held in memory is copied for
     * the request (the learner waits for the copy, not for the client), so at most {@value #WHOLE_MODEL_READS} such
     * requests run at a time; another gets 503 with {@code Retry-After}.
     */
    private void wholeModel(ApiExchange exchange, String key, int partition) {
        Integer weights = reader.withWeights(key, partition, view -> view.model().coordinateCount());
        if (weights == null) {
            throw noModel(key);
        }
        boolean large = weights > LARGE_MODEL_WEIGHTS;
        if (large && !wholeModelReads.tryAcquire()) {
            throw ApiError.unavailable(WHOLE_MODEL_READS + " whole large models are being sent already; retry shortly");
        }
        try {
            ModelView view = reader.detached(key, partition);
            if (view == null) {
                throw noModel(key);
            }
            ModelSnapshot record = reader.record(view);
            exchange.stream(200, ApiExchange.JSON_TYPE, out -> json.whole(out, record, view.model(),
                    reader.learner()));
        } finally {
            if (large) {
                wholeModelReads.release();
            }
        }
    }

    private ObjectNode history(String key, int partition) {
        double[][] points = history.points(key);
        if (points == null || points[0].length == 0) {
            // Not learned by this process yet (it learned before a restart or a rebalance): its stored state.
            ModelJson.Header header = reader.header(key, partition);
            if (header == null) {
                throw noModel(key);
            }
            points = new double[][] {{header.version()}, {header.runningLoss()}};
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

    private static ApiError noModel(String key) {
        return new ApiError(404, "no model '" + key + "'");
    }

    private void authorize(ApiExchange exchange) {
        if (token == null) {
            return;
        }
        String header = exchange.header("Authorization");
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

    /** Every model of this instance's active tasks. */
    private ObjectNode localModels() {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode models = body.putArray("models");
        if (streams.state() == KafkaStreams.State.RUNNING && !hostsModels(self)) {
            // Running without an active task (more instances than partitions): no models here, not an error.
            return body;
        }
        for (ModelSnapshot header : reader.allHeaders()) {
            ObjectNode model = models.addObject();
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
            if (header.getOutcomes() != null) {
                model.set("outcomes", outcomesJson(header.getOutcomes()));
            }
            model.put("instance", instance);
        }
        return body;
    }

    /** A model's outcomes as {@link SnapshotJson#writeOutcomes} writes them, for the list of models. */
    private static JsonNode outcomesJson(OutcomeMetrics outcomes) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256);
        try (com.fasterxml.jackson.core.JsonGenerator generator = JSON.getFactory().createGenerator(out)) {
            generator.writeStartObject();
            SnapshotJson.writeOutcomes(generator, outcomes);
            generator.writeEndObject();
            generator.flush();
            return JSON.readTree(out.toByteArray()).get("outcomes");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the instance at {@code host} has active tasks with models, as Kafka Streams' metadata says. */
    private boolean hostsModels(HostInfo host) {
        for (StreamsMetadata metadata : streams.metadataForAllStreamsClients()) {
            if (metadata.hostInfo().equals(host) && metadata.stateStoreNames().contains(ModelStore.NAME)) {
                return true;
            }
        }
        return false;
    }

    /** Every model of the application: this instance's, and each other instance's as it answers. */
    private ObjectNode allModels(ApiExchange exchange) {
        TreeMap<String, JsonNode> byKey = new TreeMap<>();
        localModels().get("models").forEach(model -> byKey.put(model.get("modelKey").asText(), model));
        ArrayNode unreachable = JSON.createArrayNode();
        for (StreamsMetadata metadata : streams.metadataForAllStreamsClients()) {
            HostInfo host = metadata.hostInfo();
            if (host.equals(self) || host.port() <= 0 || !metadata.stateStoreNames().contains(ModelStore.NAME)) {
                continue;
            }
            try {
                JsonNode theirs = forwarder.fetch(host, "/models?scope=local", exchange.header("Authorization"));
                theirs.path("models").forEach(model -> byKey.put(model.get("modelKey").asText(), model));
            } catch (IOException | RuntimeException e) {
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

    private static byte[] resource(String name) {
        try (InputStream in = HttpApi.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
