package io.inertia.replay;

import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.io.InputFileException;
import io.inertia.topology.SnapshotAssembler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares the final models of two or more replays (their snapshot files, JSON Lines or Avro, as {@code inertia
 * replay} writes them; the last snapshot of a model is its final state, its weights brought up to date from the file's
 * records): per model and run, the events learned, the mean and windowed prequential loss and the other metrics, the
 * change of the mean loss against the first run (the base), and the largest absolute difference of any weight or the
 * bias from the base's.
 *
 * <p>The mean prequential loss is the mean of the losses each event had before the model learned from it, over every
 * event of the run: the test-then-train error, the usual yardstick of an online learner. For the logistic and softmax
 * losses it is the log loss. Each model's runs are ranked by it, 1 the lowest.
 */
public final class Comparison {

    /**
     * One model's final state in one run.
     *
     * @param run the run's name (its file name)
     * @param model the model key
     * @param version updates applied
     * @param meanLoss mean prequential loss over every event
     * @param windowMeanLoss mean prequential loss over the last window of events
     * @param windowSize the window W
     * @param metrics the other metrics present (rmse, mae, accuracy, logLoss, macroF1, windowAccuracy,
     *     windowMacroF1), by name
     * @param parameters every parameter: named weights by name, then the dense weights and the bias under keys that
     *     start with a NUL character, which no feature name from a replay does; a K-class model's under its class
     *     index, a NUL and that key
     */
    public record Entry(String run, String model, long version, double meanLoss, double windowMeanLoss,
            int windowSize, Map<String, Double> metrics, Map<String, Double> parameters) {
    }

    /**
     * One model of one run against the base's same model.
     *
     * @param entry the model in this run, or null when this run has no such model
     * @param meanLossChangePercent 100·(meanLoss − base meanLoss)/base meanLoss; NaN for the base or a missing model
     * @param largestWeightDifference max |w − w_base| over every weight and the bias (absent ones count as 0); NaN
     *     for the base or a missing model
     */
    public record Row(String run, String model, Entry entry, double meanLossChangePercent,
            double largestWeightDifference, int rank) {
    }

    private final List<String> runs;
    private final List<Row> rows;

    private Comparison(List<String> runs, List<Row> rows) {
        this.runs = runs;
        this.rows = rows;
    }

    /** The comparison of the runs in {@code files}, the first being the base. */
    public static Comparison of(List<Path> files) {
        if (files.size() < 2) {
            throw new IllegalArgumentException("compare needs at least two runs, got " + files.size());
        }
        List<String> runs = new ArrayList<>();
        List<Map<String, Entry>> finals = new ArrayList<>();
        for (Path file : files) {
            String run = file.getFileName().toString();
            runs.add(run);
            finals.add(finalModels(file, run));
        }
        Set<String> models = new TreeSet<>();
        finals.forEach(entries -> models.addAll(entries.keySet()));
        List<Row> rows = new ArrayList<>();
        for (String model : models) {
            Entry base = finals.get(0).get(model);
            for (int r = 0; r < runs.size(); r++) {
                Entry entry = finals.get(r).get(model);
                boolean comparable = r > 0 && base != null && entry != null;
                rows.add(new Row(runs.get(r), model, entry,
                        comparable ? 100 * (entry.meanLoss() - base.meanLoss()) / base.meanLoss() : Double.NaN,
                        comparable ? largestDifference(base.parameters(), entry.parameters()) : Double.NaN,
                        entry == null ? 0 : rank(entry, finals, model)));
            }
        }
        return new Comparison(List.copyOf(runs), List.copyOf(rows));
    }

    /**
     * Draws, for every model and run in {@code files}, the windowed mean prequential loss of each snapshot against
     * its version (the events that model had seen), one line per run (per model and run when there are several
     * models), to {@code png}.
     */
    public static void plot(List<Path> files, Path png) {
        Set<String> models = new TreeSet<>();
        List<List<Entry>> all = new ArrayList<>();
        for (Path file : files) {
            List<Entry> entries = entries(file, file.getFileName().toString());
            entries.forEach(entry -> models.add(entry.model()));
            all.add(entries);
        }
        int window = all.stream().flatMap(List::stream).mapToInt(Entry::windowSize).findFirst().orElse(1);
        LossCurves curves = new LossCurves(Math.max(1, window));
        for (List<Entry> entries : all) {
            for (Entry entry : entries) {
                String name = models.size() == 1 ? entry.run() : entry.model() + " · " + entry.run();
                curves.point(name, entry.version(), entry.windowMeanLoss());
            }
        }
        curves.write(png, "Prequential loss: " + String.join(" vs ", files.stream()
                .map(file -> file.getFileName().toString()).toList()), 1000, 600);
    }

    /** The runs, the base first. */
    public List<String> runs() {
        return runs;
    }

    /** One row per model and run, models in key order, runs in the order given. */
    public List<Row> rows() {
        return rows;
    }

    /**
     * Why a candidate is worse than the base by more than {@code percent} percent of mean prequential loss, one line
     * per model and candidate; empty when none is. A model the base has and a candidate lacks is a failure too.
     */
    public List<String> worseThan(double percent) {
        List<String> failures = new ArrayList<>();
        Map<String, Entry> base = new LinkedHashMap<>();
        for (Row row : rows) {
            if (row.run().equals(runs.get(0)) && row.entry() != null) {
                base.put(row.model(), row.entry());
            }
        }
        for (Row row : rows) {
            if (row.run().equals(runs.get(0)) || !base.containsKey(row.model())) {
                continue;
            }
            Entry reference = base.get(row.model());
            if (row.entry() == null) {
                failures.add(String.format(java.util.Locale.ROOT, "model '%s': %s has no final state (the base %s"
                        + " has one)", row.model(), row.run(), runs.get(0)));
            } else if (row.entry().meanLoss() > reference.meanLoss() * (1 + percent / 100)) {
                failures.add(String.format(java.util.Locale.ROOT, "model '%s': %s mean prequential loss %.6g is "
                        + "%.2f%% worse than %s's %.6g (limit %s%%)", row.model(), row.run(), row.entry().meanLoss(),
                        row.meanLossChangePercent(), runs.get(0), reference.meanLoss(), format(percent)));
            }
        }
        return failures;
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    /** 1 + the runs of {@code model} whose mean prequential loss is lower than {@code entry}'s (ties share a rank). */
    private static int rank(Entry entry, List<Map<String, Entry>> finals, String model) {
        int lower = 0;
        for (Map<String, Entry> run : finals) {
            Entry other = run.get(model);
            if (other != null && other.meanLoss() < entry.meanLoss()) {
                lower++;
            }
        }
        return 1 + lower;
    }

    private static double largestDifference(Map<String, Double> base, Map<String, Double> other) {
        Set<String> names = new TreeSet<>(base.keySet());
        names.addAll(other.keySet());
        double largest = 0;
        for (String name : names) {
            largest = Math.max(largest, Math.abs(other.getOrDefault(name, 0.0) - base.getOrDefault(name, 0.0)));
        }
        return largest;
    }

    /** The last line (or record) of each model in {@code file}: its final state. */
    private static Map<String, Entry> finalModels(Path file, String run) {
        Map<String, Entry> finals = new TreeMap<>();
        for (Entry entry : entries(file, run)) {
            finals.put(entry.model(), entry);
        }
        if (finals.isEmpty()) {
            throw new InputFileException(file.toString(), "holds no snapshot");
        }
        return finals;
    }

    /**
     * Every snapshot of {@code file} in order, as {@code inertia replay} writes them (JSON Lines, of this or an older
     * release, or Avro): its metrics, and for each model's last one its parameters, every weight brought up to date
     * from the records the file holds (see {@link SnapshotFile#read}).
     */
    private static List<Entry> entries(Path file, String run) {
        List<Entry> entries = new ArrayList<>();
        SnapshotAssembler assembler = new SnapshotAssembler();
        Map<String, Integer> last = new TreeMap<>();
        SnapshotFile.read(file, false, next -> {
            if (next instanceof ModelSnapshotPart part) {
                assembler.takePart(part);
                return;
            }
            ModelSnapshot header = (ModelSnapshot) next;
            assembler.takeHeader(header);
            last.put(header.getModelKey(), entries.size());
            // Metrics only: the weights of every line but each model's last are not compared.
            entries.add(entry(header, run, false));
        });
        SortedMap<String, ModelSnapshot> finals = assembler.latest();
        if (!assembler.incomplete().isEmpty()) {
            throw new InputFileException(file.toString(), assembler.incomplete().get(0));
        }
        finals.forEach((key, whole) -> entries.set(last.get(key), entry(whole, run, true)));
        return entries;
    }

    /** {@code snapshot}'s entry; its parameters (a whole snapshot's) only when {@code withParameters}. */
    private static Entry entry(ModelSnapshot snapshot, String run, boolean withParameters) {
        io.inertia.avro.PrequentialMetrics metrics = snapshot.getMetrics();
        Map<String, Double> others = new TreeMap<>();
        putIfPresent(others, "rmse", metrics.getRmse());
        putIfPresent(others, "mae", metrics.getMae());
        putIfPresent(others, "accuracy", metrics.getAccuracy());
        putIfPresent(others, "logLoss", metrics.getLogLoss());
        putIfPresent(others, "macroF1", metrics.getMacroF1());
        putIfPresent(others, "windowAccuracy", metrics.getWindowAccuracy());
        putIfPresent(others, "windowMacroF1", metrics.getWindowMacroF1());
        Map<String, Double> parameters = new TreeMap<>();
        if (withParameters && snapshot.getClassWeights() != null) {
            // Class k's weights under "k", a NUL and the key a single-output model's would have.
            io.inertia.avro.ClassWeights classes = snapshot.getClassWeights();
            int outputs = classes.getBiases().size();
            List<Double> dense = snapshot.getDenseWeights();
            for (int k = 0; k < outputs; k++) {
                String prefix = k + "\u0000";
                for (Map.Entry<String, List<Double>> weight : classes.getNamedWeights().entrySet()) {
                    parameters.put(prefix + weight.getKey(), weight.getValue().get(k));
                }
                for (int i = 0; dense != null && i * outputs + k < dense.size(); i++) {
                    parameters.put(prefix + "\u0000dense " + i, dense.get(i * outputs + k));
                }
                parameters.put(prefix + "\u0000bias", classes.getBiases().get(k));
            }
        } else if (withParameters) {
            parameters.putAll(snapshot.getNamedWeights());
            List<Double> dense = snapshot.getDenseWeights();
            for (int i = 0; dense != null && i < dense.size(); i++) {
                parameters.put("\u0000dense " + i, dense.get(i));
            }
            parameters.put("\u0000bias", snapshot.getBias());
        }
        return new Entry(run, snapshot.getModelKey(), snapshot.getVersion(), metrics.getMeanLoss(),
                metrics.getWindowMeanLoss(), metrics.getWindowSize(), others, parameters);
    }

    private static void putIfPresent(Map<String, Double> into, String name, Double value) {
        if (value != null) {
            into.put(name, value);
        }
    }
}
