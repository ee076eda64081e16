package io.inertia.runtime;

import io.inertia.topology.LearningObserver;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts what the learner does and renders it as one log line: events learned, the rate since the previous line,
 * rejected events, the outcome joiner's decisions (with {@code inertia.outcome.join=true}) and each model's version and
 * running loss. Reporting only; nothing here reaches a model.
 */
public final class ProgressReport implements LearningObserver {

    private static final int MODELS_SHOWN = 10;

    private final LongAdder learned = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final Map<String, double[]> models = new ConcurrentHashMap<>();
    /** The outcome joiner's decisions per model and kind, since this process started. */
    private final Map<String, Map<String, LongAdder>> decisions = new ConcurrentHashMap<>();
    private long previousCount;
    private long previousNanos = -1;

    @Override
    public void learned(String modelKey, long version, double loss, double runningLoss) {
        learned.increment();
        // One small array per model, overwritten in place: the line tolerates a version and loss a moment apart.
        double[] latest = models.get(modelKey);
        if (latest == null) {
            models.put(modelKey, new double[] {version, runningLoss});
        } else {
            latest[0] = version;
            latest[1] = runningLoss;
        }
    }

    @Override
    public void rejected(String reason) {
        rejected.increment();
    }

    @Override
    public void decided(String modelKey, String decision) {
        decisions.computeIfAbsent(modelKey, key -> new ConcurrentHashMap<>())
                .computeIfAbsent(decision, kind -> new LongAdder()).increment();
    }

    /** How many decisions {@code decision} (e.g. JOINED) the learner applied for model {@code modelKey} so far. */
    public long decisionCount(String modelKey, String decision) {
        Map<String, LongAdder> counts = decisions.get(modelKey);
        LongAdder count = counts == null ? null : counts.get(decision);
        return count == null ? 0 : count.sum();
    }

    /** Events learned so far. */
    public long learnedCount() {
        return learned.sum();
    }

    /** Events rejected so far. */
    public long rejectedCount() {
        return rejected.sum();
    }

    /** The progress line at time {@code nanos} (a monotonic clock), with the rate since the previous call. */
    public synchronized String line(long nanos) {
        long count = learned.sum();
        double rate = previousNanos < 0 || nanos == previousNanos
                ? 0.0 : (count - previousCount) * 1e9 / (nanos - previousNanos);
        previousCount = count;
        previousNanos = nanos;
        StringBuilder line = new StringBuilder()
                .append("learned ").append(count).append(" events (")
                .append(String.format(java.util.Locale.ROOT, "%.0f", rate)).append(" events/s), ")
                .append(rejected.sum()).append(" rejected; ");
        if (!decisions.isEmpty()) {
            Map<String, Long> totals = new TreeMap<>();
            for (Map<String, LongAdder> counts : decisions.values()) {
                counts.forEach((kind, decided) -> totals.merge(kind, decided.sum(), Long::sum));
            }
            line.append("outcome joiner:");
            totals.forEach((kind, total) -> line.append(' ').append(kind.toLowerCase(java.util.Locale.ROOT))
                    .append(' ').append(total));
            line.append("; ");
        }
        Map<String, double[]> sorted = new TreeMap<>(models);
        line.append(sorted.size()).append(sorted.size() == 1 ? " model" : " models");
        int shown = 0;
        for (Map.Entry<String, double[]> model : sorted.entrySet()) {
            if (shown++ == MODELS_SHOWN) {
                line.append(" …");
                break;
            }
            line.append(String.format(java.util.Locale.ROOT, " | %s v%d loss %.5g", model.getKey(),
                    (long) model.getValue()[0], model.getValue()[1]));
        }
        return line.toString();
    }
}
