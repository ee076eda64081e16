package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every expected hash, bucket and sign here was computed outside this class, by two implementations that share no
 * code with it: {@code src/test/resources/feature-hashing/murmur3_reference.py} (MurmurHash3_x86_32 written from the
 * algorithm's description; run it to print every value) and Guava's {@code Hashing.murmur3_32_fixed(seed)}; the two
 * agree on all of them. The seeded vectors are also the published ones for MurmurHash3_x86_32.
 */
class FeatureHasherTest {

    static Stream<Arguments> murmurVectors() {
        return Stream.of(
                // Published vectors (empty input, all-zero and all-one words, 1–4 byte tails, longer strings).
                Arguments.of("", 0, 0x00000000),
                Arguments.of("", 1, 0x514e28b7),
                Arguments.of("", 0xffffffff, 0x81f16f39),
                Arguments.of("00000000", 0, 0x2362f9de),
                Arguments.of("ffffffff", 0, 0x76293b50),
                Arguments.of(hex("a"), 0x9747b28c, 0x7fa09ea6),
                Arguments.of(hex("aa"), 0x9747b28c, 0x5d211726),
                Arguments.of(hex("aaa"), 0x9747b28c, 0x283e0130),
                Arguments.of(hex("aaaa"), 0x9747b28c, 0x5a97808a),
                Arguments.of(hex("Hello, world!"), 0x9747b28c, 0x24884cba),
                Arguments.of(hex("The quick brown fox jumps over the lazy dog"), 0x9747b28c, 0x2fa826cd),
                Arguments.of(hex("hello"), 0, 0x248bfa47),
                Arguments.of(hex("The quick brown fox jumps over the lazy dog"), 0, 0x2e4ff723),
                // UTF-8 of "π日本": two whole blocks of bytes ≥ 0x80.
                Arguments.of("cf80e697a5e69cac", 0, 0x78adfdcf));
    }

    @ParameterizedTest(name = "{0} seed {1}")
    @MethodSource("murmurVectors")
    void shouldMatchTheMurmur3X86_32TestVectors(String bytesHex, int seed, int expected) {
        int actual = FeatureHasher.murmur3x86_32(HexFormat.of().parseHex(bytesHex), seed);
        assertEquals(expected, actual, () -> String.format("0x%08x", actual));
    }

    @Test
    void shouldReadTailBytesAsUnsigned() {
        // "π" is the 2-byte tail cf 80. Reference and Guava: 0xf1954df6; a port that sign-extends tail bytes (as
        // Kafka's internal Murmur3.hash32 does) gives 0xdb53a5b5 instead.
        assertEquals(0xf1954df6, FeatureHasher.murmur3x86_32("π".getBytes(StandardCharsets.UTF_8), 0));
    }

    @Test
    void shouldBucketByTheLowBitsAndSignByBit31() {
        // h (seed 0): apple 0x7016e890, banana 0xf5622baf, cherry 0xf9a511ba, user=42 0xe8979f2e, hello 0x248bfa47,
        // π 0xf1954df6. Bucket = h & (2^b − 1); sign −1 exactly for the h with the top bit set (0x8… to 0xf…).
        assertEquals(Map.of("#0", 1.0), hash(4, "apple", 1.0));
        assertEquals(Map.of("#15", -1.0), hash(4, "banana", 1.0));
        assertEquals(Map.of("#10", -2.5), hash(4, "cherry", 2.5));
        assertEquals(Map.of("#14", 3.0), hash(4, "user=42", -3.0));
        assertEquals(Map.of("#7", 0.5), hash(4, "hello", 0.5));
        assertEquals(Map.of("#6", -1.0), hash(4, "π", 1.0));
        assertEquals(Map.of("#144", 1.0), hash(10, "apple", 1.0));
        assertEquals(Map.of("#943", -1.0), hash(10, "banana", 1.0));
        assertEquals(Map.of("#1", 1.0), hash(1, "hello", 1.0));
        assertEquals(Map.of("#613153351", 1.0), hash(30, "hello", 1.0));
        assertEquals(Map.of("#895626159", -1.0), hash(30, "banana", 1.0));
    }

    @Test
    void shouldSumCollidingFeaturesWithTheirSigns() {
        // b = 1: apple (+) and cherry (−) share #0, banana (−) and hello (+) share #1.
        // #0 = +2 − 0.5 = 1.5, #1 = −3 + 1 = −2.
        Map<String, Double> named = Map.of("apple", 2.0, "cherry", 0.5, "banana", 3.0, "hello", 1.0);
        assertEquals(Map.of("#0", 1.5, "#1", -2.0), FeatureHasher.of(1).hash(named));
    }

    @Test
    void shouldLetCollidingFeaturesWithOppositeSignsCancel() {
        // apple (+) and cherry (−) both land in #0 when b = 1.
        assertEquals(Map.of("#0", 0.0), FeatureHasher.of(1).hash(Map.of("apple", 4.0, "cherry", 4.0)));
    }

    @Test
    void shouldSumInNameOrderWhateverTheIterationOrderOfTheMap() {
        // b = 1, all in #0: apple +1e16, cherry −(−1) = +1, user=42 −1e16. In name order (1e16 + 1) − 1e16 = 0,
        // since 1e16 + 1 rounds to 1e16; in the insertion order below it would be (−1e16 + 1e16) + 1 = 1.
        Map<String, Double> named = new LinkedHashMap<>();
        named.put("user=42", 1e16);
        named.put("apple", 1e16);
        named.put("cherry", -1.0);
        Map<String, Double> reversed = new LinkedHashMap<>();
        List.of("cherry", "apple", "user=42").forEach(name -> reversed.put(name, named.get(name)));
        FeatureHasher hasher = FeatureHasher.of(1);

        assertEquals(Map.of("#0", 0.0), hasher.hash(named));
        assertEquals(hasher.hash(named), hasher.hash(reversed));
    }

    @Test
    void shouldReturnASortedMapOfBucketNamesBelowTwoToTheBits() {
        Random random = new Random(20_090_101L);
        Map<String, Double> named = new TreeMap<>();
        for (int i = 0; i < 1_000; i++) {
            named.put("feature-" + random.nextInt(1_000_000), random.nextGaussian());
        }
        SortedMap<String, Double> hashed = FeatureHasher.of(4).hash(named);

        assertTrue(hashed.size() <= 16, "buckets " + hashed.size());
        assertEquals(List.copyOf(new TreeMap<>(hashed).keySet()), List.copyOf(hashed.keySet()));
        for (String bucket : hashed.keySet()) {
            assertTrue(bucket.matches("#(0|[1-9][0-9]?)"), bucket);
            assertTrue(Integer.parseInt(bucket.substring(1)) < 16, bucket);
        }
    }

    @Test
    void shouldHashNoFeaturesToNoBuckets() {
        assertEquals(Map.of(), FeatureHasher.of(8).hash(Map.of()));
    }

    @Test
    void shouldReportItsBitsAndBuckets() {
        assertEquals(1, FeatureHasher.of(1).bits());
        assertEquals(2, FeatureHasher.of(1).buckets());
        assertEquals(1 << 30, FeatureHasher.of(30).buckets());
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 31, 32})
    void shouldRefuseBitsOutsideOneToThirty(int bits) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureHasher.of(bits));
        assertEquals("hash bits must be between 1 and 30, got " + bits, e.getMessage());
    }

    private static Map<String, Double> hash(int bits, String name, double value) {
        return FeatureHasher.of(bits).hash(Map.of(name, value));
    }

    private static String hex(String ascii) {
        return HexFormat.of().formatHex(ascii.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void shouldHashAsciiNamesFromTheirCharsExactlyAsFromTheirUtf8Bytes() {
        // hashOf reads ASCII names without building their bytes; murmur3x86_32 of the bytes is checked above against
        // the reference vectors. Every length 0..24 and every tail length, seeded.
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        for (int n = 0; n < 2000; n++) {
            StringBuilder name = new StringBuilder();
            int length = n % 25;
            for (int i = 0; i < length; i++) {
                name.append((char) random.nextInt(0x20, 0x7f));
            }
            String text = name.toString();
            assertEquals(FeatureHasher.murmur3x86_32(text.getBytes(StandardCharsets.UTF_8), 0),
                    FeatureHasher.hashOf(text), "name '" + text + "'");
        }
        assertEquals(FeatureHasher.murmur3x86_32("aπb".getBytes(StandardCharsets.UTF_8), 0),
                FeatureHasher.hashOf("aπb"));
    }
}
