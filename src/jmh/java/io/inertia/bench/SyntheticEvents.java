package io.inertia.bench;

import io.inertia.avro.LabeledEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The seeded events of one {@link EndToEndCase}: a pure function of the case and the event's position, so every run
 * (and the pass-through and the learner alike) sees the same bytes.
 *
 * <p>Each model k has true weights w_k and a bias b_k drawn uniformly from [−1, 1], and each event is labelled
 * y = w_k·x + b_k + ε with ε ~ N(0, {@value #NOISE}²), so that the models actually learn. Feature values are uniform
 * in [−a, a] with a = √(3/m), m the number of features an event carries (d dense, or
 * {@value EndToEndCase#NAMES_PER_EVENT} named), so that E‖x‖² = 1 whatever d: with Inertia's default step (η = 0.01,
 * β = 0.9) an unscaled d = 1,000 event would make the momentum iteration diverge, and the benchmark would measure
 * dead-lettering instead of learning.
 *
 * <p>In a case of K &gt; 1 classes each model has K true weight vectors and biases instead, and an event's label is
 * the class of the highest w_k·x + b_k + ε_k (ε_k ~ N(0, {@value #NOISE}²)), 0..K−1.
 *
 * <p>Events visit the model keys round-robin in a fixed shuffled order, so every key is seen ⌊N/K⌋ or ⌈N/K⌉ times.
 * Named features are {@code f<i>} for i in [0, {@value EndToEndCase#VOCABULARY}); with Zipf frequencies rank i + 1 is
 * name {@code f<i>}.
 */
final class SyntheticEvents {

    private static final long SEED = 20_251_201L;
    /** Standard deviation of the label noise. */
    static final double NOISE = 0.1;
    /** Draws per event before giving up on finding {@value EndToEndCase#NAMES_PER_EVENT} distinct names. */
    private static final int MAX_DRAWS = 100 * EndToEndCase.NAMES_PER_EVENT;

    private final SplittableRandom random;
    private final String[] keys;
    private final int[] keyOrder;
    private final double[] bias;
    /** Per model key, its dense weights; null in the named-feature cases. */
    private final double[][] denseTruth;
    /** Per vocabulary name, its weight; null in the dense cases. */
    private final double[] namedTruth;
    /** Cumulative Zipf probabilities by rank; null unless the case draws Zipf names. */
    private final double[] zipfCdf;
    private final double scale;
    /** Per model key and class, its dense weights and bias; null unless the case has classes. */
    private final double[][][] classTruth;
    private final double[][] classBias;
    private long next;

    SyntheticEvents(EndToEndCase spec) {
        this.random = new SplittableRandom(SEED + spec.number());
        // The truth has its own generator, so that the event stream does not depend on how much truth a case needs.
        SplittableRandom truth = new SplittableRandom(SEED + 1_000L * spec.number());
        int models = spec.models();
        keys = new String[models];
        for (int k = 0; k < models; k++) {
            keys[k] = models == 1 ? "model" : "m" + k;
        }
        keyOrder = new int[models];
        for (int k = 0; k < models; k++) {
            keyOrder[k] = k;
        }
        for (int k = models - 1; k > 0; k--) {
            int j = truth.nextInt(k + 1);
            int swap = keyOrder[k];
            keyOrder[k] = keyOrder[j];
            keyOrder[j] = swap;
        }
        bias = new double[models];
        for (int k = 0; k < models; k++) {
            bias[k] = truth.nextDouble(-1, 1);
        }
        if (spec.classes() > 1) {
            classTruth = new double[models][spec.classes()][spec.denseLength()];
            classBias = new double[models][spec.classes()];
            for (int k = 0; k < models; k++) {
                for (int c = 0; c < spec.classes(); c++) {
                    for (int j = 0; j < spec.denseLength(); j++) {
                        classTruth[k][c][j] = truth.nextDouble(-1, 1);
                    }
                    classBias[k][c] = truth.nextDouble(-1, 1);
                }
            }
        } else {
            classTruth = null;
            classBias = null;
        }
        if (spec.features() == EndToEndCase.Features.DENSE) {
            denseTruth = new double[models][spec.denseLength()];
            for (double[] weights : denseTruth) {
                for (int j = 0; j < weights.length; j++) {
                    weights[j] = truth.nextDouble(-1, 1);
                }
            }
            namedTruth = null;
            zipfCdf = null;
            scale = Math.sqrt(3.0 / spec.denseLength());
        } else {
            denseTruth = null;
            namedTruth = new double[EndToEndCase.VOCABULARY];
            for (int i = 0; i < namedTruth.length; i++) {
                namedTruth[i] = truth.nextDouble(-1, 1);
            }
            zipfCdf = spec.features() == EndToEndCase.Features.ZIPF_NAMES ? zipfCdf(EndToEndCase.VOCABULARY) : null;
            scale = Math.sqrt(3.0 / EndToEndCase.NAMES_PER_EVENT);
        }
    }

    /** The next event, with {@code eventId} (null for none). */
    LabeledEvent next(String eventId) {
        int k = keyOrder[(int) (next++ % keyOrder.length)];
        double label = bias[k] + NOISE * random.nextGaussian();
        LabeledEvent.Builder event = LabeledEvent.newBuilder().setModelKey(keys[k]).setEventId(eventId);
        if (classTruth != null) {
            double[] x = new double[classTruth[k][0].length];
            List<Double> dense = new ArrayList<>(x.length);
            for (int j = 0; j < x.length; j++) {
                x[j] = random.nextDouble(-scale, scale);
                dense.add(x[j]);
            }
            event.setDenseFeatures(dense);
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classTruth[k].length; c++) {
                double score = classBias[k][c] + NOISE * random.nextGaussian();
                for (int j = 0; j < x.length; j++) {
                    score += classTruth[k][c][j] * x[j];
                }
                if (score > bestScore) {
                    best = c;
                    bestScore = score;
                }
            }
            return event.setLabel((double) best).build();
        }
        if (denseTruth != null) {
            double[] weights = denseTruth[k];
            List<Double> dense = new ArrayList<>(weights.length);
            for (double weight : weights) {
                double x = random.nextDouble(-scale, scale);
                dense.add(x);
                label += weight * x;
            }
            event.setDenseFeatures(dense);
        } else {
            // Insertion order fixes the order Avro writes the map in, so the bytes are deterministic too.
            Map<String, Double> named = new LinkedHashMap<>(2 * EndToEndCase.NAMES_PER_EVENT);
            for (int draw = 0; named.size() < EndToEndCase.NAMES_PER_EVENT; draw++) {
                if (draw == MAX_DRAWS) {
                    throw new IllegalStateException("no " + EndToEndCase.NAMES_PER_EVENT + " distinct names in "
                            + MAX_DRAWS + " draws");
                }
                int index = zipfCdf == null ? random.nextInt(namedTruth.length) : zipfRank();
                String name = "f" + index;
                if (!named.containsKey(name)) {
                    double x = random.nextDouble(-scale, scale);
                    named.put(name, x);
                    label += namedTruth[index] * x;
                }
            }
            event.setNamedFeatures(named);
        }
        return event.setLabel(label).build();
    }

    /** Inversion of the cumulative distribution: the 0-based rank whose interval holds a uniform draw. */
    private int zipfRank() {
        int found = Arrays.binarySearch(zipfCdf, random.nextDouble());
        int rank = found >= 0 ? found : -found - 1;
        return Math.min(rank, zipfCdf.length - 1);
    }

    private static double[] zipfCdf(int size) {
        double[] cdf = new double[size];
        double sum = 0;
        for (int k = 0; k < size; k++) {
            sum += Math.pow(k + 1, -EndToEndCase.ZIPF_EXPONENT);
            cdf[k] = sum;
        }
        for (int k = 0; k < size; k++) {
            cdf[k] /= sum;
        }
        cdf[size - 1] = 1.0;
        return cdf;
    }
}
