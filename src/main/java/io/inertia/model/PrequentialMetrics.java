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
 *
 * <p>A K-class model (softmax) also counts, per class c, since the start and over the window: the events labeled c,
 * the events predicted c, and those both (TP_c). Accuracy is Σ TP_c / n; macro-F1 is the mean, over the classes that
 * occurred as a label or a prediction, of F1_c = 2·TP_c / (labeled_c + predicted_c) (= 2TP/(2TP + FP + FN), the
 * definition of scikit-learn's {@code f1_score(average="macro")}); the log loss is the mean loss, −log p_y. The window
 * keeps each of its events' label and predicted class, so its counts are exact integers, updated as events enter and
 * leave it.
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
    /** K of a K-class model; 0 for any other. */
    private final int classes;
    /** Per class, since the start: events labeled c, predicted c, both. Empty unless K &gt; 0. */
    private final long[] labeled;
    private final long[] predicted;
    private final long[] truePositives;
    /** Per window position: its event's label and predicted class (K-class models only). */
    private final int[] windowLabels;
    private final int[] windowPredictions;
    /** Per class, over the window: as above. */
    private final int[] windowLabeled;
    private final int[] windowPredicted;
    private final int[] windowTruePositives;
    private int windowCorrect;

    /** Empty metrics over a window of the last {@code windowSize} ≥ 1 losses. */
    public PrequentialMetrics(int windowSize) {
        this(windowSize, 0);
    }

    /** Empty metrics over a window of {@code windowSize} ≥ 1 events for a model of {@code classes} classes (0: not K-class). */
    public PrequentialMetrics(int windowSize, int classes) {
        if (windowSize < 1) {
            throw new IllegalArgumentException("metrics window must be >= 1, got " + windowSize);
        }
        if (classes < 0 || classes == 1) {
            throw new IllegalArgumentException("a K-class model has K >= 2 classes, got " + classes);
        }
        this.window = new double[windowSize];
        this.classes = classes;
        this.labeled = new long[classes];
        this.predicted = new long[classes];
        this.truePositives = new long[classes];
        int positions = classes > 0 ? windowSize : 0;
        this.windowLabels = new int[positions];
        this.windowPredictions = new int[positions];
        this.windowLabeled = new int[classes];
        this.windowPredicted = new int[classes];
        this.windowTruePositives = new int[classes];
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
     * Metrics of a K-class model restored from their stored sums and counts.
     *
     * @param recentLosses the last losses, oldest first, at most {@code windowSize} of them
     * @param classCounts per class c: events labeled c, predicted c and both, since the start (K each)
     * @param recentLabels the labels of the events of {@code recentLosses}, same order
     * @param recentPredictions their predicted classes
     */
    public static PrequentialMetrics restore(int windowSize, int classes, double[] recentLosses, double windowSum,
            long count, double lossSum, long correct, long[][] classCounts, int[] recentLabels,
            int[] recentPredictions) {
        PrequentialMetrics metrics = restore(windowSize, recentLosses, windowSum, count, lossSum, 0, 0, correct);
        if (classes == 0) {
            return metrics;
        }
        PrequentialMetrics counted = new PrequentialMetrics(windowSize, classes);
        System.arraycopy(metrics.window, 0, counted.window, 0, windowSize);
        counted.windowFilled = metrics.windowFilled;
        counted.windowNext = metrics.windowNext;
        counted.windowSum = windowSum;
        counted.count = count;
        counted.lossSum = lossSum;
        counted.correct = correct;
        for (int i = 0; i < 3; i++) {
            if (classCounts[i].length != classes) {
                throw new IllegalArgumentException(classCounts[i].length + " class counts for " + classes + " classes");
            }
        }
        System.arraycopy(classCounts[0], 0, counted.labeled, 0, classes);
        System.arraycopy(classCounts[1], 0, counted.predicted, 0, classes);
        System.arraycopy(classCounts[2], 0, counted.truePositives, 0, classes);
        if (recentLabels.length != recentLosses.length || recentPredictions.length != recentLosses.length) {
            throw new IllegalArgumentException(recentLabels.length + " recent labels and " + recentPredictions.length
                    + " recent predictions for " + recentLosses.length + " recent losses");
        }
        for (int i = 0; i < recentLabels.length; i++) {
            if (recentLabels[i] < 0 || recentLabels[i] >= classes || recentPredictions[i] < 0
                    || recentPredictions[i] >= classes) {
                throw new IllegalArgumentException("a recent class is outside 0.." + (classes - 1));
            }
            counted.windowLabels[i] = recentLabels[i];
            counted.windowPredictions[i] = recentPredictions[i];
            counted.enterWindow(recentLabels[i], recentPredictions[i]);
        }
        return counted;
    }

    /** An independent copy. */
    PrequentialMetrics copy() {
        PrequentialMetrics copy = new PrequentialMetrics(window.length, classes);
        System.arraycopy(window, 0, copy.window, 0, window.length);
        copy.windowFilled = windowFilled;
        copy.windowNext = windowNext;
        copy.windowSum = windowSum;
        copy.count = count;
        copy.lossSum = lossSum;
        copy.squaredErrorSum = squaredErrorSum;
        copy.absoluteErrorSum = absoluteErrorSum;
        copy.correct = correct;
        System.arraycopy(labeled, 0, copy.labeled, 0, classes);
        System.arraycopy(predicted, 0, copy.predicted, 0, classes);
        System.arraycopy(truePositives, 0, copy.truePositives, 0, classes);
        System.arraycopy(windowLabels, 0, copy.windowLabels, 0, windowLabels.length);
        System.arraycopy(windowPredictions, 0, copy.windowPredictions, 0, windowPredictions.length);
        System.arraycopy(windowLabeled, 0, copy.windowLabeled, 0, classes);
        System.arraycopy(windowPredicted, 0, copy.windowPredicted, 0, classes);
        System.arraycopy(windowTruePositives, 0, copy.windowTruePositives, 0, classes);
        copy.windowCorrect = windowCorrect;
        return copy;
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

    /**
     * Records one event of a K-class model, scored before its update.
     *
     * @param loss the loss L = −log p_label
     * @param label the event's class
     * @param predictedClass the class predicted (the most probable, the lowest index on a tie)
     */
    public void recordClass(double loss, int label, int predictedClass) {
        if (classes == 0) {
            throw new IllegalStateException("metrics of a model without classes");
        }
        boolean full = windowFilled == window.length;
        int at = windowNext;
        count++;
        lossSum += loss;
        if (full) {
            windowSum -= window[at];
            leaveWindow(windowLabels[at], windowPredictions[at]);
        } else {
            windowFilled++;
        }
        window[at] = loss;
        windowSum += loss;
        windowLabels[at] = label;
        windowPredictions[at] = predictedClass;
        enterWindow(label, predictedClass);
        windowNext = (at + 1) % window.length;
        labeled[label]++;
        predicted[predictedClass]++;
        if (label == predictedClass) {
            truePositives[label]++;
            correct++;
        }
    }

    private void enterWindow(int label, int predictedClass) {
        windowLabeled[label]++;
        windowPredicted[predictedClass]++;
        if (label == predictedClass) {
            windowTruePositives[label]++;
            windowCorrect++;
        }
    }

    private void leaveWindow(int label, int predictedClass) {
        windowLabeled[label]--;
        windowPredicted[predictedClass]--;
        if (label == predictedClass) {
            windowTruePositives[label]--;
            windowCorrect--;
        }
    }

    /** K of a K-class model, 0 for any other. */
    public int classes() {
        return classes;
    }

    /** Per class c, since the start: [events labeled c, events predicted c, events both] (copies). */
    public long[][] classCounts() {
        return new long[][] {labeled.clone(), predicted.clone(), truePositives.clone()};
    }

    /** The labels of the events in the window, oldest first (K-class models). */
    public int[] recentLabels() {
        return recentClasses(windowLabels);
    }

    /** The predicted classes of the events in the window, oldest first (K-class models). */
    public int[] recentPredictions() {
        return recentClasses(windowPredictions);
    }

    private int[] recentClasses(int[] ring) {
        if (classes == 0) {
            return new int[0];
        }
        int[] recent = new int[windowFilled];
        int start = windowFilled == window.length ? windowNext : 0;
        for (int i = 0; i < windowFilled; i++) {
            recent[i] = ring[(start + i) % window.length];
        }
        return recent;
    }

    /** Macro-F1 since the start (see the class documentation); 0 before any event. */
    public double macroF1() {
        return macroF1(labeled, predicted, truePositives);
    }

    /** Macro-F1 over the window; 0 before any event. */
    public double windowMacroF1() {
        long[] windowLabeledCounts = new long[classes];
        long[] windowPredictedCounts = new long[classes];
        long[] windowBoth = new long[classes];
        for (int c = 0; c < classes; c++) {
            windowLabeledCounts[c] = windowLabeled[c];
            windowPredictedCounts[c] = windowPredicted[c];
            windowBoth[c] = windowTruePositives[c];
        }
        return macroF1(windowLabeledCounts, windowPredictedCounts, windowBoth);
    }

    /** Mean of 2·TP_c/(labeled_c + predicted_c) over the classes that occurred, in class order. */
    private static double macroF1(long[] labeled, long[] predicted, long[] truePositives) {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < labeled.length; c++) {
            long occurred = labeled[c] + predicted[c];
            if (occurred > 0) {
                sum += 2.0 * truePositives[c] / occurred;
                present++;
            }
        }
        return present == 0 ? 0.0 : sum / present;
    }

    /** Accuracy over the window (K-class models); 0 before any event. */
    public double windowAccuracy() {
        return windowFilled == 0 ? 0.0 : (double) windowCorrect / windowFilled;
    }

    /** An estimate of the heap these metrics occupy, in bytes. */
    long estimatedBytes() {
        return 8L * window.length + 8L * windowLabels.length + 48L * classes;
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
        boolean counted = classes > 0;
        return new Savepoint(window[windowNext], windowFilled, windowNext, windowSum, count, lossSum, squaredErrorSum,
                absoluteErrorSum, correct, counted ? windowLabels[windowNext] : 0,
                counted ? windowPredictions[windowNext] : 0);
    }

    /** Puts back the state saved by {@link #savepoint}, undoing the events recorded since (at most one). */
    void rollBack(Savepoint saved) {
        if (classes > 0 && count > saved.count) {
            // Undo the one event recorded since: its classes sit where the savepoint's window position was.
            int at = saved.windowNext;
            int label = windowLabels[at];
            int predictedClass = windowPredictions[at];
            leaveWindow(label, predictedClass);
            labeled[label]--;
            predicted[predictedClass]--;
            if (label == predictedClass) {
                truePositives[label]--;
            }
            windowLabels[at] = saved.overwrittenLabel;
            windowPredictions[at] = saved.overwrittenPrediction;
            if (saved.windowFilled == window.length) {
                enterWindow(saved.overwrittenLabel, saved.overwrittenPrediction);
            }
        }
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
            double lossSum, double squaredErrorSum, double absoluteErrorSum, long correct, int overwrittenLabel,
            int overwrittenPrediction) {
    }
}
