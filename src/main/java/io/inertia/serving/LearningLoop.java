package io.inertia.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.inertia.avro.Outcome;
import io.inertia.config.InertiaConfig;
import io.inertia.model.Loss;
import io.inertia.serde.EventDecoder;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.LabeledEventEncoder;
import io.inertia.serde.SingleObjectAvroSerde;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * HTTP's half of the learning loop, as Personalizer's Rank and Reward: {@code POST /models/{key}/predict} with an
 * {@code eventId} records the request as an event without label on the input topic, carrying exactly the prediction
 * the client is given ({@code servedPrediction}), and {@code POST /models/{key}/outcomes} records {@code {"eventId",
 * "label"[, "weight"]}} (or a list of them) as {@code Outcome} records on the outcome topic; the outcome joiner then
 * learns the event with its outcome's label. Both write with the model key as the record key (murmur2 puts the
 * records on the model's partition) in the input format (Avro, or JSON with {@code inertia.input.format=json}), and
 * answer only after Kafka acknowledged every record of the request: an idempotent producer with {@code acks=all}
 * (see {@link #PRODUCER_TIMEOUT_MS}); when Kafka does not acknowledge in time the answer is 503 with
 * {@code Retry-After}.
 *
 * <p><b>Retries.</b> The model's owner, which answers every request of the model (another instance passes them on),
 * remembers the ids it recorded lately (within the last outcome window, and the last {@value #REMEMBERED_IDS} events
 * and outcomes): a request whose event
 * id was recorded with the same features (an outcome: the same label and weight) is answered as the first one was, with
 * the prediction first served, and records nothing; with other features or another label it is refused (409), since one
 * id is one event. A request still in flight with that id is waited for. An id recorded before a restart of the owner,
 * a move of the model to another instance, or longer ago is recorded again, and the joiner then dead-letters the second
 * event ({@code DUPLICATE_EVENT}) or outcome ({@code DUPLICATE_OUTCOME}): counted, never learned twice. After a 503 the
 * record may still have been written (the producer gave up waiting, not necessarily writing): the retry is recorded
 * again, with the same result.
 */
final class LearningLoop {

    /** Ids of events and outcomes the owner remembers, together (a few hundred bytes each). */
    static final int REMEMBERED_IDS = 100_000;
    /** How long a request waits for Kafka's acknowledgement at most (the producer's delivery timeout). */
    static final int PRODUCER_TIMEOUT_MS = 5_000;
    private static final JsonFactory FACTORY = new JsonFactory();

    private final Producer<byte[], byte[]> producer;
    private final Executor answers;
    private final String inputTopic;
    private final String outcomeTopic;
    private final boolean json;
    private final int maxRecordBytes;
    private final Loss loss;
    /** How long an id is remembered: the outcome window ({@code inertia.outcome.window.ms}). */
    private final long rememberMs;
    private final LongSupplier clock;
    private final LabeledEventEncoder events = new LabeledEventEncoder();
    private final SingleObjectAvroSerde<Outcome> outcomes = InertiaSerdes.outcome();
    private final Map<String, Recorded> recent = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Recorded> eldest) {
            return size() > REMEMBERED_IDS;
        }
    };

    /**
     * The loop of {@code config}'s topics and format, writing with {@code producer} and answering on {@code answers}
     * (the server's workers, not the producer's I/O thread).
     */
    LearningLoop(InertiaConfig config, Producer<byte[], byte[]> producer, Executor answers) {
        this(config, producer, answers, System::currentTimeMillis);
    }

    /** As above, telling the time (ms) by {@code clock}: it decides only how long an id is remembered. */
    LearningLoop(InertiaConfig config, Producer<byte[], byte[]> producer, Executor answers, LongSupplier clock) {
        this.clock = clock;
        this.rememberMs = config.outcomeWindowMs();
        this.producer = producer;
        this.answers = answers;
        this.inputTopic = config.inputTopic();
        this.outcomeTopic = config.outcomeTopic();
        this.json = config.jsonInput();
        this.maxRecordBytes = config.maxRecordBytes();
        this.loss = config.loss();
    }

    /**
     * Records the items of {@code request} that carry an event id, each with the prediction {@code scores} gives it
     * (or the one it was first served, for an id recorded already), then answers {@code exchange}:
     * {@code {"modelKey", "version", "prediction", "score", "eventId"}} for one item, its {@code version} the served
     * one; for a list {@code "predictions"}, each item with an id also with its own {@code eventId} and
     * {@code version}.
     */
    void predict(ApiExchange exchange, String key, Predictions.Request request, Predictions.Scores scores) {
        List<Predictions.Item> items = request.items();
        List<Write> writes = new ArrayList<>();
        EventDecoder.Served[] now = new EventDecoder.Served[items.size()];
        for (int i = 0; i < items.size(); i++) {
            now[i] = new EventDecoder.Served(loss.prediction(scores.scores()[i][0]), scores.scores()[i][0],
                    scores.version());
            if (items.get(i).eventId() != null) {
                writes.add(event(key, items.get(i), now[i]));
            }
        }
        List<CompletableFuture<EventDecoder.Served>> recorded = record(writes);
        List<CompletableFuture<EventDecoder.Served>> served = new ArrayList<>(items.size());
        for (int i = 0, next = 0; i < items.size(); i++) {
            served.add(items.get(i).eventId() == null ? CompletableFuture.completedFuture(now[i])
                    : recorded.get(next++));
        }
        CompletableFuture.allOf(served.toArray(CompletableFuture[]::new)).whenCompleteAsync((done, failure) -> {
            if (failure != null) {
                exchange.error(unavailable(failure));
                return;
            }
            exchange.bytes(200, ApiExchange.JSON_TYPE, predictionAnswer(key, request, scores.version(),
                    served.stream().map(CompletableFuture::join).toList()));
        }, answers);
    }

    /** Records the outcomes of {@code exchange}'s body for model {@code key}, then answers 202. */
    void outcomes(ApiExchange exchange, String key) {
        OutcomeRequest request = parseOutcomes(exchange.body());
        List<CompletableFuture<EventDecoder.Served>> written = recordOutcomes(key, request);
        CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).whenCompleteAsync((done, failure) -> {
            if (failure != null) {
                exchange.error(unavailable(failure));
                return;
            }
            exchange.bytes(202, ApiExchange.JSON_TYPE, outcomeAnswer(key, request));
        }, answers);
    }

    /**
     * Writes the outcomes of {@code request} for model {@code key}, each once per id (see {@link #record}): the
     * futures of their acknowledgements.
     *
     * @throws ApiError 400 for a label outside the loss's domain, and as {@link #record} refuses
     */
    List<CompletableFuture<EventDecoder.Served>> recordOutcomes(String key, OutcomeRequest request) {
        List<Write> writes = new ArrayList<>();
        for (OutcomeItem item : request.items()) {
            Optional<String> problem = loss.checkLabel(item.label());
            if (problem.isPresent()) {
                throw new ApiError(400, item.where() + "label " + item.label() + ": " + problem.get());
            }
            writes.add(outcome(key, item));
        }
        return record(writes);
    }

    private Write event(String key, Predictions.Item item, EventDecoder.Served served) {
        byte[] identity = digest(eventBytes(key, item, null));
        return new Write("event", inputTopic, key, item.eventId(), item.where(), eventBytes(key, item, served),
                identity, served, "features");
    }

    private Write outcome(String key, OutcomeItem item) {
        byte[] value = outcomeBytes(key, item);
        byte[] identity = digest(ByteBuffer.allocate(16).putDouble(item.label()).putDouble(item.weight()).array());
        return new Write("outcome", outcomeTopic, key, item.eventId(), item.where(), value, identity, null,
                "label or weight");
    }

    /**
     * Writes each of {@code writes} once per id: for one whose (kind, key, id) is remembered with the same identity,
     * the future of its first write; else a new write, its future completed with its result when Kafka acknowledged
     * the record. Nothing is written when one of them is refused.
     *
     * @throws ApiError 400 when two of them have one id; 409 when an id was recorded with another identity; 413 when
     *     a record would be larger than {@code inertia.max-record-bytes}
     */
    private List<CompletableFuture<EventDecoder.Served>> record(List<Write> writes) {
        Map<String, Write> byId = new LinkedHashMap<>();
        for (Write write : writes) {
            int bytes = write.key().getBytes(StandardCharsets.UTF_8).length + write.value().length;
            if (bytes > maxRecordBytes) {
                throw new ApiError(413, write.where() + "its " + write.kind() + " would be a record of " + bytes
                        + " bytes, more than inertia.max-record-bytes (" + maxRecordBytes + ")");
            }
            if (byId.put(write.remembered(), write) != null) {
                throw new ApiError(400, write.where() + "eventId '" + write.id() + "' is in this request twice");
            }
        }
        List<CompletableFuture<EventDecoder.Served>> written = new ArrayList<>(writes.size());
        List<Write> fresh = new ArrayList<>();
        List<Recorded> entries = new ArrayList<>();
        long now = clock.getAsLong();
        synchronized (recent) {
            for (Write write : writes) {
                Recorded earlier = recent.get(write.remembered());
                if (earlier != null && now - earlier.atMs() > rememberMs) {
                    // Older than the window: a new event under an old id, as the joiner too will see it.
                    recent.remove(write.remembered());
                    earlier = null;
                }
                if (earlier != null && !MessageDigest.isEqual(earlier.identity(), write.identity())) {
                    throw new ApiError(409, write.where() + write.kind() + " of eventId '" + write.id()
                            + "' was recorded already with another " + write.what() + "; one id is one "
                            + write.kind());
                }
            }
            for (Write write : writes) {
                Recorded earlier = recent.get(write.remembered());
                if (earlier != null) {
                    written.add(earlier.written());
                    continue;
                }
                Recorded entry = new Recorded(write.identity(), now, new CompletableFuture<>());
                recent.put(write.remembered(), entry);
                written.add(entry.written());
                fresh.add(write);
                entries.add(entry);
            }
        }
        for (int i = 0; i < fresh.size(); i++) {
            Write write = fresh.get(i);
            Recorded entry = entries.get(i);
            try {
                producer.send(new ProducerRecord<>(write.topic(), write.key().getBytes(StandardCharsets.UTF_8),
                        write.value()), (metadata, failure) -> {
                            if (failure == null) {
                                entry.written().complete(write.result());
                            } else {
                                forget(write.remembered(), entry, failure);
                            }
                        });
            } catch (RuntimeException e) {
                // Metadata not available within max.block.ms (Kafka unreachable), the producer closed, …
                forget(write.remembered(), entry, e);
            }
        }
        return written;
    }

    /** Forgets a record Kafka did not acknowledge, so that a retry writes it again. */
    private void forget(String remembered, Recorded entry, Throwable failure) {
        synchronized (recent) {
            recent.remove(remembered, entry);
        }
        entry.written().completeExceptionally(failure);
    }

    /** The value of the event recorded for {@code item} of model {@code key}, with {@code served} (or none). */
    byte[] eventBytes(String key, Predictions.Item item, EventDecoder.Served served) {
        if (!json) {
            return events.encode(key, item.dense(), item.names(), item.values(), null, 1.0, item.eventId(), served);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            generator.writeStartObject();
            generator.writeStringField("key", key);
            generator.writeStringField("id", item.eventId());
            if (item.names() != null) {
                generator.writeObjectFieldStart("features");
                for (int i = 0; i < item.names().length; i++) {
                    generator.writeNumberField(item.names()[i], item.values()[i]);
                }
                generator.writeEndObject();
            }
            if (item.dense() != null) {
                generator.writeArrayFieldStart("dense");
                for (double x : item.dense()) {
                    generator.writeNumber(x);
                }
                generator.writeEndArray();
            }
            if (served != null) {
                generator.writeObjectFieldStart("served");
                generator.writeNumberField("prediction", served.prediction());
                generator.writeNumberField("score", served.score());
                generator.writeNumberField("modelVersion", served.modelVersion());
                generator.writeEndObject();
            }
            generator.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The value of the outcome recorded for {@code item} of model {@code key}. */
    byte[] outcomeBytes(String key, OutcomeItem item) {
        return json ? outcomeJson(key, item) : outcomes.serialize(outcomeTopic,
                new Outcome(key, item.eventId(), item.label(), item.weight()));
    }

    private static byte[] outcomeJson(String key, OutcomeItem item) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            generator.writeStartObject();
            generator.writeStringField("key", key);
            generator.writeStringField("id", item.eventId());
            generator.writeNumberField("label", item.label());
            generator.writeNumberField("weight", item.weight());
            generator.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] predictionAnswer(String key, Predictions.Request request, long version,
            List<EventDecoder.Served> served) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(96 + 96 * served.size());
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("modelKey", key);
            if (request.list()) {
                json.writeNumberField("version", version);
                json.writeArrayFieldStart("predictions");
                for (int i = 0; i < served.size(); i++) {
                    String id = request.items().get(i).eventId();
                    json.writeStartObject();
                    json.writeNumberField("prediction", served.get(i).prediction());
                    json.writeNumberField("score", served.get(i).score());
                    if (id != null) {
                        json.writeStringField("eventId", id);
                        json.writeNumberField("version", served.get(i).modelVersion());
                    }
                    json.writeEndObject();
                }
                json.writeEndArray();
            } else {
                json.writeNumberField("version", served.get(0).modelVersion());
                json.writeNumberField("prediction", served.get(0).prediction());
                json.writeNumberField("score", served.get(0).score());
                json.writeStringField("eventId", request.items().get(0).eventId());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] outcomeAnswer(String key, OutcomeRequest request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(96);
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("modelKey", key);
            if (request.list()) {
                json.writeNumberField("outcomes", request.items().size());
            } else {
                OutcomeItem item = request.items().get(0);
                json.writeStringField("eventId", item.eventId());
                json.writeNumberField("label", item.label());
                json.writeNumberField("weight", item.weight());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static ApiError unavailable(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String reason = cause.getMessage() == null ? cause.getClass().getSimpleName()
                : cause.getMessage().lines().findFirst().orElse("");
        return ApiError.unavailable("Kafka did not acknowledge the record within " + PRODUCER_TIMEOUT_MS + " ms ("
                + reason + "); retry shortly");
    }

    private static byte[] digest(byte[] bytes) {
        try {
            return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(bytes), 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * The outcomes of a body: {@code {"eventId": "…", "label": y, "weight": w}} ({@code weight} optional, 1) or a
     * non-empty list of them. Other fields are refused, so that a misspelt {@code lable} is not silently lost.
     *
     * @throws ApiError 400 naming the first problem: not JSON, a missing or empty id, a label that is not a finite
     *     number, a weight that is not a finite number ≥ 0
     */
    static OutcomeRequest parseOutcomes(byte[] body) {
        Predictions.requireUtf8(body);
        try (JsonParser json = FACTORY.createParser(body)) {
            JsonToken first = json.nextToken();
            OutcomeRequest request;
            if (first == JsonToken.START_OBJECT) {
                request = new OutcomeRequest(List.of(outcomeItem(json, "")), false);
            } else if (first == JsonToken.START_ARRAY) {
                List<OutcomeItem> items = new ArrayList<>();
                for (JsonToken token = json.nextToken(); token != JsonToken.END_ARRAY; token = json.nextToken()) {
                    String where = "item " + items.size() + ": ";
                    if (token != JsonToken.START_OBJECT) {
                        throw new ApiError(400, where + "expected {\"eventId\", \"label\"[, \"weight\"]}");
                    }
                    items.add(outcomeItem(json, where));
                }
                if (items.isEmpty()) {
                    throw new ApiError(400, "the list of outcomes is empty");
                }
                request = new OutcomeRequest(items, true);
            } else {
                throw new ApiError(400, "body must be {\"eventId\", \"label\"[, \"weight\"]}, or a list of them");
            }
            if (json.nextToken() != null) {
                throw new ApiError(400, "body holds more than one JSON value");
            }
            return request;
        } catch (JsonProcessingException e) {
            throw new ApiError(400, "body is not JSON: " + Predictions.firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ApiError(400, "body is not JSON: " + Predictions.firstLine(e.getMessage()));
        }
    }

    private static OutcomeItem outcomeItem(JsonParser json, String where) throws IOException {
        String id = null;
        Double label = null;
        double weight = 1.0;
        for (String field = json.nextFieldName(); field != null; field = json.nextFieldName()) {
            JsonToken token = json.nextToken();
            switch (field) {
                case "eventId" -> id = Predictions.eventId(json, token, where);
                case "label" -> label = Predictions.number(json, token, where + "label");
                case "weight" -> {
                    weight = Predictions.number(json, token, where + "weight");
                    if (weight < 0) {
                        throw new ApiError(400, where + "weight " + weight + " is negative");
                    }
                }
                default -> throw new ApiError(400, where + "unknown field '" + field + "' (expected eventId, label, "
                        + "weight)");
            }
        }
        if (id == null) {
            throw new ApiError(400, where + "eventId is missing: an outcome names the event it labels");
        }
        if (label == null) {
            throw new ApiError(400, where + "label is missing");
        }
        return new OutcomeItem(id, label, weight, where);
    }

    /** The outcomes of one request, and whether they came as a list. */
    record OutcomeRequest(List<OutcomeItem> items, boolean list) {
    }

    /** One outcome: the id of its event, its label and weight, and where it is in the request (for messages). */
    record OutcomeItem(String eventId, double label, double weight, String where) {
    }

    /**
     * A record to write for an event id: its kind ({@code event}, {@code outcome}), topic, model key and id, where it
     * is in the request, its bytes, a digest of what makes it this event or outcome (not the served prediction), what
     * its write completes with, and what that digest stands for (for messages).
     */
    private record Write(String kind, String topic, String key, String id, String where, byte[] value,
            byte[] identity, EventDecoder.Served result, String what) {
        /** Its entry among the ids remembered. */
        String remembered() {
            return kind + '\0' + key + '\0' + id;
        }
    }

    /**
     * A record written (or being written) for an id: a digest of what it says, when it was first asked for (ms), and
     * its acknowledgement.
     */
    private record Recorded(byte[] identity, long atMs, CompletableFuture<EventDecoder.Served> written) {
    }
}
