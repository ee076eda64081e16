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
                    new Prediction(key, eventId, prediction, score, label, loss, version));

            assertArrayEquals(expected, encoder.encode(key, eventId, prediction, score, label, loss, version),
                    "prediction " + n);
        }
    }
}
