package io.inertia.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.inertia.avro.Prediction;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hot path's writer of predictions writes exactly the bytes of the Avro serde (the reference). */
class PredictionEncoderTest {

    private final SingleObjectAvroSerde<Prediction> serde = InertiaSerdes.prediction();
    private final PredictionEncoder encoder = new PredictionEncoder();

    @Test
    void shouldWriteTheSerdesBytesForEveryKindOfField() {
        SplittableRandom random = new SplittableRandom(11);
        double[] special = {0.0, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, 1e-300};
        long[] versions = {0, 1, 63, 64, -1, 8191, 8192, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 35};
        for (int n = 0; n < 2_000; n++) {
            String key = n % 3 == 0 ? "modèle-€-" + n : "m" + random.nextInt(1_000_000);
            if (n % 50 == 0) {
                key = "k".repeat(1000 + n);
            }
            String eventId = n % 4 == 0 ? null : n % 4 == 1 ? "" : "event-" + random.nextLong() + "-π";
            double prediction = n < special.length ? special[n] : random.nextGaussian() * 1e6;
            double score = random.nextDouble(-1, 1);
            double label = n % 2 == 0 ? 1.0 : random.nextGaussian();
            double loss = random.nextDouble();
            long version = n < versions.length ? versions[n] : random.nextLong(0, 1L << 40);

            byte[] expected = serde.serialize("predictions",
                    new Prediction(key, eventId, prediction, score, label, loss, version, null, null));

            assertArrayEquals(expected, encoder.encode(key, eventId, prediction, score, label, loss, version),
                    "prediction " + n);
        }
    }

    @Test
    void shouldWriteTheSerdesBytesForClassProbabilities() {
        SplittableRandom random = new SplittableRandom(19);
        // K up to 200: the array's block count needs two varint bytes from 64 on.
        for (int n = 0; n < 500; n++) {
            int classes = n < 5 ? new int[] {2, 3, 63, 64, 200}[n] : random.nextInt(2, 100);
            double[] probabilities = new double[classes];
            java.util.List<Double> boxed = new java.util.ArrayList<>();
            for (int k = 0; k < classes; k++) {
                probabilities[k] = k == 0 && n == 1 ? -0.0 : random.nextDouble();
                boxed.add(probabilities[k]);
            }
            int predicted = n < 3 ? new int[] {0, 63, 64}[n] % classes : random.nextInt(classes);
            String eventId = n % 2 == 0 ? null : "e" + n;
            long version = random.nextLong(0, 1L << 40);
            double label = random.nextInt(classes);

            byte[] expected = serde.serialize("predictions", new Prediction("m" + n, eventId, (double) predicted,
                    probabilities[predicted], label, 0.25, version, boxed, predicted));

            assertArrayEquals(expected, encoder.encode("m" + n, eventId, predicted, probabilities[predicted], label,
                    0.25, version, probabilities, predicted), "prediction " + n);
        }
    }
}
