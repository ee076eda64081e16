package io.inertia.config;

import io.inertia.model.FeatureHasher;
import io.inertia.model.Loss;
import io.inertia.model.LearningRateSchedule;
import io.inertia.model.Optimizer;
import io.inertia.model.Regularization;
import io.inertia.model.SoftmaxLoss;
import io.inertia.model.OnlineLearner;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import io.inertia.registry.RegistrySettings;
import io.inertia.spec.FeatureSpec;
import io.inertia.spec.FeatureSpecException;
import org.apache.avro.Schema;

/**
 * Inertia's configuration: typed, immutable, validated once when built.
 *
 * <p>Keys starting with {@code inertia.} are Inertia's own (see {@link Key}); every other key is a Kafka setting and
 * is passed to Kafka Streams and the Kafka clients unchanged. Sources are layered: built-in defaults, then a
 * properties file, then command-line overrides, each later one winning.
 */
public final class InertiaConfig {

    /** Prefix of Inertia's own keys. */
    public static final String PREFIX = "inertia.";

    /** Inertia's own settings, with their defaults and descriptions (the README's configuration table). */
    public enum Key {
        INPUT_TOPIC("inertia.topic.input", "labeled-events", "Topic of LabeledEvent records, keyed by model key."),
        SNAPSHOT_TOPIC("inertia.topic.snapshots", "model-snapshots",
                "Topic the ModelSnapshot records are published to, keyed by model key (compacted)."),
        DEAD_LETTER_TOPIC("inertia.topic.dead-letters", "dead-letters",
                "Topic that receives every event that cannot be learned from, with the reason in headers."),
        PREDICTION_TOPIC("inertia.topic.predictions", "predictions",
                "Topic of the Prediction records: each event scored before the model learns from it."),
        OUTCOME_TOPIC("inertia.topic.outcomes", "outcomes",
                "Topic of Outcome records, the labels of earlier events, keyed by model key; it must have the input "
                        + "topic's partition count (created with it when missing)."),
        LEARN_LOG_TOPIC("inertia.topic.learn-log", "learn-log",
                "Topic of everything the learner applies, in its order: events with their label as they arrived, "
                        + "and the outcome joiner's decisions (LearnLogEntry); created with the input's partition count "
                        + "when missing."),
        REKEYED_TOPIC("inertia.topic.rekeyed", "",
                "Topic `run` re-keys the input records through when a feature spec takes the model key from a field "
                        + "or a constant, created with the input's partitions; empty: <application.id>-inertia-rekeyed."),
        SNAPSHOT_HISTORY_MS("inertia.topic.snapshot-history-ms", "86400000",
                "How long every snapshot version stays readable on the snapshot topic that `run` creates (ms since "
                        + "it was published; the topic's min.compaction.lag.ms); after that, compaction may keep only "
                        + "each model's latest snapshot. 0: compaction as soon as the broker rolls a segment."),
        TOPIC_PARTITIONS("inertia.topic.partitions", "1",
                "Partitions of the topics `run` creates when they are missing."),
        TOPIC_REPLICATION_FACTOR("inertia.topic.replication-factor", "1",
                "Replication factor of the topics `run` creates when they are missing."),
        LOSS("inertia.loss", "squared",
                "Loss: squared, absolute, huber, quantile, logistic, hinge, poisson, or softmax (K classes, see "
                        + "inertia.classes)."),
        CLASSES("inertia.classes", "0",
                "K in 2..10000, the classes of the softmax loss (labels 0..K−1); 0 takes K from inertia.class-names."),
        CLASS_NAMES("inertia.class-names", "",
                "Names of the softmax loss's classes 0..K−1, comma-separated, so that JSON events may give the label "
                        + "by name; empty is none."),
        HUBER_DELTA("inertia.huber-delta", Double.toString(Loss.DEFAULT_HUBER_DELTA),
                "δ > 0 of the huber loss: quadratic within δ of the label, linear beyond."),
        QUANTILE_TAU("inertia.quantile-tau", Double.toString(Loss.DEFAULT_QUANTILE_TAU),
                "τ in (0, 1) of the quantile loss: the quantile predicted."),
        OPTIMIZER("inertia.optimizer", "momentum",
                "Update rule: momentum, ema-momentum, nesterov, sgd, adagrad, adam or ftrl."),
        FTRL_ALPHA("inertia.ftrl.alpha", Double.toString(Optimizer.DEFAULT_FTRL_ALPHA),
                "α > 0 of ftrl: each coordinate's rate is α/(β + √n)."),
        FTRL_BETA("inertia.ftrl.beta", Double.toString(Optimizer.DEFAULT_FTRL_BETA), "β ≥ 0 of ftrl."),
        LEARNING_RATE("inertia.learning-rate", Double.toString(LearningRateSchedule.DEFAULT_LEARNING_RATE),
                "Learning rate η > 0 (the constant and invscaling schedules)."),
        MOMENTUM("inertia.momentum", Double.toString(Optimizer.DEFAULT_MOMENTUM),
                "β in [0, 1) of momentum, nesterov and ema-momentum, and β₁ of adam; 0 is plain SGD."),
        ADAM_BETA2("inertia.adam-beta2", Double.toString(Optimizer.DEFAULT_BETA2), "β₂ in [0, 1) of adam."),
        EPSILON("inertia.epsilon", Double.toString(Optimizer.DEFAULT_EPSILON), "ε > 0 of adagrad and adam."),
        SCHEDULE("inertia.schedule", "constant",
                "Learning-rate schedule over a model's updates t: constant η, invscaling η/t^p, optimal 1/(α(t+t₀))."),
        POWER_T("inertia.power-t", Double.toString(LearningRateSchedule.DEFAULT_POWER),
                "p ≥ 0 of the invscaling schedule."),
        ALPHA("inertia.alpha", Double.toString(LearningRateSchedule.DEFAULT_ALPHA),
                "α > 0 of the optimal schedule."),
        T0("inertia.t0", "auto",
                "t₀ ≥ 0 of the optimal schedule; auto makes the first rate equal η: t₀ = 1/(α·η) − 1."),
        L1("inertia.l1", "0.0",
                "λ₁ ≥ 0: L1 penalty on the weights by the cumulative penalty method, giving exact zeros."),
        CLIP_VALUE("inertia.clip-value", "0.0", "c > 0 clamps each loss-gradient component to [−c, c]; 0 is off."),
        CLIP_NORM("inertia.clip-norm", "0.0", "c > 0 scales each event's loss gradient to L2 norm ≤ c; 0 is off."),
        L2("inertia.l2", "0.0", "λ₂ ≥ 0: λ₂·w is added to the gradient of every weight, never the bias."),
        SNAPSHOT_EVERY("inertia.snapshot-every", "1000", "Publish a snapshot after every N updates of a model (N ≥ 1)."),
        HASH_BITS("inertia.hash-bits", "0",
                "b in 1..30 hashes every named feature into signed buckets #0..#(2^b − 1) before learning; "
                        + "0 is off. Dense features are never hashed."),
        METRICS_WINDOW("inertia.metrics-window", Integer.toString(OnlineLearner.DEFAULT_METRICS_WINDOW),
                "W ≥ 1: snapshots carry the mean loss over each model's last W events."),
        LOSS_SMOOTHING("inertia.loss-smoothing", Double.toString(OnlineLearner.DEFAULT_LOSS_SMOOTHING),
                "Weight α in (0, 1] of the newest loss in the running loss."),
        ON_DIVERGENCE("inertia.on-divergence", OnDivergence.DEAD_LETTER.configName(),
                "When an update would make a model non-finite, the model is left unchanged and the event "
                        + "dead-lettered; dead-letter: the model goes on learning, halt: the model stops and every "
                        + "later event of it is dead-lettered."),
        STARTUP_TIMEOUT_MS("inertia.startup-timeout-ms", "30000",
                "How long `run`, `produce` and `snapshots` wait for the cluster before giving up (ms)."),
        PROGRESS_INTERVAL_MS("inertia.progress-interval-ms", "10000",
                "Interval of `run`'s progress log line (ms; logging only, never reaches a model)."),
        MAX_RECORD_BYTES("inertia.max-record-bytes", "524288",
                "No record Inertia writes (snapshots and their parts, predictions, changelogs) exceeds this many bytes; "
                        + "keep it below the broker's max.message.bytes and the producer's max.request.size (1 MB)."),
        MODEL_CACHE_MAX_BYTES("inertia.model-cache-max-bytes", "268435456",
                "Memory budget of the models held in memory by one learner process (bytes, estimated); beyond it the "
                        + "least recently used models are evicted and reloaded from the store on their next event."),
        ROCKSDB_MEMORY_BYTES("inertia.rocksdb-memory-bytes", "67108864",
                "Memory of RocksDB (block cache and memtables together) shared by every model store of one learner "
                        + "process (bytes)."),
        STATIC_MEMBERSHIP("inertia.static-membership", "true",
                "true: `run` joins its consumer group as a static member with an id kept in its state directory, so "
                        + "a restart with the same state directory rejoins at once (classic group protocol)."),
        INPUT_FORMAT("inertia.input.format", "avro",
                "How the input topic's values are written: avro (LabeledEvent, single-object encoding; with a feature "
                        + "spec, the user's Avro records in inertia.input.reader-schema), json ({\"key\", "
                        + "\"features\" or \"dense\", \"label\", \"weight\", \"id\"}; with a feature spec, JSON "
                        + "of any shape) or confluent-avro (with a feature spec: Avro in the Confluent Schema "
                        + "Registry wire format)."),
        FEATURE_SPEC("inertia.feature-spec", "",
                "YAML file saying how the user's own records become events (model key, label, weight, event id, "
                        + "numeric, categorical and crossed features); empty: the input is Inertia's own events."),
        INPUT_READER_SCHEMA("inertia.input.reader-schema", "",
                "Avro schema file (.avsc) the user's Avro records are read as: with inertia.input.format=avro, the "
                        + "schema they are written with; with confluent-avro, every writer schema is resolved to it."),
        SCHEMA_REGISTRY_URL("inertia.schema.registry.url", "",
                "Base URL of a Confluent-compatible schema registry (GET /schemas/ids/{id}); for Apicurio Registry "
                        + "its /apis/ccompat/v7."),
        SCHEMA_REGISTRY_USER_INFO("inertia.schema.registry.basic.auth.user.info", "",
                "user:password for the registry's HTTP basic auth; empty is none. Never logged."),
        SCHEMA_REGISTRY_TRUSTSTORE("inertia.schema.registry.ssl.truststore.location", "",
                "Trust store of the registry's TLS certificate; empty: the JDK's default trust."),
        SCHEMA_REGISTRY_TRUSTSTORE_PASSWORD("inertia.schema.registry.ssl.truststore.password", "",
                "Password of the registry trust store."),
        SCHEMA_REGISTRY_TRUSTSTORE_TYPE("inertia.schema.registry.ssl.truststore.type", "",
                "Type of the registry trust store (JKS, PKCS12); empty: the JDK's default."),
        SCHEMA_REGISTRY_KEYSTORE("inertia.schema.registry.ssl.keystore.location", "",
                "Key store for TLS client authentication to the registry; empty is none."),
        SCHEMA_REGISTRY_KEYSTORE_PASSWORD("inertia.schema.registry.ssl.keystore.password", "",
                "Password of the registry key store and its key."),
        SCHEMA_REGISTRY_KEYSTORE_TYPE("inertia.schema.registry.ssl.keystore.type", "",
                "Type of the registry key store (JKS, PKCS12); empty: the JDK's default."),
        SCHEMA_REGISTRY_MAX_BLOCK_MS("inertia.schema.registry.max-block-ms", "5000",
                "How long one record waits, retrying with backoff, for a registry that does not answer before the "
                        + "outage is reported (the stream thread is replaced and resumes from its last commit); "
                        + "below the transaction timeout under exactly-once."),
        OUTPUT_FORMAT("inertia.output.format", "avro",
                "How snapshots and predictions are published: avro (single-object encoding) or json (Avro's JSON "
                        + "encoding of the same schemas, one object per record; the layout of parts is unchanged)."),
        OUTCOME_JOIN("inertia.outcome.join", "false",
                "true: events may come without their label; the outcome joiner reads inertia.topic.outcomes beside the "
                        + "input, joins each such event with its outcome and hands the learner what to learn, written "
                        + "to inertia.topic.learn-log too. false: the topology reads the input alone, as before."),
        OUTCOME_WINDOW_MS("inertia.outcome.window.ms", "3600000",
                "How long (ms of record time) an event without a label waits for its outcome, and an outcome for its "
                        + "event; the first outcome within it is learned."),
        OUTCOME_DEFAULT_LABEL("inertia.outcome.default-label", "",
                "Label learned for an event whose outcome did not come within the window (e.g. 0, the implicit "
                        + "negative of click models); empty: such an event expires unlearned."),
        OUTCOME_DEFAULT_WEIGHT("inertia.outcome.default-weight", "1.0",
                "Weight ≥ 0 multiplied into an event's weight when it is learned with the default label (1/rate for a "
                        + "subsampled negative stream)."),
        OUTCOME_HEARTBEAT_MS("inertia.outcome.heartbeat-ms", "1000",
                "`run` writes a heartbeat record (wall-clock timestamp) to every outcome partition this often, so "
                        + "that events expire on a quiet outcome partition too; 0 is off (then they expire only as "
                        + "outcomes arrive)."),
        HTTP_PORT("inertia.http.port", "0",
                "Port of `run`'s HTTP API, metrics and dashboard (1..65535); 0 is off."),
        HTTP_HOST("inertia.http.host", "127.0.0.1",
                "Address the HTTP API binds to; 0.0.0.0 for every interface (then set application.server to the "
                        + "host:port other instances reach this one at)."),
        HTTP_TOKEN("inertia.http.token", "",
                "Bearer token every HTTP request but /health and /ready must carry (Authorization: Bearer …); "
                        + "empty is none. Never logged."),
        HTTP_MAX_BODY_BYTES("inertia.http.max-body-bytes", "1048576",
                "Largest request body the HTTP API reads (bytes, 1,024..268,435,456); a larger one is refused with 413."),
        HTTP_IDLE_TIMEOUT_MS("inertia.http.idle-timeout-ms", "30000",
                "An HTTP connection on which nothing moves for this long is closed (ms): an idle kept-alive "
                        + "connection, or a client that stops in the middle of its request."),
        METRICS_MAX_MODELS("inertia.metrics.max-models", "100",
                "How many models (the first this process learns) get their own version and loss series on /metrics.");

        private final String key;
        private final String defaultValue;
        private final String description;

        Key(String key, String defaultValue, String description) {
            this.key = key;
            this.defaultValue = defaultValue;
            this.description = description;
        }

        /** The property name. */
        public String key() {
            return key;
        }

        /** The default value, as text. */
        public String defaultValue() {
            return defaultValue;
        }

        /** One line saying what the setting does. */
        public String description() {
            return description;
        }
    }

    private final String inputTopic;
    private final String snapshotTopic;
    private final String deadLetterTopic;
    private final String predictionTopic;
    private final String outcomeTopic;
    private final String learnLogTopic;
    private final boolean outcomeJoin;
    private final long outcomeWindowMs;
    private final Double outcomeDefaultLabel;
    private final double outcomeDefaultWeight;
    private final long outcomeHeartbeatMs;
    private final String rekeyedTopic;
    private final int metricsWindow;
    private final int topicPartitions;
    private final short topicReplicationFactor;
    private final Loss loss;
    private final int classes;
    private final List<String> classNames;
    private final String optimizerName;
    private final double ftrlAlpha;
    private final double ftrlBeta;
    private final double learningRate;
    private final double momentum;
    private final double adamBeta2;
    private final double epsilon;
    private final String scheduleName;
    private final double powerT;
    private final double alpha;
    private final double t0;
    private final double l2;
    private final double l1;
    private final double clipValue;
    private final double clipNorm;
    private final long snapshotEvery;
    private final int hashBits;
    private final double lossSmoothing;
    private final OnDivergence onDivergence;
    private final long startupTimeoutMs;
    private final long progressIntervalMs;
    private final int maxRecordBytes;
    private final long modelCacheMaxBytes;
    private final long rocksDbMemoryBytes;
    private final String inputFormat;
    private final String featureSpecFile;
    private final FeatureSpec featureSpec;
    private final String readerSchemaFile;
    private final Schema readerSchema;
    private final RegistrySettings registry;
    private final Map<Key, String> registryText;
    private final boolean staticMembership;
    private final long snapshotHistoryMs;
    private final String outputFormat;
    private final int httpPort;
    private final String httpHost;
    private final String httpToken;
    private final int httpMaxBodyBytes;
    private final long httpIdleTimeoutMs;
    private final int metricsMaxModels;
    private final SortedMap<String, String> kafka;
    private final Map<String, String> settings;

    private InertiaConfig(Parser p) {
        settings = Map.copyOf(p.settings);
        inputTopic = p.topic(Key.INPUT_TOPIC);
        snapshotTopic = p.topic(Key.SNAPSHOT_TOPIC);
        deadLetterTopic = p.topic(Key.DEAD_LETTER_TOPIC);
        predictionTopic = p.topic(Key.PREDICTION_TOPIC);
        outcomeTopic = p.topic(Key.OUTCOME_TOPIC);
        learnLogTopic = p.topic(Key.LEARN_LOG_TOPIC);
        outcomeJoin = Boolean.parseBoolean(p.choice(Key.OUTCOME_JOIN, List.of("true", "false")));
        // A year at most: deadlines (timestamp + 2 windows) then never overflow.
        outcomeWindowMs = p.integer(Key.OUTCOME_WINDOW_MS, 1, 366L * 24 * 3600 * 1000);
        outcomeDefaultWeight = p.number(Key.OUTCOME_DEFAULT_WEIGHT, v -> v >= 0 ? null : "must be >= 0");
        outcomeHeartbeatMs = p.integer(Key.OUTCOME_HEARTBEAT_MS, 0, Long.MAX_VALUE);
        // Kafka Streams' application.id defaults to inertia (LearnerApplication): one re-keyed topic per application.
        rekeyedTopic = p.raw(Key.REKEYED_TOPIC).isEmpty()
                ? p.settings.getOrDefault("application.id", "inertia").trim() + "-inertia-rekeyed"
                : p.raw(Key.REKEYED_TOPIC);
        metricsWindow = p.integer(Key.METRICS_WINDOW, 1, Integer.MAX_VALUE);
        topicPartitions = p.integer(Key.TOPIC_PARTITIONS, 1, Integer.MAX_VALUE);
        topicReplicationFactor = (short) p.integer(Key.TOPIC_REPLICATION_FACTOR, 1, Short.MAX_VALUE);
        double huberDelta = p.number(Key.HUBER_DELTA, v -> v > 0 ? null : "must be > 0");
        double quantileTau = p.number(Key.QUANTILE_TAU, v -> v > 0 && v < 1 ? null : "must be in (0, 1)");
        classNames = p.names(Key.CLASS_NAMES);
        int givenClasses = p.integer(Key.CLASSES, 0, SoftmaxLoss.MAX_CLASSES);
        classes = givenClasses > 0 ? givenClasses : classNames.size();
        loss = p.loss(huberDelta, quantileTau, classes);
        if (loss.outputs() > 1 && givenClasses > 0 && !classNames.isEmpty() && classNames.size() != givenClasses) {
            p.problems.add(Key.CLASS_NAMES.key() + ": names " + classNames.size() + " classes but "
                    + Key.CLASSES.key() + " is " + givenClasses);
        }
        if (loss.outputs() == 1 && (givenClasses > 0 || !classNames.isEmpty())) {
            p.problems.add((givenClasses > 0 ? Key.CLASSES : Key.CLASS_NAMES).key()
                    + ": only the softmax loss has classes (inertia.loss=softmax), not " + loss.name());
        }
        outcomeDefaultLabel = p.raw(Key.OUTCOME_DEFAULT_LABEL).isEmpty() ? null
                : p.number(Key.OUTCOME_DEFAULT_LABEL, v -> loss.checkLabel(v).orElse(null));
        if (outcomeJoin && loss.outputs() > 1) {
            // The joiner serves a single score per event; a served class distribution is not kept yet.
            p.problems.add(Key.OUTCOME_JOIN.key() + ": the outcome joiner learns single-output models (every loss "
                    + "but softmax) for now");
        }
        List<String> inputTopics = List.of(inputTopic, outcomeTopic, learnLogTopic);
        if (outcomeJoin && inputTopics.stream().distinct().count() < inputTopics.size()) {
            // The joiner reads two of them and writes the third. Without it, the input may well be a learn log: the
            // learner alone applies what a joiner wrote there (a replay of the log).
            p.problems.add(Key.INPUT_TOPIC.key() + ", " + Key.OUTCOME_TOPIC.key() + " and " + Key.LEARN_LOG_TOPIC.key()
                    + " must name three different topics, got " + inputTopics);
        }
        optimizerName = p.choice(Key.OPTIMIZER, Optimizer.names());
        ftrlAlpha = p.number(Key.FTRL_ALPHA, v -> v > 0 ? null : "must be > 0");
        ftrlBeta = p.number(Key.FTRL_BETA, v -> v >= 0 ? null : "must be >= 0");
        learningRate = p.number(Key.LEARNING_RATE, v -> v > 0 ? null : "must be > 0");
        momentum = p.number(Key.MOMENTUM, v -> v >= 0 && v < 1 ? null : "must be in [0, 1)");
        adamBeta2 = p.number(Key.ADAM_BETA2, v -> v >= 0 && v < 1 ? null : "must be in [0, 1)");
        epsilon = p.number(Key.EPSILON, v -> v > 0 ? null : "must be > 0");
        scheduleName = p.choice(Key.SCHEDULE, LearningRateSchedule.names());
        if (optimizerName.equals("ftrl") && !scheduleName.equals("constant")) {
            p.problems.add(Key.SCHEDULE.key() + ": ftrl sets each coordinate's own rate α/(β + √n) "
                    + "(inertia.ftrl.alpha, inertia.ftrl.beta); leave the schedule constant, got " + scheduleName);
        }
        powerT = p.number(Key.POWER_T, v -> v >= 0 ? null : "must be >= 0");
        alpha = p.number(Key.ALPHA, v -> v > 0 ? null : "must be > 0");
        t0 = "auto".equals(p.raw(Key.T0)) ? 1.0 / (alpha * learningRate) - 1
                : p.number(Key.T0, v -> v >= 0 ? null : "must be >= 0 or auto");
        l2 = p.number(Key.L2, v -> v >= 0 ? null : "must be >= 0");
        l1 = p.number(Key.L1, v -> v >= 0 ? null : "must be >= 0");
        clipValue = p.number(Key.CLIP_VALUE, v -> v >= 0 ? null : "must be >= 0");
        clipNorm = p.number(Key.CLIP_NORM, v -> v >= 0 ? null : "must be >= 0");
        snapshotEvery = p.integer(Key.SNAPSHOT_EVERY, 1, Long.MAX_VALUE);
        hashBits = p.integer(Key.HASH_BITS, 0, FeatureHasher.MAX_BITS);
        lossSmoothing = p.number(Key.LOSS_SMOOTHING, v -> v > 0 && v <= 1 ? null : "must be in (0, 1]");
        onDivergence = OnDivergence.byName(p.choice(Key.ON_DIVERGENCE, OnDivergence.names()));
        startupTimeoutMs = p.integer(Key.STARTUP_TIMEOUT_MS, 1, Long.MAX_VALUE);
        progressIntervalMs = p.integer(Key.PROGRESS_INTERVAL_MS, 1, Long.MAX_VALUE);
        maxRecordBytes = (int) p.integer(Key.MAX_RECORD_BYTES, 65_536, 1_000_000);
        modelCacheMaxBytes = p.integer(Key.MODEL_CACHE_MAX_BYTES, 0, Long.MAX_VALUE);
        rocksDbMemoryBytes = p.integer(Key.ROCKSDB_MEMORY_BYTES, 4L << 20, Long.MAX_VALUE);
        inputFormat = p.choice(Key.INPUT_FORMAT, List.of("avro", "json", "confluent-avro"));
        featureSpecFile = p.raw(Key.FEATURE_SPEC);
        featureSpec = p.featureSpec(featureSpecFile);
        readerSchemaFile = p.raw(Key.INPUT_READER_SCHEMA);
        readerSchema = p.readerSchema(readerSchemaFile);
        registryText = new java.util.EnumMap<>(Key.class);
        for (Key key : List.of(Key.SCHEMA_REGISTRY_URL, Key.SCHEMA_REGISTRY_USER_INFO, Key.SCHEMA_REGISTRY_TRUSTSTORE,
                Key.SCHEMA_REGISTRY_TRUSTSTORE_PASSWORD, Key.SCHEMA_REGISTRY_TRUSTSTORE_TYPE,
                Key.SCHEMA_REGISTRY_KEYSTORE, Key.SCHEMA_REGISTRY_KEYSTORE_PASSWORD, Key.SCHEMA_REGISTRY_KEYSTORE_TYPE)) {
            registryText.put(key, p.raw(key));
        }
        long maxBlockMs = p.integer(Key.SCHEMA_REGISTRY_MAX_BLOCK_MS, 0, 3_600_000);
        registryText.put(Key.SCHEMA_REGISTRY_MAX_BLOCK_MS, Long.toString(maxBlockMs));
        registry = registryText.get(Key.SCHEMA_REGISTRY_URL).isEmpty() ? null : new RegistrySettings(
                registryText.get(Key.SCHEMA_REGISTRY_URL), blankToNull(registryText.get(Key.SCHEMA_REGISTRY_USER_INFO)),
                blankToNull(registryText.get(Key.SCHEMA_REGISTRY_TRUSTSTORE)),
                blankToNull(registryText.get(Key.SCHEMA_REGISTRY_TRUSTSTORE_PASSWORD)),
                blankToNull(registryText.get(Key.SCHEMA_REGISTRY_TRUSTSTORE_TYPE)),
                blankToNull(registryText.get(Key.SCHEMA_REGISTRY_KEYSTORE)),
                blankToNull(registryText.get(Key.SCHEMA_REGISTRY_KEYSTORE_PASSWORD)),
                blankToNull(registryText.get(Key.SCHEMA_REGISTRY_KEYSTORE_TYPE)), maxBlockMs);
        outputFormat = p.choice(Key.OUTPUT_FORMAT, List.of("avro", "json"));
        staticMembership = Boolean.parseBoolean(p.choice(Key.STATIC_MEMBERSHIP, List.of("true", "false")));
        snapshotHistoryMs = p.integer(Key.SNAPSHOT_HISTORY_MS, 0, Long.MAX_VALUE);
        httpPort = (int) p.integer(Key.HTTP_PORT, 0, 65_535);
        httpHost = p.raw(Key.HTTP_HOST);
        httpToken = p.raw(Key.HTTP_TOKEN);
        httpMaxBodyBytes = (int) p.integer(Key.HTTP_MAX_BODY_BYTES, 1024, 256L << 20);
        httpIdleTimeoutMs = p.integer(Key.HTTP_IDLE_TIMEOUT_MS, 100, 24L * 3600 * 1000);
        metricsMaxModels = (int) p.integer(Key.METRICS_MAX_MODELS, 0, 100_000);
        if (9L * metricsWindow + 4096 > maxRecordBytes / 2) {
            // The window of recent losses is part of every snapshot's header, which must fit in one record.
            p.problems.add(Key.METRICS_WINDOW.key() + "=" + metricsWindow + " does not fit in a snapshot record of "
                    + Key.MAX_RECORD_BYTES.key() + "=" + maxRecordBytes + " bytes: at most "
                    + (maxRecordBytes / 2 - 4096) / 9);
        }
        kafka = Collections.unmodifiableSortedMap(p.kafka());
        p.userRecords(inputFormat, featureSpec, featureSpecFile, readerSchema, readerSchemaFile, registry, kafka);
        if (httpPort > 0 && (httpHost.equals("0.0.0.0") || httpHost.equals("::"))
                && !kafka.containsKey("application.server")) {
            // Every interface is no address: the other instances must be told where to reach this one.
            p.problems.add(Key.HTTP_HOST.key() + "=" + httpHost + " binds every interface: set application.server="
                    + "HOST:" + httpPort + " to the address other instances reach this one at");
        }
        p.rejectUnknownKeys();
        if (!p.problems.isEmpty()) {
            throw new ConfigException(p.problems);
        }
    }

    /** The configuration with every setting at its default. */
    public static InertiaConfig defaults() {
        return of(Map.of());
    }

    /** A configuration from {@code settings} over the defaults. */
    public static InertiaConfig of(Map<String, String> settings) {
        return new InertiaConfig(new Parser(settings));
    }

    /**
     * A configuration from a properties file (when {@code file} is not null) with {@code overrides} applied on top.
     *
     * @throws ConfigException when the file cannot be read or any value is invalid
     */
    public static InertiaConfig load(Path file, Map<String, String> overrides) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            } catch (IOException e) {
                throw new ConfigException(List.of("cannot read config file " + file + ": " + e.getMessage()));
            }
            for (String name : properties.stringPropertyNames()) {
                settings.put(name, properties.getProperty(name));
            }
        }
        settings.putAll(overrides);
        return of(settings);
    }

    /** A copy of this configuration with {@code overrides} applied. */
    public InertiaConfig with(Map<String, String> overrides) {
        Map<String, String> settings = new LinkedHashMap<>(asMap());
        settings.putAll(overrides);
        return of(settings);
    }

    /** Every setting, Inertia's and Kafka's, as text. */
    public SortedMap<String, String> asMap() {
        SortedMap<String, String> all = new TreeMap<>(kafka);
        all.put(Key.INPUT_TOPIC.key(), inputTopic);
        all.put(Key.SNAPSHOT_TOPIC.key(), snapshotTopic);
        all.put(Key.DEAD_LETTER_TOPIC.key(), deadLetterTopic);
        all.put(Key.PREDICTION_TOPIC.key(), predictionTopic);
        all.put(Key.OUTCOME_TOPIC.key(), outcomeTopic);
        all.put(Key.LEARN_LOG_TOPIC.key(), learnLogTopic);
        all.put(Key.OUTCOME_JOIN.key(), Boolean.toString(outcomeJoin));
        all.put(Key.OUTCOME_WINDOW_MS.key(), Long.toString(outcomeWindowMs));
        all.put(Key.OUTCOME_DEFAULT_LABEL.key(), outcomeDefaultLabel == null ? "" : outcomeDefaultLabel.toString());
        all.put(Key.OUTCOME_DEFAULT_WEIGHT.key(), Double.toString(outcomeDefaultWeight));
        all.put(Key.OUTCOME_HEARTBEAT_MS.key(), Long.toString(outcomeHeartbeatMs));
        // As given: its default follows application.id, which a later layer may change.
        all.put(Key.REKEYED_TOPIC.key(), settings.getOrDefault(Key.REKEYED_TOPIC.key(), ""));
        all.put(Key.METRICS_WINDOW.key(), Integer.toString(metricsWindow));
        all.put(Key.TOPIC_PARTITIONS.key(), Integer.toString(topicPartitions));
        all.put(Key.TOPIC_REPLICATION_FACTOR.key(), Short.toString(topicReplicationFactor));
        all.put(Key.LOSS.key(), loss.name());
        all.put(Key.CLASSES.key(), settingOrDefault(Key.CLASSES));
        all.put(Key.CLASS_NAMES.key(), String.join(",", classNames));
        all.put(Key.FTRL_ALPHA.key(), Double.toString(ftrlAlpha));
        all.put(Key.FTRL_BETA.key(), Double.toString(ftrlBeta));
        all.put(Key.HUBER_DELTA.key(), settingOrDefault(Key.HUBER_DELTA));
        all.put(Key.QUANTILE_TAU.key(), settingOrDefault(Key.QUANTILE_TAU));
        all.put(Key.OPTIMIZER.key(), optimizerName);
        all.put(Key.LEARNING_RATE.key(), Double.toString(learningRate));
        all.put(Key.MOMENTUM.key(), Double.toString(momentum));
        all.put(Key.ADAM_BETA2.key(), Double.toString(adamBeta2));
        all.put(Key.EPSILON.key(), Double.toString(epsilon));
        all.put(Key.SCHEDULE.key(), scheduleName);
        all.put(Key.POWER_T.key(), Double.toString(powerT));
        all.put(Key.ALPHA.key(), Double.toString(alpha));
        all.put(Key.T0.key(), settingOrDefault(Key.T0));
        all.put(Key.L2.key(), Double.toString(l2));
        all.put(Key.L1.key(), Double.toString(l1));
        all.put(Key.CLIP_VALUE.key(), Double.toString(clipValue));
        all.put(Key.CLIP_NORM.key(), Double.toString(clipNorm));
        all.put(Key.SNAPSHOT_EVERY.key(), Long.toString(snapshotEvery));
        all.put(Key.HASH_BITS.key(), Integer.toString(hashBits));
        all.put(Key.LOSS_SMOOTHING.key(), Double.toString(lossSmoothing));
        all.put(Key.ON_DIVERGENCE.key(), onDivergence.configName());
        all.put(Key.STARTUP_TIMEOUT_MS.key(), Long.toString(startupTimeoutMs));
        all.put(Key.PROGRESS_INTERVAL_MS.key(), Long.toString(progressIntervalMs));
        all.put(Key.MAX_RECORD_BYTES.key(), Integer.toString(maxRecordBytes));
        all.put(Key.MODEL_CACHE_MAX_BYTES.key(), Long.toString(modelCacheMaxBytes));
        all.put(Key.ROCKSDB_MEMORY_BYTES.key(), Long.toString(rocksDbMemoryBytes));
        all.put(Key.INPUT_FORMAT.key(), inputFormat);
        all.put(Key.FEATURE_SPEC.key(), featureSpecFile);
        all.put(Key.INPUT_READER_SCHEMA.key(), readerSchemaFile);
        registryText.forEach((key, value) -> all.put(key.key(), value));
        all.put(Key.STATIC_MEMBERSHIP.key(), Boolean.toString(staticMembership));
        all.put(Key.SNAPSHOT_HISTORY_MS.key(), Long.toString(snapshotHistoryMs));
        all.put(Key.OUTPUT_FORMAT.key(), outputFormat);
        all.put(Key.HTTP_PORT.key(), Integer.toString(httpPort));
        all.put(Key.HTTP_HOST.key(), httpHost);
        all.put(Key.HTTP_TOKEN.key(), httpToken);
        all.put(Key.HTTP_MAX_BODY_BYTES.key(), Integer.toString(httpMaxBodyBytes));
        all.put(Key.HTTP_IDLE_TIMEOUT_MS.key(), Long.toString(httpIdleTimeoutMs));
        all.put(Key.METRICS_MAX_MODELS.key(), Integer.toString(metricsMaxModels));
        return all;
    }

    private String settingOrDefault(Key key) {
        String value = settings.get(key.key());
        return value == null ? key.defaultValue() : value.trim();
    }

    /** Topic of the labeled events. */
    public String inputTopic() {
        return inputTopic;
    }

    /** Topic of the model snapshots. */
    public String snapshotTopic() {
        return snapshotTopic;
    }

    /** Topic of the events that could not be learned from. */
    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    /** Topic of the prequential predictions. */
    public String predictionTopic() {
        return predictionTopic;
    }

    /** Topic of the outcomes, the delayed labels of earlier events ({@code inertia.topic.outcomes}). */
    public String outcomeTopic() {
        return outcomeTopic;
    }

    /** Topic of what the learner applies, in its order ({@code inertia.topic.learn-log}). */
    public String learnLogTopic() {
        return learnLogTopic;
    }

    /**
     * Whether the outcome joiner runs before the learner ({@code inertia.outcome.join}): events may then come without
     * their label and be learned when their outcome arrives.
     */
    public boolean outcomeJoin() {
        return outcomeJoin;
    }

    /** How long an event waits for its outcome and an outcome for its event, ms of record time. */
    public long outcomeWindowMs() {
        return outcomeWindowMs;
    }

    /** The label learned for an event without outcome by its deadline; empty when such an event expires unlearned. */
    public java.util.OptionalDouble outcomeDefaultLabel() {
        return outcomeDefaultLabel == null ? java.util.OptionalDouble.empty()
                : java.util.OptionalDouble.of(outcomeDefaultLabel);
    }

    /** The weight multiplied into an event's weight when it is learned with the default label. */
    public double outcomeDefaultWeight() {
        return outcomeDefaultWeight;
    }

    /** Interval of the heartbeats {@code run} writes to the outcome partitions, ms; 0 when off. */
    public long outcomeHeartbeatMs() {
        return outcomeHeartbeatMs;
    }

    /**
     * Topic the input records are re-keyed through when the feature spec's model key is a field or a constant (see
     * {@link #rekeys()}).
     */
    public String rekeyedTopic() {
        return rekeyedTopic;
    }

    /**
     * Whether the live learner reads the input re-keyed by model key: a feature spec whose model key is a field or a
     * constant, so that each model is still learned on one partition.
     */
    public boolean rekeys() {
        return featureSpec() != null && !(featureSpec().modelKey() instanceof FeatureSpec.RecordKey);
    }

    /** Number W of recent events of the windowed mean loss. */
    public int metricsWindow() {
        return metricsWindow;
    }

    /** Partitions of topics created when missing. */
    public int topicPartitions() {
        return topicPartitions;
    }

    /** Replication factor of topics created when missing. */
    public short topicReplicationFactor() {
        return topicReplicationFactor;
    }

    /** The loss function. */
    public Loss loss() {
        return loss;
    }

    /** Name of the update rule. */
    public String optimizerName() {
        return optimizerName;
    }

    /** The update rule. */
    public Optimizer optimizer() {
        return Optimizer.byName(optimizerName, momentum, adamBeta2, epsilon, ftrlAlpha, ftrlBeta, l1, l2)
                .orElseThrow();
    }

    /** α of ftrl. */
    public double ftrlAlpha() {
        return ftrlAlpha;
    }

    /** β of ftrl. */
    public double ftrlBeta() {
        return ftrlBeta;
    }

    /** K, the classes of the softmax loss; 1 for every other loss. */
    public int classes() {
        return loss.outputs();
    }

    /** The names of the softmax loss's classes 0..K−1, or empty when they have none. */
    public List<String> classNames() {
        return classNames;
    }

    /** The learning-rate schedule. */
    public LearningRateSchedule schedule() {
        return switch (scheduleName) {
            case "invscaling" -> LearningRateSchedule.inverseScaling(learningRate, powerT);
            case "optimal" -> LearningRateSchedule.optimal(alpha, t0);
            default -> LearningRateSchedule.constant(learningRate);
        };
    }

    /** β₂ of adam. */
    public double adamBeta2() {
        return adamBeta2;
    }

    /** ε of adagrad and adam. */
    public double epsilon() {
        return epsilon;
    }

    /** Exponent p of the invscaling schedule. */
    public double powerT() {
        return powerT;
    }

    /** α of the optimal schedule. */
    public double alpha() {
        return alpha;
    }

    /** t₀ of the optimal schedule (resolved when configured as auto). */
    public double t0() {
        return t0;
    }

    /** L1 strength λ₁. */
    public double l1() {
        return l1;
    }

    /** Gradient clipping by value (0: off). */
    public double clipValue() {
        return clipValue;
    }

    /** Gradient clipping by norm (0: off). */
    public double clipNorm() {
        return clipNorm;
    }

    /** L2 strength λ₂. */
    public double l2() {
        return l2;
    }

    /** Learning rate η. */
    public double learningRate() {
        return learningRate;
    }

    /** Momentum β. */
    public double momentum() {
        return momentum;
    }

    /** A snapshot is published after every this many updates of a model. */
    public long snapshotEvery() {
        return snapshotEvery;
    }

    /**
     * Bits b of feature hashing: when 1..30, every named feature is hashed into 2^b buckets by
     * {@link FeatureHasher#of(int)} before learning; 0 means named features are learned under their own names.
     */
    public int hashBits() {
        return hashBits;
    }

    /** Weight α of the newest loss in the running loss. */
    public double lossSmoothing() {
        return lossSmoothing;
    }

    /** What the learner does when an update would make a model non-finite. */
    public OnDivergence onDivergence() {
        return onDivergence;
    }

    /** How long to wait for the cluster at start, in ms. */
    public long startupTimeoutMs() {
        return startupTimeoutMs;
    }

    /** Interval of the progress log line, in ms. */
    public long progressIntervalMs() {
        return progressIntervalMs;
    }

    /** The largest record Inertia may write, in bytes ({@code inertia.max-record-bytes}). */
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /** The memory budget of the models in memory, in bytes ({@code inertia.model-cache-max-bytes}). */
    public long modelCacheMaxBytes() {
        return modelCacheMaxBytes;
    }

    /** RocksDB's memory for every model store of one process, in bytes ({@code inertia.rocksdb-memory-bytes}). */
    public long rocksDbMemoryBytes() {
        return rocksDbMemoryBytes;
    }

    /** Whether snapshots and predictions are published as JSON ({@code inertia.output.format=json}). */
    public boolean jsonOutput() {
        return outputFormat.equals("json");
    }

    /** Whether `run` joins as a static group member ({@code inertia.static-membership}). */
    public boolean staticMembership() {
        return staticMembership;
    }

    /** How long every snapshot version stays readable on a snapshot topic Inertia creates (ms). */
    public long snapshotHistoryMs() {
        return snapshotHistoryMs;
    }

    /** Whether the input topic carries JSON events rather than Avro ({@code inertia.input.format=json}). */
    public boolean jsonInput() {
        return inputFormat.equals("json");
    }

    /**
     * Whether the input topic carries Avro in the Confluent Schema Registry wire format
     * ({@code inertia.input.format=confluent-avro}, always with a feature spec).
     */
    public boolean confluentAvroInput() {
        return inputFormat.equals("confluent-avro");
    }

    /** The feature spec users' own records are read through ({@code inertia.feature-spec}), or null for none. */
    public FeatureSpec featureSpec() {
        return featureSpec;
    }

    /** The file of {@link #featureSpec()}, empty for none. */
    public String featureSpecFile() {
        return featureSpecFile;
    }

    /** The Avro schema users' Avro records are read as ({@code inertia.input.reader-schema}), or null for none. */
    public Schema readerSchema() {
        return readerSchema;
    }

    /** How to reach the schema registry ({@code inertia.schema.registry.*}), or null when no URL is set. */
    public RegistrySettings registry() {
        return registry;
    }

    /** Port of the HTTP API, 0 when it is off ({@code inertia.http.port}). */
    public int httpPort() {
        return httpPort;
    }

    /** Address the HTTP API binds to ({@code inertia.http.host}). */
    public String httpHost() {
        return httpHost;
    }

    /** The bearer token HTTP requests must carry, empty for none ({@code inertia.http.token}); never log it. */
    public String httpToken() {
        return httpToken;
    }

    /** The largest request body the HTTP API reads, in bytes ({@code inertia.http.max-body-bytes}). */
    public int httpMaxBodyBytes() {
        return httpMaxBodyBytes;
    }

    /** How long an HTTP connection may stay idle before it is closed, in ms ({@code inertia.http.idle-timeout-ms}). */
    public long httpIdleTimeoutMs() {
        return httpIdleTimeoutMs;
    }

    /** How many models get their own series on /metrics ({@code inertia.metrics.max-models}). */
    public int metricsMaxModels() {
        return metricsMaxModels;
    }

    /** The Kafka settings (every key without the {@code inertia.} prefix), unchanged. */
    public SortedMap<String, String> kafka() {
        return kafka;
    }

    /** The learner these settings describe. */
    public OnlineLearner learner() {
        return new OnlineLearner(loss, optimizer(), schedule(), new Regularization(l1, l2, clipValue, clipNorm),
                lossSmoothing, metricsWindow);
    }

    /**
     * What the learner does with a model whose update would make a parameter, the running loss or a metric non-finite
     * ({@code inertia.on-divergence}). Either way that update is discarded, the model stays as it was before the event,
     * and the event goes to the dead-letter topic.
     */
    public enum OnDivergence {
        /** The model goes on learning from later events. */
        DEAD_LETTER("dead-letter"),
        /** The model is marked halted; every later event of it is dead-lettered, other models go on. */
        HALT("halt");

        private final String configName;

        OnDivergence(String configName) {
            this.configName = configName;
        }

        /** The value of {@code inertia.on-divergence}. */
        public String configName() {
            return configName;
        }

        /** Every accepted value of {@code inertia.on-divergence}. */
        public static List<String> names() {
            return java.util.Arrays.stream(values()).map(OnDivergence::configName).toList();
        }

        static OnDivergence byName(String name) {
            for (OnDivergence value : values()) {
                if (value.configName.equals(name)) {
                    return value;
                }
            }
            throw new IllegalArgumentException("unknown inertia.on-divergence value '" + name + "'");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    /** Reads settings and collects every problem, so that one run reports them all. */
    private static final class Parser {
        private final Map<String, String> settings;
        private final List<String> problems = new ArrayList<>();

        Parser(Map<String, String> settings) {
            this.settings = settings;
        }

        private String raw(Key key) {
            String value = settings.get(key.key());
            return value == null ? key.defaultValue() : value.trim();
        }

        String topic(Key key) {
            String value = raw(key);
            if (value.isEmpty()) {
                problems.add(key.key() + ": must not be empty");
            }
            return value;
        }

        long integer(Key key, long min, long max) {
            String value = raw(key);
            try {
                long parsed = Long.parseLong(value);
                if (parsed < min || parsed > max) {
                    problems.add(key.key() + ": must be " + (max == Long.MAX_VALUE || max == Integer.MAX_VALUE
                            ? ">= " + min : "between " + min + " and " + max) + ", got " + value);
                }
                return parsed;
            } catch (NumberFormatException e) {
                problems.add(key.key() + ": '" + value + "' is not a whole number");
                return min;
            }
        }

        int integer(Key key, int min, int max) {
            return (int) integer(key, (long) min, (long) max);
        }

        double number(Key key, Function<Double, String> check) {
            String value = raw(key);
            double parsed;
            try {
                parsed = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                problems.add(key.key() + ": '" + value + "' is not a number");
                return Double.NaN;
            }
            String problem = Double.isFinite(parsed) ? check.apply(parsed) : "must be a finite number";
            if (problem != null) {
                problems.add(key.key() + ": " + problem + ", got " + value);
            }
            return parsed;
        }

        String choice(Key key, List<String> names) {
            String value = raw(key);
            if (!names.contains(value)) {
                problems.add(key.key() + ": unknown value '" + value + "', expected one of " + String.join(", ", names));
                return names.get(0);
            }
            return value;
        }

        /** A comma-separated list of distinct, non-empty names; empty when the setting is. */
        List<String> names(Key key) {
            String value = raw(key);
            if (value.isEmpty()) {
                return List.of();
            }
            List<String> names = new ArrayList<>();
            for (String name : value.split(",", -1)) {
                String trimmed = name.trim();
                if (trimmed.isEmpty()) {
                    problems.add(key.key() + ": a name is empty in '" + value + "'");
                    return List.of();
                }
                if (names.contains(trimmed)) {
                    problems.add(key.key() + ": '" + trimmed + "' is named twice");
                    return List.of();
                }
                names.add(trimmed);
            }
            return List.copyOf(names);
        }

        Loss loss(double huberDelta, double quantileTau, int classes) {
            String value = raw(Key.LOSS);
            if (value.equals("softmax")) {
                if (classes < 2) {
                    problems.add(Key.LOSS.key() + "=softmax needs K >= 2 classes: set " + Key.CLASSES.key()
                            + " or " + Key.CLASS_NAMES.key());
                    return Loss.softmax(2);
                }
                return Loss.softmax(classes);
            }
            if (!(huberDelta > 0) || !(quantileTau > 0 && quantileTau < 1)) {
                // Already reported; build the loss with defaults so that parsing can go on.
                huberDelta = Loss.DEFAULT_HUBER_DELTA;
                quantileTau = Loss.DEFAULT_QUANTILE_TAU;
            }
            return Loss.byName(value, huberDelta, quantileTau).orElseGet(() -> {
                problems.add(Key.LOSS.key() + ": unknown loss '" + value + "', expected one of "
                        + String.join(", ", Loss.names()));
                return Loss.squared();
            });
        }

        FeatureSpec featureSpec(String file) {
            if (file.isEmpty()) {
                return null;
            }
            try {
                return FeatureSpec.load(Path.of(file));
            } catch (FeatureSpecException e) {
                problems.addAll(e.problems());
                return null;
            }
        }

        Schema readerSchema(String file) {
            if (file.isEmpty()) {
                return null;
            }
            try {
                Schema schema = new Schema.Parser().parse(Path.of(file).toFile());
                if (schema.getType() != Schema.Type.RECORD) {
                    problems.add(Key.INPUT_READER_SCHEMA.key() + ": " + file + " is a " + schema.getType().getName()
                            + " schema, not a record schema");
                }
                return schema;
            } catch (IOException | RuntimeException e) {
                problems.add(Key.INPUT_READER_SCHEMA.key() + ": cannot read the Avro schema " + file + ": "
                        + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
                return null;
            }
        }

        /** The settings of users' own records must go together. */
        void userRecords(String format, FeatureSpec spec, String specFile, Schema reader, String readerFile,
                RegistrySettings registry, Map<String, String> kafka) {
            boolean specGiven = !specFile.isEmpty();
            if (format.equals("confluent-avro") && !specGiven) {
                problems.add(Key.INPUT_FORMAT.key() + "=confluent-avro reads your own Avro records: give a feature "
                        + "spec (--feature-spec FILE or " + Key.FEATURE_SPEC.key() + ")");
            }
            if (format.equals("confluent-avro") && registry == null) {
                problems.add(Key.SCHEMA_REGISTRY_URL.key() + " is required with " + Key.INPUT_FORMAT.key()
                        + "=confluent-avro");
            }
            if (registry != null && !format.equals("confluent-avro")) {
                problems.add(Key.SCHEMA_REGISTRY_URL.key() + " is only used with " + Key.INPUT_FORMAT.key()
                        + "=confluent-avro (now " + format + ")");
            }
            if (!readerFile.isEmpty() && (!specGiven || format.equals("json"))) {
                problems.add(Key.INPUT_READER_SCHEMA.key() + " goes with a feature spec over Avro records ("
                        + Key.INPUT_FORMAT.key() + "=avro or confluent-avro)");
            }
            if (registry != null) {
                try {
                    java.net.URI uri = java.net.URI.create(registry.url());
                    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                        problems.add(Key.SCHEMA_REGISTRY_URL.key() + ": '" + registry.url() + "' is not an http:// or "
                                + "https:// URL");
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(Key.SCHEMA_REGISTRY_URL.key() + ": '" + registry.url() + "' is not a URL");
                }
                for (String store : new String[] {registry.trustStore(), registry.keyStore()}) {
                    if (store != null && !Files.isReadable(Path.of(store))) {
                        problems.add("schema registry TLS store " + store + " cannot be read");
                    }
                }
                String guarantee = kafka.getOrDefault("processing.guarantee", "exactly_once_v2");
                if (guarantee.startsWith("exactly_once")) {
                    String given = kafka.getOrDefault("producer.transaction.timeout.ms",
                            kafka.get("transaction.timeout.ms"));
                    long transactionTimeout = 10_000;
                    try {
                        transactionTimeout = given == null ? transactionTimeout : Long.parseLong(given.trim());
                    } catch (NumberFormatException e) {
                        // Kafka reports it.
                    }
                    if (registry.maxBlockMs() > transactionTimeout - 2_000) {
                        problems.add(Key.SCHEMA_REGISTRY_MAX_BLOCK_MS.key() + "=" + registry.maxBlockMs() + " must "
                                + "stay 2 s below the transaction timeout (" + transactionTimeout + " ms) under "
                                + "exactly-once: the broker would abort the open transaction of a longer wait; raise "
                                + "producer.transaction.timeout.ms with it");
                    }
                }
            }
            if (spec != null && reader != null) {
                for (String problem : spec.problemsWith(reader)) {
                    problems.add(specFile + ": " + problem + " (in the reader schema " + readerFile + ")");
                }
            }
        }

        SortedMap<String, String> kafka() {
            SortedMap<String, String> kafka = new TreeMap<>();
            settings.forEach((name, value) -> {
                if (!name.startsWith(PREFIX)) {
                    kafka.put(name, value);
                }
            });
            return kafka;
        }

        void rejectUnknownKeys() {
            new TreeMap<>(settings).keySet().stream()
                    .filter(name -> name.startsWith(PREFIX))
                    .filter(name -> java.util.Arrays.stream(Key.values()).noneMatch(k -> k.key().equals(name)))
                    .forEach(name -> problems.add(name + ": unknown setting"));
        }
    }
}
