package io.inertia.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded regression data with known true weights, one linear function per model key: y = w_k·x + b_k + ε with
 * x_j ~ N(0, 1) and ε ~ N(0, σ²). Rows cycle through the keys, so each key gets {@code events / keys} rows (the first
 * {@code events mod keys} keys one more). The same seed always gives the same bytes.
 */
public final class SyntheticData {

    /**
     * A generated data set's parameters.
     *
     * @param events total rows
     * @param keys number of models, named model-1 … model-K
     * @param features features per row, named x1 … xD
     * @param noise standard deviation σ of the label noise
     * @param seed the random seed
     */
    public record Spec(long events, int keys, int features, double noise, long seed) {
    }

    private SyntheticData() {
    }

    /** Writes the rows to {@code csv} (columns model, x1 … xD, y) and the true weights to {@code truth} as JSON. */
    public static void write(Spec spec, Path csv, Path truth) {
        Random random = new Random(spec.seed());
        List<String> keys = new ArrayList<>();
        double[][] weights = new double[spec.keys()][spec.features()];
        double[] biases = new double[spec.keys()];
        for (int k = 0; k < spec.keys(); k++) {
            keys.add("model-" + (k + 1));
            for (int j = 0; j < spec.features(); j++) {
                // Two decimals, so that a table of true weights reads at a glance.
                weights[k][j] = Math.round((random.nextDouble() * 6 - 3) * 100) / 100.0;
            }
            biases[k] = Math.round((random.nextDouble() * 2 - 1) * 100) / 100.0;
        }
        try (BufferedWriter out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            StringBuilder header = new StringBuilder("model");
            for (int j = 1; j <= spec.features(); j++) {
                header.append(",x").append(j);
            }
            out.write(header.append(",y").toString());
            out.newLine();
            double[] x = new double[spec.features()];
            StringBuilder row = new StringBuilder();
            for (long i = 0; i < spec.events(); i++) {
                int k = (int) (i % spec.keys());
                double y = biases[k];
                row.setLength(0);
                row.append(keys.get(k));
                for (int j = 0; j < x.length; j++) {
                    x[j] = random.nextGaussian();
                    y += weights[k][j] * x[j];
                    row.append(',').append(x[j]);
                }
                y += spec.noise() * random.nextGaussian();
                out.write(row.append(',').append(y).toString());
                out.newLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + csv, e);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("seed", spec.seed());
        root.put("noise", spec.noise());
        ObjectNode models = root.putObject("models");
        for (int k = 0; k < spec.keys(); k++) {
            ObjectNode model = models.putObject(keys.get(k));
            ObjectNode w = model.putObject("weights");
            for (int j = 0; j < spec.features(); j++) {
                w.put("x" + (j + 1), weights[k][j]);
            }
            model.put("bias", biases[k]);
            model.put("events", spec.events() / spec.keys() + (k < spec.events() % spec.keys() ? 1 : 0));
        }
        try {
            json.writerWithDefaultPrettyPrinter().writeValue(truth.toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + truth, e);
        }
    }
}
