package io.inertia.it;

import io.inertia.avro.LabeledEvent;
import io.inertia.serde.InertiaSerdes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.commons.codec.digest.MurmurHash3;

/**
 * Seeded events of one model over an open vocabulary of millions of names, as they are sent (key, serialized value,
 * explicit record timestamp), for tests of models with millions of hashed weights.
 *
 * <p>Event i carries {@code featuresPerEvent} distinct names {@code v<n>}, n drawn uniformly from
 * [0, {@code vocabulary}), each with a value uniform in [−1, 1); its label is y = 0.5 + Σ w(n)·x_n + N(0, 0.1²), with a
 * true weight w(n) in [−1, 1) that depends only on n and the seed. Names, values, noise: all from the seed.
 *
 * <p>The generator also counts, independently of Inertia's own hasher, how many hash buckets the events touch: it
 * hashes every name with Apache Commons Codec's MurmurHash3 x86_32 (seed 0, the bucket being the low bits), which is
 * the hash Inertia documents, so that a test knows the number of named weights the learned model must hold without
 * asking the code under test.
 */
final class LargeVocabularyEvents {

    /**
     * The events and the buckets they touch.
     *
     * @param events the records of the input topic, in order
     * @param touchedBuckets bucket i is set when some event carries a name that hashes into bucket i
     */
    record Generated(List<TrainingEvents.Event> events, BitSet touchedBuckets) {
    }

    private LargeVocabularyEvents() {
    }

    /**
     * {@code events} events of model {@code modelKey} (see the class comment), event i with record timestamp
     * {@code firstTimestamp + i}; buckets counted for 2^{@code hashBits} buckets.
     */
    static Generated generate(long seed, String modelKey, int events, int featuresPerEvent, int vocabulary,
            int hashBits, long firstTimestamp, String topic) {
        SplittableRandom random = new SplittableRandom(seed);
        int mask = (1 << hashBits) - 1;
        BitSet touched = new BitSet(1 << hashBits);
        var serde = InertiaSerdes.labeledEvent();
        List<TrainingEvents.Event> generated = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            Map<String, Double> features = new TreeMap<>();
            double label = 0.5 + 0.1 * gaussian(random);
            while (features.size() < featuresPerEvent) {
                int n = random.nextInt(vocabulary);
                String name = "v" + n;
                if (features.containsKey(name)) {
                    continue;
                }
                double x = 2 * random.nextDouble() - 1;
                features.put(name, x);
                label += trueWeight(seed, n) * x;
                byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
                touched.set(MurmurHash3.hash32x86(utf8, 0, utf8.length, 0) & mask);
            }
            LabeledEvent event = LabeledEvent.newBuilder().setModelKey(modelKey).setNamedFeatures(features)
                    .setLabel(label).setEventId("e" + i).build();
            generated.add(new TrainingEvents.Event(modelKey, serde.serialize(topic, event), firstTimestamp + i));
        }
        return new Generated(generated, touched);
    }

    /** w(n) in [−1, 1): a function of the name's index and the seed only (SplitMix64's finalizer). */
    private static double trueWeight(long seed, int n) {
        long z = seed + 0x9E3779B97F4A7C15L * (n + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-52 - 1;
    }

    /** A standard normal draw (Box–Muller), so that the stream depends only on SplittableRandom's documented output. */
    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
