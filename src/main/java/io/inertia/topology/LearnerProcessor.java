package io.inertia.topology;

import io.inertia.avro.HyperParameters;
import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Prediction;
import io.inertia.config.InertiaConfig.OnDivergence;
import io.inertia.model.Example;
import io.inertia.model.FeatureHasher;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.model.OnlineLearner.LearningStep;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates each raw event, then predicts, computes the gradient and applies the update to the event's model in the
 * {@link ModelStore}; publishes the prediction made before the update (test-then-train), and a snapshot after every
 * N-th update of a model. An event that cannot be learned from
 * goes, unchanged and with the reason in its headers, to the dead-letter sink; validation finishes before the store is
 * touched, so a rejected event never changes a model.
 *
 * <p>Keys and values arrive as bytes and are decoded here, so that undecodable records are dead-lettered like any
 * other bad event instead of stopping the stream.
 *
 * <p>Numeric guard: an update that would make a parameter it touched (every dense weight, the event's named weights,
 * the bias, their optimizer state), the running loss or a metric non-finite (divergence, see
 * {@link OnlineLearner#divergence}) is discarded: the model is read afresh from the store for every event, so not
 * saving it leaves the stored model exactly as before the event. Neither a prediction nor a snapshot is published, the
 * event is dead-lettered with the reason, and a warning is logged. A snapshot also brings the named weights that no
 * event touched up to date; if that makes one non-finite, the update is undone in the store and handled the same way,
 * so that no published snapshot ever holds NaN or ±∞. With {@link OnDivergence#HALT} the stored model is also marked
 * {@code halted}, and every later event of that model is dead-lettered; other models go on.
 */
final class LearnerProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(LearnerProcessor.class);
    /** The last-event timestamp of a model that has applied no event (Kafka's "no timestamp"). */

    private final OnlineLearner learner;
    private final HyperParameters hyperParameters;
    private final long snapshotEvery;
    private final String predictionTopic;
    /** Hashes named features before learning; null when hashing is off (hash bits 0). */
    private final FeatureHasher hasher;
    private final SingleObjectAvroSerde<LabeledEvent> eventSerde = InertiaSerdes.labeledEvent();
    private final SingleObjectAvroSerde<ModelSnapshot> snapshotSerde = InertiaSerdes.modelSnapshot();
    private final SingleObjectAvroSerde<Prediction> predictionSerde = InertiaSerdes.prediction();
    private final LearningObserver observer;
    private final OnDivergence onDivergence;
    private ProcessorContext<byte[], byte[]> context;
    private ModelStore models;

    /** A learner processor that dead-letters a diverging event and lets the model go on learning. */
    LearnerProcessor(OnlineLearner learner, HyperParameters hyperParameters, long snapshotEvery,
            String predictionTopic, int hashBits, LearningObserver observer) {
        this(learner, hyperParameters, snapshotEvery, predictionTopic, hashBits, OnDivergence.DEAD_LETTER, observer);
    }

    /** A learner processor that handles a diverging update as {@code onDivergence} says. */
    LearnerProcessor(OnlineLearner learner, HyperParameters hyperParameters, long snapshotEvery,
            String predictionTopic, int hashBits, OnDivergence onDivergence, LearningObserver observer) {
        this.onDivergence = onDivergence;
        this.learner = learner;
        this.hyperParameters = hyperParameters;
        this.snapshotEvery = snapshotEvery;
        this.predictionTopic = predictionTopic;
        this.hasher = hashBits > 0 ? FeatureHasher.of(hashBits) : null;
        this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.models = new ModelStore(context.getStateStore(ModelStore.NAME),
                context.getStateStore(ModelStore.COORDINATES), learner, hyperParameters);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse("?");
        if (record.key() == null || record.key().length == 0) {
            reject(record, "record key is null or empty; events must be keyed by model key");
            return;
        }
        if (record.value() == null) {
            reject(record, "record value is null");
            return;
        }
        LabeledEvent event;
        try {
            event = eventSerde.deserialize(topic, record.value());
        } catch (SerializationException e) {
            reject(record, e.getMessage());
            return;
        }
        String key = new String(record.key(), StandardCharsets.UTF_8);
        if (event.getModelKey().isEmpty()) {
            reject(record, "event modelKey is empty");
            return;
        }
        if (key.indexOf(ModelStore.SEPARATOR) >= 0) {
            reject(record, "model key contains a NUL character");
            return;
        }
        if (!key.equals(event.getModelKey())) {
            reject(record, "record key '" + key + "' differs from event modelKey '" + event.getModelKey() + "'");
            return;
        }
        Example example;
        try {
            double[] dense = dense(event.getDenseFeatures());
            example = Example.of(dense, event.getNamedFeatures(), event.getLabel(), event.getWeight());
            if (hasher != null && event.getNamedFeatures() != null) {
                // Hashed after the checks above, so that a bad value is reported under the name the event gave it.
                example = Example.of(dense, hasher.hash(example.named()), event.getLabel(), event.getWeight());
            }
        } catch (IllegalArgumentException e) {
            reject(record, e.getMessage());
            return;
        }
        LinearModel model = models.load(key, example);
        if (models.loadedHalted()) {
            reject(record, "model '" + key + "' is halted after a divergence");
            return;
        }
        Optional<String> problem = learner.check(model, example);
        if (problem.isPresent()) {
            reject(record, problem.get());
            return;
        }
        LearningStep step = learner.learn(model, example);
        Optional<String> divergence = learner.divergence(model, example, step);
        if (divergence.isPresent()) {
            diverged(record, key, step.version(), divergence.get());
            return;
        }
        boolean snapshotDue = step.version() % snapshotEvery == 0;
        ModelStore.Saved before = snapshotDue ? models.remember(key, model) : null;
        models.save(key, model, example, record.timestamp());
        ModelSnapshot snapshot = null;
        if (snapshotDue) {
            snapshot = models.snapshot(key);
            LinearModel whole = SnapshotCodec.toModel(snapshot);
            Optional<String> latent = whole.firstNonFinite(whole.namedSlots().keySet());
            if (latent.isPresent()) {
                models.restore(before);
                diverged(record, key, step.version(),
                        "update would make " + latent.get() + " non-finite once brought up to date (divergence)");
                return;
            }
        }
        Prediction prediction = Prediction.newBuilder().setModelKey(key).setEventId(event.getEventId())
                .setPrediction(step.prediction()).setScore(step.score()).setLabel(event.getLabel())
                .setLoss(step.loss()).setModelVersion(step.version() - 1).build();
        context.forward(new Record<>(record.key(), predictionSerde.serialize(predictionTopic, prediction),
                record.timestamp()), InertiaTopology.PREDICTION_SINK);
        observer.learned(key, step.version(), step.loss(), model.runningLoss());
        if (snapshot != null) {
            context.forward(new Record<>(record.key(), snapshotSerde.serialize(topic, snapshot),
                    record.timestamp()), InertiaTopology.SNAPSHOT_SINK);
        }
    }

    /** Handles an update of model {@code key} to {@code version} that diverged: the updated model is not saved. */
    private void diverged(Record<byte[], byte[]> record, String key, long version, String reason) {
        boolean halt = onDivergence == OnDivergence.HALT;
        String outcome = halt ? "model left unchanged and halted" : "model left unchanged";
        LOG.warn("Model '{}' diverged at update {}: {}; {}{}", key, version, reason, outcome,
                halt ? ", its later events go to the dead-letter topic" : "");
        if (halt) {
            models.markHalted(key);
        }
        reject(record, reason + "; " + outcome);
    }

    private static double[] dense(List<Double> features) {
        if (features == null) {
            return null;
        }
        double[] values = new double[features.size()];
        for (int i = 0; i < values.length; i++) {
            Double value = features.get(i);
            values[i] = value == null ? Double.NaN : value;
        }
        return values;
    }

    private void reject(Record<byte[], byte[]> record, String reason) {
        String line = reason.replaceAll("\\s+", " ").trim();
        Headers headers = new RecordHeaders(record.headers().toArray());
        headers.add(DeadLetterHeaders.REASON, utf8(line));
        context.recordMetadata().ifPresent(metadata -> {
            headers.add(DeadLetterHeaders.TOPIC, utf8(metadata.topic()));
            headers.add(DeadLetterHeaders.PARTITION, utf8(Integer.toString(metadata.partition())));
            headers.add(DeadLetterHeaders.OFFSET, utf8(Long.toString(metadata.offset())));
        });
        LOG.warn("Event sent to the dead-letter topic: {}", line);
        observer.rejected(line);
        context.forward(new Record<>(record.key(), record.value(), record.timestamp(), headers),
                InertiaTopology.DEAD_LETTER_SINK);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
