package io.inertia.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A linear model over dense and sparse features with K ≥ 1 outputs, together with its optimizer's per-parameter
 * state and its training statistics: one output ŷ = w·x + b for regression and binary classification, or K scores
 * z_k = w_k·x + b_k for a K-class softmax model. Mutable; owned by one thread at a time.
 *
 * <p>Storage layout: every parameter (each weight of each output, each bias) occupies a slot of
 * {@link #slotWidth()} = 1 + optimizer state size doubles, the parameter first. The K parameters of one feature (or
 * the K biases) lie side by side in a <em>block</em> of {@link #blockWidth()} = K·slotWidth doubles, output k at
 * {@code k * slotWidth()}: an event reaches all K weights of a feature in one place, and a sparse feature stays one
 * coordinate whatever K. Dense feature i's block starts at {@code denseSlots()[i * blockWidth()]}; the biases at
 * {@code biasSlots()[0]}. Sparse features are <em>coordinates</em> 0, 1, … in the order they were added, each a named
 * feature or a hashed bucket (see {@link Example}), their blocks side by side in one array, each followed by the
 * update it is current to: an event reaches its weights through two index maps (name → coordinate, bucket →
 * coordinate) and allocates nothing per feature. Nothing that reaches a result depends on the coordinates' order:
 * sums run over an event's features in their sorted order, and whoever lists the coordinates sorts them
 * ({@link #sortedCoordinates()}). With K = 1 a block is one slot, the layout of a single-output model.
 *
 * <p>Sparse parameters are updated lazily: an event steps only the sparse features it carries (and every dense weight
 * and the bias); a coordinate it does not carry is brought up to date in closed form ({@link Optimizer#skip}) when an
 * event next carries it, or when {@link OnlineLearner#catchUp} is called before the model is read as a whole.
 * {@link #lastStep(int)} says up to which update a coordinate is current.
 */
public final class LinearModel {

    private static final int INITIAL_COORDINATES = 16;

    private final int slotWidth;
    /** K, the number of outputs. */
    private final int outputs;
    /** K·slotWidth: the doubles of one feature's (or the biases') K parameters. */
    private final int blockWidth;
    private double[] denseSlots;
    private final double[] biasSlots;
    private long version;
    private double runningLoss;
    private double l1Total;
    private final PrequentialMetrics metrics;

    private final HashMap<String, Integer> nameIndex = new HashMap<>();
    private final BucketIndex bucketIndex = new BucketIndex();
    /** Per coordinate: its name, or null for a bucket. */
    private String[] names = new String[0];
    /** Per coordinate: its bucket, or −1 for a named feature. */
    private int[] buckets = new int[0];
    /**
     * Per coordinate i, from {@code at(i)}: its block (per output the weight, then the optimizer state;
     * {@code blockWidth} values), then the update it is current to, stored as the raw bits of a long. One block per
     * coordinate, so that an event's feature touches one place in memory for its weights, state and last step.
     */
    private double[] slots;
    private int count;

    private LinearModel(int slotWidth, int outputs, double[] denseSlots, double[] biasSlots, long version,
            double runningLoss, PrequentialMetrics metrics) {
        this.metrics = metrics;
        this.slotWidth = slotWidth;
        this.outputs = outputs;
        this.blockWidth = outputs * slotWidth;
        this.denseSlots = denseSlots;
        this.biasSlots = biasSlots;
        this.version = version;
        this.runningLoss = runningLoss;
        // Allocated on the first sparse weight: a dense-only model (there may be 100,000 of them) holds none.
        this.slots = new double[0];
    }

    /** A model with every parameter and every optimizer state at 0 and no update applied, for an optimizer keeping
     * {@code stateSize} doubles per parameter. */
    public static LinearModel empty(int stateSize) {
        return empty(stateSize, OnlineLearner.DEFAULT_METRICS_WINDOW);
    }

    /** As {@link #empty(int)}, with prequential metrics over a window of {@code metricsWindow} events. */
    public static LinearModel empty(int stateSize, int metricsWindow) {
        return empty(stateSize, metricsWindow, 1);
    }

    /**
     * As {@link #empty(int, int)} with {@code outputs} = K ≥ 1 outputs: K &gt; 1 is a K-class model, whose metrics
     * also count classes.
     */
    public static LinearModel empty(int stateSize, int metricsWindow, int outputs) {
        checkOutputs(outputs);
        int width = 1 + stateSize;
        return new LinearModel(width, outputs, null, new double[outputs * width], 0, 0.0,
                new PrequentialMetrics(metricsWindow, outputs > 1 ? outputs : 0));
    }

    private static void checkOutputs(int outputs) {
        if (outputs < 1) {
            throw new IllegalArgumentException("a model needs at least 1 output, got " + outputs);
        }
    }

    /**
     * A model restored from stored slot blocks (see the class documentation for the layout); the arrays are copied.
     *
     * @param denseSlots dense slot blocks, or null when the model has no dense weights yet
     */
    public static LinearModel restore(int stateSize, double[] denseSlots, Map<String, double[]> namedSlots,
            double[] biasSlots, long version, double runningLoss) {
        return restore(stateSize, denseSlots, namedSlots, biasSlots, version, runningLoss,
                new PrequentialMetrics(OnlineLearner.DEFAULT_METRICS_WINDOW));
    }

    /**
     * As {@link #restore(int, double[], Map, double[], long, double)}, with its prequential metrics. Named slots are
     * current at {@code version}.
     */
    public static LinearModel restore(int stateSize, double[] denseSlots, Map<String, double[]> namedSlots,
            double[] biasSlots, long version, double runningLoss, PrequentialMetrics metrics) {
        return restore(stateSize, 1, denseSlots, namedSlots, biasSlots, version, runningLoss, metrics);
    }

    /**
     * As {@link #restore(int, double[], Map, double[], long, double, PrequentialMetrics)} for a model of
     * {@code outputs} outputs: every slot array holds blocks of K slots (see the class documentation).
     */
    public static LinearModel restore(int stateSize, int outputs, double[] denseSlots, Map<String, double[]> namedSlots,
            double[] biasSlots, long version, double runningLoss, PrequentialMetrics metrics) {
        checkOutputs(outputs);
        int width = 1 + stateSize;
        int block = outputs * width;
        if (denseSlots != null && denseSlots.length % block != 0) {
            throw new IllegalArgumentException("dense slots length " + denseSlots.length + " is not a multiple of " + block);
        }
        if (biasSlots.length != block) {
            throw new IllegalArgumentException("bias slots length " + biasSlots.length + " is not " + block);
        }
        if (metrics.classes() != (outputs > 1 ? outputs : 0)) {
            throw new IllegalArgumentException("metrics of " + metrics.classes() + " classes for a model of " + outputs
                    + " outputs");
        }
        LinearModel model = new LinearModel(width, outputs, denseSlots == null ? null : denseSlots.clone(),
                biasSlots.clone(), version, runningLoss, metrics);
        for (Map.Entry<String, double[]> entry : new TreeMap<>(namedSlots).entrySet()) {
            model.putNamed(entry.getKey(), entry.getValue(), version);
        }
        return model;
    }

    /** Doubles per parameter: the parameter and its optimizer state. */
    public int slotWidth() {
        return slotWidth;
    }

    /** K, the number of outputs: 1, or the classes of a softmax model. */
    public int outputs() {
        return outputs;
    }

    /** Doubles per feature (and for the biases): K slots. */
    public int blockWidth() {
        return blockWidth;
    }

    /** Number of dense features d, or −1 when the model has not seen a dense example yet. */
    public int denseDimension() {
        return denseSlots == null ? -1 : denseSlots.length / blockWidth;
    }

    /** The dense slot blocks (live, not a copy), or null; see the class documentation for the layout. */
    public double[] denseSlots() {
        return denseSlots;
    }

    /**
     * Every sparse feature's block by name (buckets as {@code "#i"}), in name order: a new map of copies, built in
     * O(coordinates) for readers and tests.
     */
    public SortedMap<String, double[]> namedSlots() {
        TreeMap<String, double[]> all = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            all.put(coordinateName(i), Arrays.copyOfRange(slots, at(i), at(i) + blockWidth));
        }
        return Collections.unmodifiableSortedMap(all);
    }

    /** The biases' block (live, not a copy): output k's bias at {@code k * slotWidth()}. */
    public double[] biasSlots() {
        return biasSlots;
    }

    /** Number of sparse parameters (coordinates). */
    public int coordinateCount() {
        return count;
    }

    /** The coordinate of sparse feature {@code name} (a bucket for the form {@code "#i"}), or −1 when absent. */
    public int coordinateOf(String name) {
        int bucket = Example.bucketOf(name);
        if (bucket >= 0) {
            return bucketIndex.get(bucket);
        }
        Integer index = nameIndex.get(name);
        return index == null ? -1 : index;
    }

    /** The coordinate of bucket {@code bucket}, or −1 when absent. */
    public int coordinateOfBucket(int bucket) {
        return bucketIndex.get(bucket);
    }

    /** The name of coordinate {@code i}: its feature name, or {@code "#b"} for bucket b. */
    public String coordinateName(int i) {
        return names[i] != null ? names[i] : Example.bucketName(buckets[i]);
    }

    /** The bucket of coordinate {@code i}, or −1 when it is a named feature. */
    public int coordinateBucket(int i) {
        return buckets[i];
    }

    /** The feature name of coordinate {@code i}, or null when it is a bucket. */
    public String coordinateFeature(int i) {
        return names[i];
    }

    /**
     * Value {@code k} of coordinate {@code i}'s block: for output c and slot value s (0 the weight, then the optimizer
     * state), k = c·slotWidth + s.
     */
    public double coordinateSlot(int i, int k) {
        return slots[at(i) + k];
    }

    /** The update count up to which coordinate {@code i} is current. */
    public long lastStep(int i) {
        return stepOf(i);
    }

    /** The update count up to which sparse parameter {@code name} is current, or −1 when the model does not have it. */
    public long lastStep(String name) {
        int i = coordinateOf(name);
        return i < 0 ? -1 : stepOf(i);
    }

    /**
     * The coordinates ordered for listing: named features by name, then buckets by index. O(c log c); the order in
     * which snapshots and stores list a model's weights, so that equal models give equal bytes.
     */
    public int[] sortedCoordinates() {
        int[] all = new int[count];
        for (int i = 0; i < count; i++) {
            all[i] = i;
        }
        return sortCoordinates(all);
    }

    /** {@code coordinates} (a new array) in the order of {@link #sortedCoordinates()}. */
    public int[] sortCoordinates(int[] coordinates) {
        int named = 0;
        for (int i : coordinates) {
            if (names[i] != null) {
                named++;
            }
        }
        Integer[] byName = new Integer[named];
        // Buckets sort as primitives: bucket in the high 32 bits, coordinate in the low (both ≥ 0).
        long[] byBucket = new long[coordinates.length - named];
        int n = 0;
        int b = 0;
        for (int i : coordinates) {
            if (names[i] != null) {
                byName[n++] = i;
            } else {
                byBucket[b++] = (long) buckets[i] << 32 | i;
            }
        }
        Arrays.sort(byName, (x, y) -> names[x].compareTo(names[y]));
        sortByBucket(byBucket);
        int[] sorted = new int[coordinates.length];
        for (int j = 0; j < named; j++) {
            sorted[j] = byName[j];
        }
        for (int j = 0; j < byBucket.length; j++) {
            sorted[named + j] = (int) byBucket[j];
        }
        return sorted;
    }

    /**
     * A deep copy of this model, for reading it whole without changing it: the same coordinates under the same numbers.
     * O(the model's size), in array copies (and one map copy for named features), so that a reader holding the
     * model's lock while it copies holds it briefly.
     */
    public LinearModel copy() {
        LinearModel copy = new LinearModel(slotWidth, outputs, denseSlots == null ? null : denseSlots.clone(),
                biasSlots.clone(), version, runningLoss, metrics.copy());
        copy.l1Total = l1Total;
        copy.count = count;
        copy.names = Arrays.copyOf(names, count);
        copy.buckets = Arrays.copyOf(buckets, count);
        copy.slots = Arrays.copyOf(slots, count * (blockWidth + 1));
        copy.nameIndex.putAll(nameIndex);
        copy.bucketIndex.copyFrom(bucketIndex);
        return copy;
    }

    /**
     * Adds (or replaces) a stored sparse feature: its block (per output the parameter, then the optimizer state;
     * copied) and the update up to which it is current. A name of the form {@code "#i"} is bucket i.
     *
     * @return its coordinate
     */
    public int putNamed(String name, double[] slots, long currentTo) {
        if (slots.length != blockWidth) {
            throw new IllegalArgumentException("slots of '" + name + "' do not have length " + blockWidth);
        }
        int bucket = Example.bucketOf(name);
        int i = bucket >= 0 ? bucketCoordinate(bucket, currentTo) : namedCoordinate(name, currentTo);
        System.arraycopy(slots, 0, this.slots, at(i), blockWidth);
        setStep(i, currentTo);
        return i;
    }

    /** As {@link #putNamed} for bucket {@code bucket} (named {@code "#bucket"}). */
    public int putBucket(int bucket, double[] slots, long currentTo) {
        if (slots.length != blockWidth) {
            throw new IllegalArgumentException("slots of bucket " + bucket + " do not have length " + blockWidth);
        }
        int i = bucketCoordinate(bucket, currentTo);
        System.arraycopy(slots, 0, this.slots, at(i), blockWidth);
        setStep(i, currentTo);
        return i;
    }

    /** The coordinate of {@code name}, added at zero and current to {@code currentTo} when absent. */
    private int namedCoordinate(String name, long currentTo) {
        Integer existing = nameIndex.get(name);
        if (existing != null) {
            return existing;
        }
        int i = append(name, -1, currentTo);
        nameIndex.put(name, i);
        return i;
    }

    /** The coordinate of {@code bucket}, added at zero and current to {@code currentTo} when absent. */
    private int bucketCoordinate(int bucket, long currentTo) {
        int existing = bucketIndex.get(bucket);
        if (existing >= 0) {
            return existing;
        }
        int i = append(null, bucket, currentTo);
        bucketIndex.put(bucket, i);
        return i;
    }

    private int append(String name, int bucket, long currentTo) {
        if (count == names.length) {
            int capacity = Math.max(INITIAL_COORDINATES, names.length * 2);
            names = Arrays.copyOf(names, capacity);
            buckets = Arrays.copyOf(buckets, capacity);
            slots = Arrays.copyOf(slots, capacity * (blockWidth + 1));
        }
        int i = count++;
        names[i] = name;
        buckets[i] = bucket;
        setStep(i, currentTo);
        Arrays.fill(slots, at(i), at(i) + blockWidth, 0.0);
        return i;
    }

    /**
     * Sorts {@code keys} (bucket in the high 32 bits, coordinate in the low, distinct buckets) by bucket: a least
     * significant digit radix sort over the bucket, 11 bits per pass, for the hundreds of thousands of buckets a
     * large model's snapshot lists; a pass whose digit is the same for every key is skipped.
     */
    private static void sortByBucket(long[] keys) {
        if (keys.length < 256) {
            Arrays.sort(keys);
            return;
        }
        long[] from = keys;
        long[] to = new long[keys.length];
        int[] counts = new int[1 << 11];
        for (int shift = 32; shift < 64; shift += 11) {
            Arrays.fill(counts, 0);
            for (long key : from) {
                counts[(int) (key >>> shift) & 0x7FF]++;
            }
            if (counts[(int) (from[0] >>> shift) & 0x7FF] == from.length) {
                continue;
            }
            for (int d = 0, start = 0; d < counts.length; d++) {
                int count = counts[d];
                counts[d] = start;
                start += count;
            }
            for (long key : from) {
                to[counts[(int) (key >>> shift) & 0x7FF]++] = key;
            }
            long[] swap = from;
            from = to;
            to = swap;
        }
        if (from != keys) {
            System.arraycopy(from, 0, keys, 0, keys.length);
        }
    }

    /**
     * Removes every coordinate added after the first {@code keep} (used to undo an update that added coordinates).
     */
    void truncateCoordinates(int keep) {
        for (int i = count - 1; i >= keep; i--) {
            if (names[i] != null) {
                nameIndex.remove(names[i]);
                names[i] = null;
            } else {
                bucketIndex.remove(buckets[i]);
            }
        }
        count = Math.min(count, keep);
    }

    /**
     * The coordinates of {@code example}'s sparse features, named ones first (in name order), then buckets (in index
     * order), each added at zero (current to this version) when the model does not have it yet.
     */
    int[] coordinatesOf(Example example) {
        int[] coordinates = new int[example.sparseCount()];
        int at = 0;
        for (int i = 0; i < example.nameCount(); i++) {
            coordinates[at++] = namedCoordinate(example.name(i), version);
        }
        for (int i = 0; i < example.bucketCount(); i++) {
            coordinates[at++] = bucketCoordinate(example.bucket(i), version);
        }
        return coordinates;
    }

    /** The value of the j-th sparse feature of {@code example} in the order of {@link #coordinatesOf}. */
    private static double sparseValue(Example example, int j) {
        return j < example.nameCount() ? example.nameValue(j) : example.bucketValue(j - example.nameCount());
    }

    /**
     * Brings sparse parameter {@code name} up to the current version (see {@link #catchUpCoordinate}).
     */
    void catchUp(String name, Optimizer optimizer, LearningRateSchedule schedule, Regularization regularization) {
        int i = coordinateOf(name);
        if (i >= 0) {
            catchUpCoordinate(i, optimizer, schedule, regularization);
        }
    }

    /**
     * Brings coordinate {@code i} from its last step up to the current version: in closed form by
     * {@link Optimizer#skip}, or, with L1 on, update by update with the penalty after each (exact, O(updates skipped)),
     * since the cumulative penalty clips the weight at every update of the dense path.
     */
    void catchUpCoordinate(int i, Optimizer optimizer, LearningRateSchedule schedule, Regularization regularization) {
        long last = stepOf(i);
        if (last < version) {
            catchUp(slots, at(i), last, optimizer, schedule, regularization);
            setStep(i, version);
        }
    }

    /**
     * Coordinate {@code i}'s slot block as it is at the current version, in {@code into} (length ≥ slot width),
     * leaving the model unchanged: what {@link #catchUpCoordinate} would make of it.
     */
    void caughtUpSlots(int i, double[] into, Optimizer optimizer, LearningRateSchedule schedule,
            Regularization regularization) {
        System.arraycopy(slots, at(i), into, 0, blockWidth);
        long last = stepOf(i);
        if (last < version) {
            catchUp(into, 0, last, optimizer, schedule, regularization);
        }
    }

    /**
     * Coordinate {@code i}'s slot block as it will be at version {@code target} (≥ the current version) if no update
     * until then touches it, in {@code into}: exactly what {@link #caughtUpSlots} will give once the model is at
     * {@code target}, since an update leaves the state of the coordinates it does not touch as it is. In closed form
     * ({@link Optimizer#skip}), so only without L1, whose catch-up follows the penalty totals of the updates to come.
     */
    void untouchedSlotsAt(int i, long target, double[] into, Optimizer optimizer, LearningRateSchedule schedule,
            Regularization regularization) {
        if (regularization.hasL1()) {
            throw new IllegalStateException("with L1 a weight's value at a later version depends on the updates between");
        }
        System.arraycopy(slots, at(i), into, 0, blockWidth);
        long last = stepOf(i);
        if (last < target) {
            for (int output = 0; output < blockWidth; output += slotWidth) {
                optimizer.skip(into, output, last, target, schedule, regularization.l2());
            }
        }
    }

    /** Brings the K parameters of the block at {@code offset} from update {@code from} up to the current version. */
    private void catchUp(double[] slots, int offset, long from, Optimizer optimizer, LearningRateSchedule schedule,
            Regularization regularization) {
        if (regularization.hasL1()) {
            // u after each skipped update s, rebuilt backwards from the current total: u_{s−1} = u_s − η_s·λ₁.
            int k = (int) (version - from);
            double[] penaltyTotal = new double[k];
            double u = l1Total;
            for (int j = k - 1; j >= 0; j--) {
                penaltyTotal[j] = u;
                u -= schedule.rate(from + 1 + j) * regularization.l1();
            }
            for (int output = offset; output < offset + blockWidth; output += slotWidth) {
                for (int j = 0; j < k; j++) {
                    long s = from + 1 + j;
                    optimizer.step(slots, output, regularization.l2() * slots[output], schedule.rate(s), s);
                    applyL1(slots, output, penaltyTotal[j]);
                }
            }
        } else {
            for (int output = offset; output < offset + blockWidth; output += slotWidth) {
                optimizer.skip(slots, output, from, version, schedule, regularization.l2());
            }
        }
    }

    /** Adds the sparse parameters {@code example} carries that the model does not have yet, at zero. */
    void addMissing(Example example) {
        coordinatesOf(example);
    }

    /** Where coordinate {@code i}'s block starts in {@link #slots}. */
    private int at(int i) {
        return i * (blockWidth + 1);
    }

    /** The update coordinate {@code i} is current to. */
    private long stepOf(int i) {
        // Raw bits both ways: a plain copy of the 64 bits, never arithmetic on them.
        return Double.doubleToRawLongBits(slots[at(i) + blockWidth]);
    }

    private void setStep(int i, long step) {
        slots[at(i) + blockWidth] = Double.longBitsToDouble(step);
    }

    /** The bias b (of the first output). */
    public double bias() {
        return biasSlots[0];
    }

    /** The bias b_k of output k. */
    public double bias(int k) {
        return biasSlots[k * slotWidth];
    }

    /** Number of updates applied so far. */
    public long version() {
        return version;
    }

    /** Exponentially weighted mean of the per-event loss, each taken before its update. */
    public double runningLoss() {
        return runningLoss;
    }

    /** u = Σ_t η_t·λ₁, the total L1 penalty a weight could have received so far (0 without L1). */
    public double l1Total() {
        return l1Total;
    }

    /** Restores {@link #l1Total()} from storage. */
    public void restoreL1Total(double total) {
        this.l1Total = total;
    }

    /** The prequential metrics (live, not a copy). */
    public PrequentialMetrics metrics() {
        return metrics;
    }

    /**
     * The score z = Σ_i w_i·x_i + Σ_n w_n·x_n + b of a single-output model (of the first output when there are
     * more; see {@link #scores(Example, double[])}): dense terms in index order, then named terms in name order, then
     * bucket terms in index order, then the bias. Sparse features the model does not know have weight 0.
     */
    public double score(Example example) {
        double sum = 0.0;
        int dense = Math.min(example.denseDimension(), Math.max(denseDimension(), 0));
        for (int i = 0; i < dense; i++) {
            sum += denseSlots[i * blockWidth] * example.dense(i);
        }
        for (int j = 0; j < example.nameCount(); j++) {
            Integer i = nameIndex.get(example.name(j));
            if (i != null) {
                sum += slots[at(i)] * example.nameValue(j);
            }
        }
        for (int j = 0; j < example.bucketCount(); j++) {
            int i = bucketIndex.get(example.bucket(j));
            if (i >= 0) {
                sum += slots[at(i)] * example.bucketValue(j);
            }
        }
        return sum + biasSlots[0];
    }

    /**
     * The score z the model would compute for {@code example} if it learned from it now, without changing the model:
     * as {@link #score(Example)}, every sparse weight the example carries brought from its last step up to the
     * current version first (what {@link #catchUpCoordinate} would make of it, computed on a copy). Same terms in the
     * same order as the score of a learning step, so the two are equal bit for bit. O(dense dimension + the example's
     * sparse features), plus the updates skipped where the catch-up is applied update by update.
     */
    public double currentScore(Example example, Optimizer optimizer, LearningRateSchedule schedule,
            Regularization regularization) {
        double[] caughtUp = new double[slotWidth];
        double sum = 0.0;
        int dense = Math.min(example.denseDimension(), Math.max(denseDimension(), 0));
        for (int i = 0; i < dense; i++) {
            sum += denseSlots[i * slotWidth] * example.dense(i);
        }
        for (int j = 0; j < example.nameCount(); j++) {
            Integer i = nameIndex.get(example.name(j));
            if (i != null) {
                caughtUpSlots(i, caughtUp, optimizer, schedule, regularization);
                sum += caughtUp[0] * example.nameValue(j);
            }
        }
        for (int j = 0; j < example.bucketCount(); j++) {
            int i = bucketIndex.get(example.bucket(j));
            if (i >= 0) {
                caughtUpSlots(i, caughtUp, optimizer, schedule, regularization);
                sum += caughtUp[0] * example.bucketValue(j);
            }
        }
        return sum + biasSlots[0];
    }

    /** As {@link #score(Example)}, for an example whose sparse features are at {@code coordinates}. */
    double score(Example example, int[] coordinates) {
        double sum = 0.0;
        int dense = Math.min(example.denseDimension(), Math.max(denseDimension(), 0));
        for (int i = 0; i < dense; i++) {
            sum += denseSlots[i * blockWidth] * example.dense(i);
        }
        for (int j = 0; j < coordinates.length; j++) {
            sum += slots[at(coordinates[j])] * sparseValue(example, j);
        }
        return sum + biasSlots[0];
    }

    /**
     * The K scores z_k = w_k·x + b_k into {@code into} (length ≥ K), each summed in the order of
     * {@link #score(Example)}: dense terms in index order, named terms in name order, bucket terms in index order, then
     * the bias. Sparse features the model does not know have weight 0.
     */
    public void scores(Example example, double[] into) {
        Arrays.fill(into, 0, outputs, 0.0);
        int dense = Math.min(example.denseDimension(), Math.max(denseDimension(), 0));
        for (int i = 0; i < dense; i++) {
            addTerms(denseSlots, i * blockWidth, example.dense(i), into);
        }
        for (int j = 0; j < example.nameCount(); j++) {
            Integer i = nameIndex.get(example.name(j));
            if (i != null) {
                addTerms(slots, at(i), example.nameValue(j), into);
            }
        }
        for (int j = 0; j < example.bucketCount(); j++) {
            int i = bucketIndex.get(example.bucket(j));
            if (i >= 0) {
                addTerms(slots, at(i), example.bucketValue(j), into);
            }
        }
        addTerms(biasSlots, 0, 1.0, into);
    }

    /** As {@link #scores(Example, double[])}, for an example whose sparse features are at {@code coordinates}. */
    void scores(Example example, int[] coordinates, double[] into) {
        Arrays.fill(into, 0, outputs, 0.0);
        int dense = Math.min(example.denseDimension(), Math.max(denseDimension(), 0));
        for (int i = 0; i < dense; i++) {
            addTerms(denseSlots, i * blockWidth, example.dense(i), into);
        }
        for (int j = 0; j < coordinates.length; j++) {
            addTerms(slots, at(coordinates[j]), sparseValue(example, j), into);
        }
        addTerms(biasSlots, 0, 1.0, into);
    }

    /** Adds w_k·x for the K weights of the block at {@code offset} to the K sums (x = 1: the biases themselves). */
    private void addTerms(double[] block, int offset, double x, double[] sums) {
        for (int k = 0, at = offset; k < outputs; k++, at += slotWidth) {
            sums[k] += block[at] * x;
        }
    }

    /**
     * Applies update number {@code t} = version + 1 to every parameter of a single-output model for an example whose
     * loss has derivative
     * {@code scoreGradient} = ∂L/∂z (already weighted and norm-clipped): weight j gets gradient
     * clip((∂L/∂z)·x_j) + λ₂·w_j, where x_j = 0 for a feature the example does not carry, and the bias gets
     * clip(∂L/∂z) (never regularised); then the L1 cumulative penalty, when on, is applied to the weights (see
     * {@link Regularization}). Every dense weight steps (x_i = 0 when the example has no dense vector); of the sparse
     * weights only the example's, at {@code coordinates}, which must have been caught up to the current version first.
     */
    void step(Example example, int[] coordinates, double scoreGradient, Optimizer optimizer, double learningRate,
            Regularization regularization) {
        long t = version + 1;
        if (regularization.hasL1()) {
            l1Total += learningRate * regularization.l1();
        }
        if (example.denseDimension() > 0 && denseSlots == null) {
            denseSlots = new double[example.denseDimension() * blockWidth];
        }
        if (denseSlots != null) {
            boolean present = example.denseDimension() > 0;
            for (int i = 0, d = denseDimension(); i < d; i++) {
                stepWeight(denseSlots, i * slotWidth, present ? scoreGradient * example.dense(i) : 0.0, optimizer,
                        learningRate, t, regularization);
            }
        }
        for (int j = 0; j < coordinates.length; j++) {
            int i = coordinates[j];
            stepWeight(slots, at(i), scoreGradient * sparseValue(example, j), optimizer, learningRate, t,
                    regularization);
            setStep(i, t);
        }
        optimizer.forBias().step(biasSlots, 0, clip(scoreGradient, regularization.clipValue()), learningRate, t);
    }

    /**
     * As {@link #step(Example, int[], double, Optimizer, double, Regularization)} for a model of K outputs, whose loss
     * has derivatives {@code scoreGradients}[k] = ∂L/∂z_k (already weighted and norm-clipped): weight (j, k) gets
     * clip((∂L/∂z_k)·x_j) + λ₂·w_jk and bias k gets clip(∂L/∂z_k), every output of every dense feature and of the
     * example's sparse features stepping with its own state.
     */
    void step(Example example, int[] coordinates, double[] scoreGradients, Optimizer optimizer, double learningRate,
            Regularization regularization) {
        long t = version + 1;
        if (regularization.hasL1()) {
            l1Total += learningRate * regularization.l1();
        }
        if (example.denseDimension() > 0 && denseSlots == null) {
            denseSlots = new double[example.denseDimension() * blockWidth];
        }
        if (denseSlots != null) {
            boolean present = example.denseDimension() > 0;
            for (int i = 0, d = denseDimension(); i < d; i++) {
                stepBlock(denseSlots, i * blockWidth, scoreGradients, present ? example.dense(i) : 0.0, optimizer,
                        learningRate, t, regularization);
            }
        }
        for (int j = 0; j < coordinates.length; j++) {
            int i = coordinates[j];
            stepBlock(slots, at(i), scoreGradients, sparseValue(example, j), optimizer, learningRate, t,
                    regularization);
            setStep(i, t);
        }
        Optimizer bias = optimizer.forBias();
        for (int k = 0; k < outputs; k++) {
            bias.step(biasSlots, k * slotWidth, clip(scoreGradients[k], regularization.clipValue()), learningRate, t);
        }
    }

    private void stepBlock(double[] slots, int offset, double[] scoreGradients, double x, Optimizer optimizer,
            double learningRate, long t, Regularization regularization) {
        for (int k = 0; k < outputs; k++) {
            stepWeight(slots, offset + k * slotWidth, scoreGradients[k] * x, optimizer, learningRate, t,
                    regularization);
        }
    }

    /** As {@link #step(Example, int[], double, Optimizer, double, Regularization)}, resolving the coordinates. */
    void step(Example example, double scoreGradient, Optimizer optimizer, double learningRate,
            Regularization regularization) {
        step(example, coordinatesOf(example), scoreGradient, optimizer, learningRate, regularization);
    }

    private void stepWeight(double[] slots, int offset, double lossGradient, Optimizer optimizer, double learningRate,
            long t, Regularization regularization) {
        double gradient = clip(lossGradient, regularization.clipValue()) + regularization.l2() * slots[offset];
        optimizer.step(slots, offset, gradient, learningRate, t);
        if (regularization.hasL1()) {
            applyL1(slots, offset, l1Total);
        }
    }

    /** The cumulative L1 penalty (see {@link Regularization}); q is the last value of the slot block. */
    private void applyL1(double[] slots, int offset, double penaltyTotal) {
        int applied = offset + slotWidth - 1;
        double w = slots[offset];
        double penalised = w > 0 ? Math.max(0.0, w - (penaltyTotal + slots[applied]))
                : w < 0 ? Math.min(0.0, w + (penaltyTotal - slots[applied])) : 0.0;
        slots[applied] += penalised - w;
        slots[offset] = penalised;
    }

    private static double clip(double gradient, double limit) {
        return limit > 0 ? Math.max(-limit, Math.min(limit, gradient)) : gradient;
    }

    /**
     * The first of the given parameters, or of the model's running statistics, that is not a finite number (NaN or
     * ±∞), described for a reason line, e.g. {@code weight 'x'}; empty when all are finite. Checked: every dense weight
     * and the bias with their optimizer state (an update steps them all), the sparse weights {@code named} with their
     * state (the ones an event carried, or all of them), then the running loss, the L1 total and the sums of the
     * prequential metrics. Costs O(dense dimension + |named|).
     */
    public Optional<String> firstNonFinite(Iterable<String> named) {
        Optional<String> fixed = firstNonFiniteDense();
        if (fixed.isPresent()) {
            return fixed;
        }
        for (String name : named) {
            int i = coordinateOf(name);
            String problem = i < 0 ? null : nonFinite(slots, at(i), "weight '" + name + "'");
            if (problem != null) {
                return Optional.of(problem);
            }
        }
        return firstNonFiniteStatistic();
    }

    /** As {@link #firstNonFinite(Iterable)}, for the sparse weights at {@code coordinates}. */
    Optional<String> firstNonFinite(int[] coordinates) {
        Optional<String> fixed = firstNonFiniteDense();
        if (fixed.isPresent()) {
            return fixed;
        }
        for (int i : coordinates) {
            if (!finite(slots, at(i))) {
                return Optional.of(nonFinite(slots, at(i), "weight '" + coordinateName(i) + "'"));
            }
        }
        return firstNonFiniteStatistic();
    }

    private Optional<String> firstNonFiniteDense() {
        if (denseSlots != null) {
            for (int offset = 0; offset < denseSlots.length; offset += blockWidth) {
                // The description is built only for the weight that fails: this check runs on every event.
                if (!finite(denseSlots, offset)) {
                    return Optional.of(nonFinite(denseSlots, offset, "dense weight " + offset / blockWidth));
                }
            }
        }
        return Optional.empty();
    }

    private Optional<String> firstNonFiniteStatistic() {
        String problem = nonFinite(biasSlots, 0, outputs == 1 ? "the bias" : "bias");
        if (problem != null) {
            return Optional.of(problem);
        }
        if (!Double.isFinite(runningLoss)) {
            return Optional.of("the running loss");
        }
        if (!Double.isFinite(l1Total)) {
            return Optional.of("the L1 total");
        }
        if (!Double.isFinite(metrics.lossSum()) || !Double.isFinite(metrics.windowSum())
                || !Double.isFinite(metrics.squaredErrorSum()) || !Double.isFinite(metrics.absoluteErrorSum())) {
            return Optional.of("the prequential metrics");
        }
        return Optional.empty();
    }

    /** Whether every value of the block at {@code offset} is finite. */
    private boolean finite(double[] slots, int offset) {
        for (int k = 0; k < blockWidth; k++) {
            if (!Double.isFinite(slots[offset + k])) {
                return false;
            }
        }
        return true;
    }

    /** What is not finite in the block at {@code offset}, e.g. {@code weight 'x' of class 2}, or null. */
    private String nonFinite(double[] slots, int offset, String parameter) {
        for (int output = 0; output < outputs; output++) {
            int at = offset + output * slotWidth;
            String which = outputs == 1 ? parameter : parameter + " of class " + output;
            if (!Double.isFinite(slots[at])) {
                return which;
            }
            for (int k = 1; k < slotWidth; k++) {
                if (!Double.isFinite(slots[at + k])) {
                    return "the optimizer state of " + which;
                }
            }
        }
        return null;
    }

    /** Counts one update and folds its loss into the running loss r ← (1 − α)·r + α·L (r = L after the first). */
    void recordUpdate(double loss, double smoothing) {
        version++;
        runningLoss = version == 1 ? loss : (1 - smoothing) * runningLoss + smoothing * loss;
    }

    /**
     * What an update of this model for {@code example} will change, saved so that {@link #rollBack} can undo it:
     * the dense and bias slots, the example's existing coordinates, the counters and the metrics. O(dense dimension +
     * the example's features); call before {@link OnlineLearner#learn}.
     */
    public Savepoint savepoint(Example example) {
        Savepoint savepoint = new Savepoint();
        save(example, savepoint);
        return savepoint;
    }

    /** As {@link #savepoint(Example)}, into {@code into} (reused from event to event: no allocation once grown). */
    public void save(Example example, Savepoint into) {
        int sparse = example.sparseCount();
        into.ensure(denseSlots == null ? 0 : denseSlots.length, sparse, blockWidth);
        int existing = 0;
        for (int j = 0; j < example.nameCount(); j++) {
            Integer i = nameIndex.get(example.name(j));
            if (i != null) {
                into.coordinates[existing++] = i;
            }
        }
        for (int j = 0; j < example.bucketCount(); j++) {
            int i = bucketIndex.get(example.bucket(j));
            if (i >= 0) {
                into.coordinates[existing++] = i;
            }
        }
        into.existing = existing;
        for (int j = 0; j < existing; j++) {
            System.arraycopy(slots, at(into.coordinates[j]), into.slots, j * blockWidth, blockWidth);
            into.lastSteps[j] = stepOf(into.coordinates[j]);
        }
        into.hadDense = denseSlots != null;
        if (denseSlots != null) {
            System.arraycopy(denseSlots, 0, into.dense, 0, denseSlots.length);
        }
        System.arraycopy(biasSlots, 0, into.bias, 0, blockWidth);
        into.version = version;
        into.runningLoss = runningLoss;
        into.l1Total = l1Total;
        into.metrics = metrics.savepoint();
        into.count = count;
    }

    /** Puts back what {@code savepoint} saved, removing the coordinates added since. */
    public void rollBack(Savepoint savepoint) {
        if (!savepoint.hadDense) {
            denseSlots = null;
        } else {
            System.arraycopy(savepoint.dense, 0, denseSlots, 0, denseSlots.length);
        }
        System.arraycopy(savepoint.bias, 0, biasSlots, 0, blockWidth);
        version = savepoint.version;
        runningLoss = savepoint.runningLoss;
        l1Total = savepoint.l1Total;
        metrics.rollBack(savepoint.metrics);
        truncateCoordinates(savepoint.count);
        for (int j = 0; j < savepoint.existing; j++) {
            System.arraycopy(savepoint.slots, j * blockWidth, slots, at(savepoint.coordinates[j]), blockWidth);
            setStep(savepoint.coordinates[j], savepoint.lastSteps[j]);
        }
    }

    /** The state of a model before an update; see {@link #savepoint}. Mutable, so that one can serve every event. */
    public static final class Savepoint {
        private double[] dense = new double[0];
        private boolean hadDense;
        private double[] bias = new double[0];
        private long version;
        private double runningLoss;
        private double l1Total;
        private PrequentialMetrics.Savepoint metrics;
        private int count;
        private int[] coordinates = new int[0];
        private int existing;
        private double[] slots = new double[0];
        private long[] lastSteps = new long[0];

        private void ensure(int denseLength, int sparse, int slotWidth) {
            if (dense.length < denseLength) {
                dense = new double[denseLength];
            }
            if (bias.length < slotWidth) {
                bias = new double[slotWidth];
            }
            if (coordinates.length < sparse) {
                coordinates = new int[sparse];
                lastSteps = new long[sparse];
            }
            if (slots.length < sparse * slotWidth) {
                slots = new double[sparse * slotWidth];
            }
        }
    }

    /**
     * An estimate of the heap this model occupies, in bytes: its arrays, index entries and names. For the memory
     * budget of the working models; not exact, but proportional to what the model holds.
     */
    public long estimatedBytes() {
        long bytes = 200 + 8L * blockWidth + metrics.estimatedBytes();
        if (denseSlots != null) {
            bytes += 16 + 8L * denseSlots.length;
        }
        // Arrays at their capacity: slots, last steps, buckets, names.
        bytes += (long) names.length * (8L * blockWidth + 8 + 4 + 4);
        bytes += bucketIndex.capacity() * 8L;
        bytes += nameIndex.size() * 80L;
        return bytes;
    }

    /**
     * An open-addressing map from bucket (≥ 0) to coordinate, with linear probing: no boxing and no entry objects, so
     * that a hashed feature costs an array probe. Key and value of a slot sit side by side ({@code entries[2s]},
     * {@code entries[2s + 1]}), so a probe touches one cache line, not one in each of two arrays. Removal shifts later
     * entries back, so no tombstones are needed.
     */
    private static final class BucketIndex {
        private static final int EMPTY = -1;
        /** Key at 2s, value at 2s + 1, for slot s; keys EMPTY when free. */
        private int[] entries = new int[0];
        private int size;

        int capacity() {
            return entries.length / 2;
        }

        /** Makes this index equal to {@code other}. */
        void copyFrom(BucketIndex other) {
            entries = other.entries.clone();
            size = other.size;
        }

        private static int slot(int key, int mask) {
            // Fibonacci hashing: the top bits of the product depend on every bit of the key (the low bits would
            // fold keys that differ only above the table's size onto neighbouring slots).
            return (int) ((key * 0x9E3779B97F4A7C15L) >>> (64 - Integer.bitCount(mask))) & mask;
        }

        int get(int key) {
            if (size == 0) {
                return -1;
            }
            int[] table = entries;
            int mask = (table.length >> 1) - 1;
            for (int at = slot(key, mask); ; at = (at + 1) & mask) {
                int stored = table[2 * at];
                if (stored == key) {
                    return table[2 * at + 1];
                }
                if (stored == EMPTY) {
                    return -1;
                }
            }
        }

        void put(int key, int value) {
            if ((size + 1) * 2 > capacity()) {
                grow();
            }
            int mask = capacity() - 1;
            int at = slot(key, mask);
            while (entries[2 * at] != EMPTY && entries[2 * at] != key) {
                at = (at + 1) & mask;
            }
            if (entries[2 * at] == EMPTY) {
                size++;
            }
            entries[2 * at] = key;
            entries[2 * at + 1] = value;
        }

        void remove(int key) {
            if (size == 0) {
                return;
            }
            int mask = capacity() - 1;
            int at = slot(key, mask);
            while (entries[2 * at] != key) {
                if (entries[2 * at] == EMPTY) {
                    return;
                }
                at = (at + 1) & mask;
            }
            entries[2 * at] = EMPTY;
            size--;
            // Shift back every later entry of the probe run that could sit at the freed place.
            for (int next = (at + 1) & mask; entries[2 * next] != EMPTY; next = (next + 1) & mask) {
                int home = slot(entries[2 * next], mask);
                boolean movable = at <= next ? home <= at || home > next : home <= at && home > next;
                if (movable) {
                    entries[2 * at] = entries[2 * next];
                    entries[2 * at + 1] = entries[2 * next + 1];
                    entries[2 * next] = EMPTY;
                    at = next;
                }
            }
        }

        private void grow() {
            int[] old = entries;
            int capacity = Math.max(16, capacity() * 2);
            entries = new int[2 * capacity];
            Arrays.fill(entries, EMPTY);
            size = 0;
            for (int s = 0; s < old.length; s += 2) {
                if (old[s] != EMPTY) {
                    put(old[s], old[s + 1]);
                }
            }
        }
    }
}
