package io.inertia.cli;

import io.inertia.config.InertiaConfig;
import io.inertia.config.InertiaConfig.Key;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Options shared by the commands that learn: a properties file and overrides of its settings. Precedence, lowest
 * first: built-in defaults, {@code --config FILE}, {@code --property KEY=VALUE}, then the dedicated options.
 */
final class LearnerOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file of inertia.* and Kafka settings (default: none, built-in defaults).")
    Path configFile;

    @Option(names = {"-p", "--property"}, paramLabel = "KEY=VALUE",
            description = "Any setting, inertia.* or Kafka; overrides --config. Repeatable (default: none).")
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(names = "--loss", paramLabel = "NAME",
            description = "squared, absolute, huber, quantile, logistic, hinge, poisson or softmax (inertia.loss; "
                    + "default squared).")
    String loss;

    @Option(names = "--classes", paramLabel = "K",
            description = "K classes of the softmax loss, labels 0..K-1; 0 counts --class-names (inertia.classes; "
                    + "default 0).")
    String classes;

    @Option(names = "--class-names", paramLabel = "A,B,...",
            description = "Names of the softmax classes 0..K-1, for labels given by name in JSON, in inertia.class-names "
                    + "(default: none).")
    String classNames;

    @Option(names = "--huber-delta", paramLabel = "DELTA",
            description = "δ of the huber loss (inertia.huber-delta; default 1.0).")
    String huberDelta;

    @Option(names = "--quantile-tau", paramLabel = "TAU",
            description = "τ of the quantile loss (inertia.quantile-tau; default 0.5).")
    String quantileTau;

    @Option(names = "--optimizer", paramLabel = "NAME",
            description = "momentum, ema-momentum, nesterov, sgd, adagrad, adam or ftrl (inertia.optimizer; default "
                    + "momentum).")
    String optimizer;

    @Option(names = "--ftrl-alpha", paramLabel = "ALPHA",
            description = "α of ftrl, each coordinate's rate α/(β+√n) (inertia.ftrl.alpha; default 0.05).")
    String ftrlAlpha;

    @Option(names = "--ftrl-beta", paramLabel = "BETA",
            description = "β of ftrl (inertia.ftrl.beta; default 1.0).")
    String ftrlBeta;

    @Option(names = "--adam-beta2", paramLabel = "BETA2",
            description = "β₂ of adam (inertia.adam-beta2; default 0.999).")
    String adamBeta2;

    @Option(names = "--epsilon", paramLabel = "EPS",
            description = "ε of adagrad and adam (inertia.epsilon; default 1.0E-8).")
    String epsilon;

    @Option(names = "--schedule", paramLabel = "NAME",
            description = "constant, invscaling or optimal (inertia.schedule; default constant).")
    String schedule;

    @Option(names = "--power-t", paramLabel = "P",
            description = "p of invscaling η/t^p (inertia.power-t; default 0.5).")
    String powerT;

    @Option(names = "--alpha", paramLabel = "ALPHA",
            description = "α of optimal 1/(α(t+t₀)) (inertia.alpha; default 1.0E-4).")
    String alpha;

    @Option(names = "--t0", paramLabel = "T0", description = "t₀ of optimal, or auto (inertia.t0; default auto).")
    String t0;

    @Option(names = "--l1", paramLabel = "LAMBDA",
            description = "L1 strength λ₁ on the weights (inertia.l1; default 0.0).")
    String l1;

    @Option(names = "--clip-value", paramLabel = "C",
            description = "Clamp gradient components (inertia.clip-value; default 0.0).")
    String clipValue;

    @Option(names = "--clip-norm", paramLabel = "C",
            description = "Cap the gradient norm (inertia.clip-norm; default 0.0).")
    String clipNorm;

    @Option(names = "--l2", paramLabel = "LAMBDA",
            description = "L2 strength λ₂ on the weights (inertia.l2; default 0.0).")
    String l2;

    @Option(names = "--learning-rate", paramLabel = "ETA",
            description = "Learning rate η > 0 (inertia.learning-rate; default 0.01).")
    String learningRate;

    @Option(names = "--momentum", paramLabel = "BETA",
            description = "Momentum β in [0, 1) (inertia.momentum; default 0.9).")
    String momentum;

    @Option(names = "--snapshot-every", paramLabel = "N",
            description = "Publish a snapshot every N updates of a model (inertia.snapshot-every; default 1000).")
    String snapshotEvery;

    @Option(names = "--loss-smoothing", paramLabel = "ALPHA",
            description = "Weight of the newest loss in the running loss (inertia.loss-smoothing; default 0.01).")
    String lossSmoothing;

    @Option(names = "--hash-bits", paramLabel = "B",
            description = "Hash named features into 2^B buckets, B in 1..30; 0 is off (inertia.hash-bits; default 0).")
    String hashBits;

    @Option(names = "--on-divergence", paramLabel = "ACTION",
            description = "dead-letter or halt: after an update that would make a model non-finite (left unchanged, "
                    + "the event dead-lettered), go on learning or stop that model (inertia.on-divergence; default dead-letter).")
    String onDivergence;

    @Option(names = "--feature-spec", paramLabel = "FILE",
            description = "Read the input as your own records (JSON of any shape, or Avro) through this YAML feature "
                    + "spec: model key, label, weight, event id and features (inertia.feature-spec; default: none, "
                    + "Inertia's own events).")
    String featureSpec;

    /** The configuration these options describe, with {@code extra} applied last. */
    InertiaConfig config(Map<String, String> extra) {
        Map<String, String> overrides = new LinkedHashMap<>(properties);
        put(overrides, Key.FEATURE_SPEC, featureSpec);
        put(overrides, Key.LOSS, loss);
        put(overrides, Key.HUBER_DELTA, huberDelta);
        put(overrides, Key.QUANTILE_TAU, quantileTau);
        put(overrides, Key.CLASSES, classes);
        put(overrides, Key.CLASS_NAMES, classNames);
        put(overrides, Key.OPTIMIZER, optimizer);
        put(overrides, Key.FTRL_ALPHA, ftrlAlpha);
        put(overrides, Key.FTRL_BETA, ftrlBeta);
        put(overrides, Key.ADAM_BETA2, adamBeta2);
        put(overrides, Key.EPSILON, epsilon);
        put(overrides, Key.SCHEDULE, schedule);
        put(overrides, Key.POWER_T, powerT);
        put(overrides, Key.ALPHA, alpha);
        put(overrides, Key.T0, t0);
        put(overrides, Key.L2, l2);
        put(overrides, Key.L1, l1);
        put(overrides, Key.CLIP_VALUE, clipValue);
        put(overrides, Key.CLIP_NORM, clipNorm);
        put(overrides, Key.LEARNING_RATE, learningRate);
        put(overrides, Key.MOMENTUM, momentum);
        put(overrides, Key.SNAPSHOT_EVERY, snapshotEvery);
        put(overrides, Key.LOSS_SMOOTHING, lossSmoothing);
        put(overrides, Key.HASH_BITS, hashBits);
        put(overrides, Key.ON_DIVERGENCE, onDivergence);
        overrides.putAll(extra);
        return InertiaConfig.load(configFile, overrides);
    }

    private static void put(Map<String, String> overrides, Key key, String value) {
        if (value != null) {
            overrides.put(key.key(), value);
        }
    }
}
