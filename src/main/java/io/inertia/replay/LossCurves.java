package io.inertia.replay;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Learning curves: per series (a model, or a model in one run of a comparison), the rolling mean of the last
 * {@code window} prequential losses against the events that series has seen, drawn as a PNG line chart with
 * JFreeChart. Memory stays bounded whatever the length: a series keeps at most {@value #MAX_POINTS} points (when it
 * has more, every other point is dropped and the spacing doubles, the same for every run), and at most
 * {@value #MAX_SERIES} series are kept (the first ones seen), so a million models cannot fill the heap.
 */
public final class LossCurves {

    /** Points kept per series. */
    static final int MAX_POINTS = 2_000;
    /** Series kept. */
    static final int MAX_SERIES = 20;

    private final int window;
    private final Map<String, Curve> curves = new LinkedHashMap<>();
    private boolean truncated;

    /** Curves of the rolling mean over the last {@code window} losses (≥ 1). */
    public LossCurves(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
        this.window = window;
    }

    /** Records the prequential loss of the next event of {@code series}. */
    public void add(String series, double loss) {
        Curve curve = curve(series);
        if (curve != null) {
            curve.add(loss);
        }
    }

    /** Records an already averaged point: the rolling loss {@code loss} of {@code series} after {@code events}. */
    public void point(String series, long events, double loss) {
        Curve curve = curve(series);
        if (curve != null) {
            curve.keep(events, loss);
        }
    }

    /** The curve of {@code series}, new if need be; null once {@value #MAX_SERIES} others are kept. */
    private Curve curve(String series) {
        Curve curve = curves.get(series);
        if (curve == null) {
            if (curves.size() == MAX_SERIES) {
                truncated = true;
                return null;
            }
            curve = new Curve(window);
            curves.put(series, curve);
        }
        return curve;
    }

    /** The series, in the order first seen. */
    public List<String> series() {
        return List.copyOf(curves.keySet());
    }

    /** The points of {@code series}: pairs (events seen, rolling mean loss). */
    public List<double[]> points(String series) {
        Curve curve = curves.get(series);
        return curve == null ? List.of() : curve.points();
    }

    /** Writes the chart to {@code png}, {@code width} × {@code height} pixels. */
    public void write(Path png, String title, int width, int height) {
        // Drawn off screen: no display is needed, or wanted, on a server or in CI.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        XYSeriesCollection dataset = new XYSeriesCollection();
        for (Map.Entry<String, Curve> entry : curves.entrySet()) {
            XYSeries series = new XYSeries(entry.getKey(), false, true);
            for (double[] point : entry.getValue().points()) {
                series.add(point[0], point[1]);
            }
            dataset.addSeries(series);
        }
        String yLabel = "rolling mean prequential loss (last " + window + " events)";
        JFreeChart chart = ChartFactory.createXYLineChart(truncated ? title + " (first " + MAX_SERIES + " series)"
                : title, "events seen (per model)", yLabel, dataset, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        // Losses fall by orders of magnitude while a model learns: a log axis shows where runs differ.
        if (allPositive(dataset)) {
            LogAxis axis = new LogAxis(yLabel);
            axis.setSmallestValue(1e-12);
            // One tick per decade, labelled 0.001, 0.01, … rather than 10^-3.
            axis.setTickUnit(new NumberTickUnit(1.0));
            axis.setNumberFormatOverride(new DecimalFormat("0.##########", DecimalFormatSymbols.getInstance(
                    java.util.Locale.ROOT)));
            plot.setRangeAxis(axis);
        }
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        for (int i = 0; i < dataset.getSeriesCount(); i++) {
            plot.getRenderer().setSeriesStroke(i, new BasicStroke(1.5f));
        }
        try {
            ChartUtils.saveChartAsPNG(png.toFile(), chart, width, height);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
        }
    }

    private static boolean allPositive(XYSeriesCollection dataset) {
        boolean any = false;
        for (int s = 0; s < dataset.getSeriesCount(); s++) {
            for (int i = 0; i < dataset.getItemCount(s); i++) {
                if (!(dataset.getYValue(s, i) > 0)) {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }

    /** One series: its window of recent losses and its kept points. */
    private static final class Curve {
        private final double[] recent;
        private int filled;
        private int next;
        private double sum;
        private long events;
        /** A point every {@code spacing} events. */
        private long spacing = 1;
        private final List<double[]> points = new ArrayList<>();

        Curve(int window) {
            recent = new double[window];
        }

        void add(double loss) {
            if (filled == recent.length) {
                sum -= recent[next];
            } else {
                filled++;
            }
            recent[next] = loss;
            sum += loss;
            next = (next + 1) % recent.length;
            events++;
            if (events % spacing == 0) {
                keep(events, sum / filled);
            }
        }

        void keep(long at, double value) {
            points.add(new double[] {at, value});
            if (points.size() > MAX_POINTS) {
                // Keep every other point and double the spacing: deterministic, and the curve's shape stays.
                List<double[]> thinned = new ArrayList<>();
                for (int i = 1; i < points.size(); i += 2) {
                    thinned.add(points.get(i));
                }
                points.clear();
                points.addAll(thinned);
                spacing *= 2;
            }
        }

        List<double[]> points() {
            return List.copyOf(points);
        }
    }
}
