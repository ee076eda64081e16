package io.inertia.model;

import java.util.Optional;

/**
 * The multiclass logistic (softmax, cross-entropy) loss of K ≥ 2 scores z_0..z_{K−1} against a class label
 * y ∈ {0, …, K−1}:
 *
 * <pre>
 *   p_k = e^{z_k} / Σ_j e^{z_j}        L = −log p_y        ∂L/∂z_k = p_k − [y = k]
 * </pre>
 *
 * computed stably: with m = max_j z_j, p_k = e^{z_k − m} / s for s = Σ_j e^{z_j − m} (every exponent ≤ 0, one of them
 * 0, so s ∈ [1, K]), and L = log s − (z_y − m). The predicted class is the most probable, the lowest index on a tie.
 *
 * <p>It reads K scores, so the scalar methods of {@link Loss} do not apply to it ({@link #outputs()} says so); the
 * learner calls {@link #evaluate} instead.
 */
public final class SoftmaxLoss implements Loss {

    /** The most classes a model may have. */
    public static final int MAX_CLASSES = 10_000;

    private final int classes;

    /**
     * @throws IllegalArgumentException unless 2 ≤ K ≤ {@value #MAX_CLASSES}
     */
    public SoftmaxLoss(int classes) {
        if (classes < 2 || classes > MAX_CLASSES) {
            throw new IllegalArgumentException("softmax needs between 2 and " + MAX_CLASSES + " classes, got " + classes);
        }
        this.classes = classes;
    }

    /** K. */
    public int classes() {
        return classes;
    }

    @Override
    public int outputs() {
        return classes;
    }

    @Override
    public String name() {
        return "softmax";
    }

    /**
     * The loss of {@code scores} (K of them) for class {@code label}; writes p into {@code probabilities} and
     * ∂L/∂z into {@code gradient} (each length ≥ K; they may not be the same array as {@code scores}).
     *
     * @return L = −log p_label
     */
    public double evaluate(double[] scores, int label, double[] probabilities, double[] gradient) {
        double max = max(scores);
        double sum = exponentials(scores, max, probabilities);
        for (int k = 0; k < classes; k++) {
            probabilities[k] /= sum;
            gradient[k] = probabilities[k];
        }
        gradient[label] -= 1.0;
        return Math.log(sum) - (scores[label] - max);
    }

    /** p = softmax(scores) into {@code probabilities} (length ≥ K), as {@link #evaluate} computes it. */
    public void probabilities(double[] scores, double[] probabilities) {
        double sum = exponentials(scores, max(scores), probabilities);
        for (int k = 0; k < classes; k++) {
            probabilities[k] /= sum;
        }
    }

    private double max(double[] scores) {
        double max = scores[0];
        for (int k = 1; k < classes; k++) {
            max = Math.max(max, scores[k]);
        }
        return max;
    }

    /** e^{z_k − m} into {@code into}; returns their sum. */
    private double exponentials(double[] scores, double max, double[] into) {
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            double e = Math.exp(scores[k] - max);
            into[k] = e;
            sum += e;
        }
        return sum;
    }

    /** The class of highest probability, the lowest index among equals. */
    public static int predictedClass(double[] probabilities, int classes) {
        int best = 0;
        for (int k = 1; k < classes; k++) {
            if (probabilities[k] > probabilities[best]) {
                best = k;
            }
        }
        return best;
    }

    /** The label as a class index; call only with a label {@link #checkLabel} accepts. */
    public int classOf(double label) {
        return (int) label;
    }

    @Override
    public Optional<String> checkLabel(double label) {
        if (label != Math.rint(label) || label < 0 || label >= classes) {
            return Optional.of("label " + label + " is not a class of the softmax loss: expected an integer in 0.."
                    + (classes - 1));
        }
        return Optional.empty();
    }

    @Override
    public boolean classification() {
        return true;
    }

    @Override
    public double classLabel(double label) {
        Optional<String> problem = checkLabel(label);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        return label;
    }

    /** Not defined for K scores: use {@link #evaluate}. */
    @Override
    public double value(double score, double label) {
        throw new UnsupportedOperationException("the softmax loss reads " + classes + " scores, not one");
    }

    /** Not defined for K scores: use {@link #evaluate}. */
    @Override
    public double derivative(double score, double label) {
        throw new UnsupportedOperationException("the softmax loss reads " + classes + " scores, not one");
    }

    /** Not defined for K scores: use {@link #evaluate}. */
    @Override
    public double prediction(double score) {
        throw new UnsupportedOperationException("the softmax loss reads " + classes + " scores, not one");
    }
}
