package io.inertia.model;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The hashing trick for open vocabularies: maps any number of named features onto 2^b buckets, so that a model's size
 * is bounded by 2^b whatever names its events carry (Weinberger, Dasgupta, Langford, Smola and Attenberg, "Feature
 * hashing for large scale multitask learning", ICML 2009).
 *
 * <p>For a feature named n with value x:
 * <ul>
 *   <li>h = MurmurHash3_x86_32 of the UTF-8 bytes of n with seed 0 (Austin Appleby's public-domain algorithm), as a
 *       32-bit word;</li>
 *   <li>bucket i = h &amp; (2^b − 1), the low b bits of h, so 0 ≤ i &lt; 2^b;</li>
 *   <li>sign s = +1 when bit 31 (the top bit) of h is 0, −1 when it is 1;</li>
 *   <li>the hashed feature is named {@code "#" + i}, i in decimal without padding (e.g. {@code "#7"}), with value
 *       s·x.</li>
 * </ul>
 * Features that fall into the same bucket are summed: φ_i(x) = Σ_{n : bucket(n) = i} s(n)·x_n. The random sign makes
 * collisions cancel in expectation, so that inner products of hashed vectors are unbiased estimates of the original
 * ones (Weinberger et al. 2009, Lemma 2). Since b ≤ 30, the sign bit is never one of the bucket bits.
 *
 * <p>The sums are evaluated in ascending order of the original names, so the result does not depend on the iteration
 * order of the map given: floating-point addition is not associative.
 *
 * <p>Immutable and thread-safe.
 */
public final class FeatureHasher {

    /** Smallest number of bucket bits b. */
    public static final int MIN_BITS = 1;
    /** Largest number of bucket bits b: 2^30 buckets, and the sign bit (31) stays apart from the bucket bits. */
    public static final int MAX_BITS = 30;
    /** Prefix of the name of every hashed feature. */
    public static final String BUCKET_PREFIX = "#";

    private static final int SEED = 0;

    private final int bits;
    private final int mask;

    private FeatureHasher(int bits) {
        this.bits = bits;
        this.mask = (1 << bits) - 1;
    }

    /**
     * A hasher onto 2^{@code bits} buckets.
     *
     * @throws IllegalArgumentException when {@code bits} is outside [{@value #MIN_BITS}, {@value #MAX_BITS}]
     */
    public static FeatureHasher of(int bits) {
        if (bits < MIN_BITS || bits > MAX_BITS) {
            throw new IllegalArgumentException(
                    "hash bits must be between " + MIN_BITS + " and " + MAX_BITS + ", got " + bits);
        }
        return new FeatureHasher(bits);
    }

    /** The number of bucket bits b. */
    public int bits() {
        return bits;
    }

    /** The number of buckets, 2^b. */
    public int buckets() {
        return mask + 1;
    }

    /**
     * The hashed features φ(x) of {@code named}: bucket name {@code "#i"} → Σ s·x over the names that fall into
     * bucket i (see the class comment). Only buckets that some name falls into are present; values are not checked,
     * so a non-finite value stays non-finite.
     *
     * @param named feature name → value; neither names nor values may be null
     * @return a new read-only map, sorted by bucket name (as text, so {@code "#10"} comes before {@code "#2"})
     * @throws NullPointerException when {@code named}, a name or a value is null
     */
    public SortedMap<String, Double> hash(Map<String, Double> named) {
        Objects.requireNonNull(named, "named");
        Buckets buckets = buckets(named);
        SortedMap<String, Double> hashed = new TreeMap<>();
        for (int i = 0; i < buckets.indices().length; i++) {
            hashed.put(BUCKET_PREFIX + buckets.indices()[i], buckets.values()[i]);
        }
        return Collections.unmodifiableSortedMap(hashed);
    }

    /**
     * The hashed features φ(x) of {@code named}: the buckets some name falls into, ascending, each with Σ s·x over
     * its names, summed in ascending name order whatever the map's order.
     *
     * @throws NullPointerException when a name or a value is null
     */
    public Buckets buckets(Map<String, Double> named) {
        String[] names = new String[named.size()];
        double[] values = new double[names.length];
        int i = 0;
        for (Map.Entry<String, Double> feature : named.entrySet()) {
            names[i] = Objects.requireNonNull(feature.getKey(), "feature name");
            values[i++] = feature.getValue();
        }
        return buckets(names, values);
    }

    /**
     * As {@link #buckets(Map)} for the features {@code names[i]} = {@code values[i]}, in any order; a name given more
     * than once counts once, with its last value (as a map would keep it).
     */
    public Buckets buckets(String[] names, double[] values) {
        int n = names.length;
        double[] signed = new double[n];
        // Bucket in the high 32 bits, the feature's position in the low: one primitive sort orders them by bucket.
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            int h = hashOf(names[i]);
            signed[i] = h < 0 ? -values[i] : values[i];
            order[i] = (long) (h & mask) << 32 | i;
        }
        sortSmall(order);
        int[] indices = new int[n];
        double[] sums = new double[n];
        int distinct = 0;
        for (int start = 0; start < n; ) {
            int bucket = (int) (order[start] >>> 32);
            int end = start + 1;
            while (end < n && (int) (order[end] >>> 32) == bucket) {
                end++;
            }
            double sum;
            if (end - start == 1) {
                sum = signed[(int) order[start]];
            } else {
                // A collision: add the values up in name order, so that the sum does not depend on the input's order;
                // among equal names by position, so that a repeated name counts once, with its last value.
                Integer[] colliding = new Integer[end - start];
                for (int j = start; j < end; j++) {
                    colliding[j - start] = (int) order[j];
                }
                java.util.Arrays.sort(colliding, (a, b) -> {
                    int byName = names[a].compareTo(names[b]);
                    return byName != 0 ? byName : Integer.compare(a, b);
                });
                sum = 0;
                for (int j = 0; j < colliding.length; j++) {
                    if (j + 1 == colliding.length || !names[colliding[j]].equals(names[colliding[j + 1]])) {
                        sum += signed[colliding[j]];
                    }
                }
            }
            indices[distinct] = bucket;
            sums[distinct++] = sum;
            start = end;
        }
        return new Buckets(java.util.Arrays.copyOf(indices, distinct), java.util.Arrays.copyOf(sums, distinct));
    }

    /**
     * Hashed features: bucket {@code indices[i]} (ascending, distinct) has value {@code values[i]}.
     *
     * @param indices the buckets
     * @param values their summed signed values
     */
    public record Buckets(int[] indices, double[] values) {
    }

    /** Sorts {@code values} ascending: insertion sort for an event's few features, the library sort beyond. */
    private static void sortSmall(long[] values) {
        if (values.length > 32) {
            java.util.Arrays.sort(values);
            return;
        }
        for (int i = 1; i < values.length; i++) {
            long value = values[i];
            int j = i - 1;
            while (j >= 0 && values[j] > value) {
                values[j + 1] = values[j];
                j--;
            }
            values[j + 1] = value;
        }
    }

    /** MurmurHash3_x86_32 (seed 0) of the UTF-8 bytes of {@code name}; ASCII names without building the bytes. */
    static int hashOf(String name) {
        int length = name.length();
        for (int i = 0; i < length; i++) {
            if (name.charAt(i) >= 0x80) {
                return murmur3x86_32(name.getBytes(StandardCharsets.UTF_8), SEED);
            }
        }
        // Every char is one UTF-8 byte: the same blocks as murmur3x86_32, read from the chars.
        final int c1 = 0xcc9e2d51;
        final int c2 = 0x1b873593;
        int h = SEED;
        int blocks = length / 4;
        for (int i = 0; i < blocks; i++) {
            int at = 4 * i;
            int k = name.charAt(at) | name.charAt(at + 1) << 8 | name.charAt(at + 2) << 16 | name.charAt(at + 3) << 24;
            h ^= Integer.rotateLeft(k * c1, 15) * c2;
            h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
        }
        int k = 0;
        int tail = 4 * blocks;
        switch (length & 3) {
            case 3:
                k ^= name.charAt(tail + 2) << 16;
                // fall through
            case 2:
                k ^= name.charAt(tail + 1) << 8;
                // fall through
            case 1:
                k ^= name.charAt(tail);
                h ^= Integer.rotateLeft(k * c1, 15) * c2;
                break;
            default:
                break;
        }
        return fmix(h ^ length);
    }

    private static int fmix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /**
     * MurmurHash3_x86_32 of {@code data} with {@code seed}, written from Austin Appleby's public-domain description
     * (SMHasher): 4-byte little-endian blocks, each scrambled (×c1, rotl 15, ×c2) into h, then rotl 13, h·5 +
     * 0xe6546b64; the 1–3 tail bytes scrambled likewise; h ^= length; then the fmix32 finalizer.
     *
     * @return the hash as a 32-bit word (Java's int, so bit 31 is the sign bit)
     */
    static int murmur3x86_32(byte[] data, int seed) {
        final int c1 = 0xcc9e2d51;
        final int c2 = 0x1b873593;
        int h = seed;
        int blocks = data.length / 4;
        for (int i = 0; i < blocks; i++) {
            int at = 4 * i;
            int k = (data[at] & 0xff) | (data[at + 1] & 0xff) << 8 | (data[at + 2] & 0xff) << 16
                    | (data[at + 3] & 0xff) << 24;
            h ^= Integer.rotateLeft(k * c1, 15) * c2;
            h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
        }
        // Tail bytes are unsigned: sign-extending them (a known bug of some ports) changes the hash of names whose
        // UTF-8 ends in a non-ASCII byte.
        int k = 0;
        int tail = 4 * blocks;
        switch (data.length & 3) {
            case 3:
                k ^= (data[tail + 2] & 0xff) << 16;
                // fall through
            case 2:
                k ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                k ^= data[tail] & 0xff;
                h ^= Integer.rotateLeft(k * c1, 15) * c2;
                break;
            default:
                break;
        }
        return fmix(h ^ data.length);
    }
}
