package io.inertia.it;

import io.inertia.avro.LabeledEvent;
import io.inertia.serde.InertiaSerdes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Seeded labeled events for several models, exactly as they are sent: key, serialized value and an explicit record
 * timestamp. The same list fed to a broker or to a TopologyTestDriver must give the same models, so nothing about an
 * event is left to the producer (not even its timestamp).
 */
final class TrainingEvents {

    /** Named features each model knows; an event carries a random subset of them, so most weights update lazily. */
    private static final int FEATURES = 8;

    /**
     * One record of the input topic.
     *
     * @param key the model key (the record key)
     * @param value the Avro single-object encoded {@link LabeledEvent}
     * @param timestamp the record timestamp, ms
     */
    record Event(String key, byte[] value, long timestamp) {
    }

    private TrainingEvents() {
    }

    /**
     * {@code perModel} events for each of {@code models}, in a seeded shuffled order, event i with record timestamp
     * {@code firstTimestamp + i}: y = w·x + b + N(0, 0.1²) over a random subset of the named features f0…f7, with a
     * sample weight in [0.5, 1.5). True weights, subsets, values, noise and order all come from {@code seed}.
     */
    static List<Event> generate(long seed, List<String> models, int perModel, long firstTimestamp, String topic) {
        Random random = new Random(seed);
        Map<String, double[]> truth = new TreeMap<>();
        for (String model : models) {
            double[] weights = new double[FEATURES + 1];
            for (int j = 0; j < weights.length; j++) {
                weights[j] = Math.round(random.nextGaussian() * 20) / 10.0;
            }
            truth.put(model, weights);
        }
        List<String> order = new ArrayList<>();
        for (String model : models) {
            order.addAll(Collections.nCopies(perModel, model));
        }
        Collections.shuffle(order, random);
        var serde = InertiaSerdes.labeledEvent();
        List<Event> events = new ArrayList<>(order.size());
        for (int i = 0; i < order.size(); i++) {
            String model = order.get(i);
            double[] weights = truth.get(model);
            Map<String, Double> features = new TreeMap<>();
            double label = weights[FEATURES] + 0.1 * random.nextGaussian();
            for (int j = 0; j < FEATURES; j++) {
                if (random.nextBoolean() || (j == FEATURES - 1 && features.isEmpty())) {
                    double x = random.nextGaussian();
                    features.put("f" + j, x);
                    label += weights[j] * x;
                }
            }
            LabeledEvent event = LabeledEvent.newBuilder().setModelKey(model).setNamedFeatures(features)
                    .setLabel(label).setWeight(0.5 + random.nextDouble()).setEventId("e" + i).build();
            events.add(new Event(model, serde.serialize(topic, event), firstTimestamp + i));
        }
        return events;
    }
}
