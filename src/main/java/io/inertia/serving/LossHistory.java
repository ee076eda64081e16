package io.inertia.serving;

import io.inertia.topology.LearningObserver;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each model's running loss against its version, for the dashboard's chart: at most {@value #POINTS} points per
 * model, for the first {@code maxModels} models this process learns. A model keeps every {@code stride}-th version;
 * when its points are full, every second one is dropped and the stride doubles, so the series always spans the
 * model's whole history at an even spacing, in bounded memory. Called on the stream threads; display only.
 */
public final class LossHistory implements LearningObserver {

    /** Points kept per model. */
    static final int POINTS = 512;

    private final int maxModels;
    private final Map<String, Series> series = new ConcurrentHashMap<>();

    /** A history of at most {@code maxModels} models. */
    public LossHistory(int maxModels) {
        this.maxModels = maxModels;
    }

    @Override
    public void learned(String modelKey, long version, double loss, double runningLoss) {
        Series points = series.get(modelKey);
        if (points == null) {
            if (series.size() >= maxModels) {
                return;
            }
            points = series.computeIfAbsent(modelKey, key -> new Series());
        }
        points.add(version, runningLoss);
    }

    @Override
    public void rejected(String reason) {
    }

    /** The points of {@code modelKey} as {@code [versions, losses]}, or null when it has none here. */
    double[][] points(String modelKey) {
        Series points = series.get(modelKey);
        return points == null ? null : points.copy();
    }

    /** One model's points; its own lock, taken by one stream thread and the readers. */
    private static final class Series {
        private final double[] versions = new double[POINTS];
        private final double[] losses = new double[POINTS];
        private int size;
        private long stride = 1;

        synchronized void add(long version, double loss) {
            if (version % stride != 0) {
                return;
            }
            if (size == POINTS) {
                for (int i = 0; i < POINTS / 2; i++) {
                    versions[i] = versions[2 * i + 1];
                    losses[i] = losses[2 * i + 1];
                }
                size = POINTS / 2;
                stride *= 2;
                if (version % stride != 0) {
                    return;
                }
            }
            versions[size] = version;
            losses[size] = loss;
            size++;
        }

        synchronized double[][] copy() {
            return new double[][] {Arrays.copyOf(versions, size), Arrays.copyOf(losses, size)};
        }
    }
}
