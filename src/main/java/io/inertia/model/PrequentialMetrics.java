package io.inertia.model;

/**
 * Test-then-train ("prequential", Dawid 1984) metrics of one model: every event is scored by the model as it was
 * before learning from it, so these are honest out-of-sample figures on a stream.
 *
 * <p>Kept: the number of events n; the sum of losses (mean loss since the start = Σ L / n); the last W losses in a
 * ring buffer with their sum (mean loss over the last W events); for regression the sums of squared and absolute
 * errors of the prediction (RMSE = √(Σ e² / n), MAE = Σ |e| / n); for classification the number of correct class
 * predictions (accuracy) and, for the logistic loss, the sum of log-losses. Everything is a plain sum updated in event
 * order, so a replay reproduces it exactly. Mutable; owned by one thread at a time.
 */
public final class PrequentialMetrics {

    private final double[] window;
    private int windowFilled;
    private int windowNext;
    private double windowSum;
    private long count;
    private double lossSum;
    private double squaredErrorSum;
    private double absoluteErrorSum;
    private long correct;

    /** Empty metrics over a window of the last {@code windowSize} ≥ 1 losses. */
    public PrequentialMetrics(int windowSize) {
        if (windowSize < 1) {
            throw new IllegalArgumentException("metrics window must be >= 1, got " + windowSize);
        }
        this.window = new double[windowSize];
    }

    /**
     * Metrics restored from their stored sums.
     *
     * @param recentLosses the last losses, oldest first, at most {@code windowSize} of them
     */
    public static PrequentialMetrics restore(int windowSize, double[] recentLosses, double windowSum, long count,
            double lossSum, double squaredErrorSum, double absoluteErrorSum, long correct) {
        PrequentialMetrics metrics = new PrequentialMetrics(windowSize);
        if (recentLosses.length > windowSize) {
            throw new IllegalArgumentException(recentLosses.length + " recent losses exceed the window " + windowSize);
        }
        System.arraycopy(recentLosses, 0, metrics.window, 0, recentLosses.length);
        metrics.windowFilled = recentLosses.length;
        metrics.windowNext = recentLosses.length % windowSize;
        metrics.windowSum = windowSum;
        metrics.count = count;
        metrics.lossSum = lossSum;
        metrics.squaredErrorSum = squaredErrorSum;
        metrics.absoluteErrorSum = absoluteErrorSum;
        metrics.correct = correct;
        return metrics;
    }

    /**
     * Records one event scored before its update.
     *
     * @param loss the loss L
     * @param prediction the prediction (score, probability or mean)
     * @param label the label as given
     * @param lossFunction the loss the model is trained with, to tell regression from classification
     * @param score the raw score z, which decides the class of a classifier (z ≥ 0 is class 1)
     */
    public void record(double loss, double prediction, double label, Loss lossFunction, double score) {
        count++;
        lossSum += loss;
        if (windowFilled == window.length) {
            windowSum -= window[windowNext];
        } else {
            windowFilled++;
        }
        window[windowNext] = loss;
        windowSum += loss;
        windowNext = (windowNext + 1) % window.length;
        if (lossFunction.classification()) {
            double predictedClass = score >= 0 ? 1.0 : 0.0;
            if (predictedClass == lossFunction.classLabel(label)) {
                correct++;
            }
        } else {
            double error = prediction - label;
            squaredErrorSum += error * error;
            absoluteErrorSum += Math.abs(error);
        }
    }

    /** Window size W. */
    public int windowSize() {
        return window.length;
    }

    /** The losses in the window, oldest first. */
    public double[] recentLosses() {
        double[] recent = new double[windowFilled];
        int start = windowFilled == window.length ? windowNext : 0;
        for (int i = 0; i < windowFilled; i++) {
            recent[i] = window[(start + i) % window.length];
        }
        return recent;
    }

    /** Sum of the losses in the window. */
    public double windowSum() {
        return windowSum;
    }

    /** Events recorded. */
    public long count() {
        return count;
    }

    /** Sum of all losses. */
    public double lossSum() {
        return lossSum;
    }

    /** Sum of squared prediction errors (regression). */
    public double squaredErrorSum() {
        return squaredErrorSum;
    }

    /** Sum of absolute prediction errors (regression). */
    public double absoluteErrorSum() {
        return absoluteErrorSum;
    }

    /** Correct class predictions (classification). */
    public long correct() {
        return correct;
    }

    /** Mean loss since the start, Σ L / n (0 before any event). */
    public double meanLoss() {
        return count == 0 ? 0.0 : lossSum / count;
    }

    /** Mean loss over the last min(n, W) events (0 before any event). */
    public double windowMeanLoss() {
        return windowFilled == 0 ? 0.0 : windowSum / windowFilled;
    }

    /** √(Σ e² / n) (0 before any event). */
    public double rmse() {
        return count == 0 ? 0.0 : Math.sqrt(squaredErrorSum / count);
    }

    /** Σ |e| / n (0 before any event). */
    public double mae() {
        return count == 0 ? 0.0 : absoluteErrorSum / count;
    }

    /** Correct / n (0 before any event). */
    public double accuracy() {
        return count == 0 ? 0.0 : (double) correct / count;
    }

    /** What {@link #record} will change, so that {@link #rollBack} can undo it: O(1), not O(W). */
    Savepoint savepoint() {
        return new Savepoint(window[windowNext], windowFilled, windowNext, windowSum, count, lossSum, squaredErrorSum,
                absoluteErrorSum, correct);
    }

    /** Puts back the state saved by {@link #savepoint}, undoing the events recorded since (at most one). */
    void rollBack(Savepoint saved) {
        windowFilled = saved.windowFilled;
        windowNext = saved.windowNext;
        window[windowNext] = saved.overwritten;
        windowSum = saved.windowSum;
        count = saved.count;
        lossSum = saved.lossSum;
        squaredErrorSum = saved.squaredErrorSum;
        absoluteErrorSum = saved.absoluteErrorSum;
        correct = saved.correct;
    }

    /** The metrics' state before one event; see {@link #savepoint}. */
    record Savepoint(double overwritten, int windowFilled, int windowNext, double windowSum, long count,
            double lossSum, double squaredErrorSum, double absoluteErrorSum, long correct) {
    }
}
