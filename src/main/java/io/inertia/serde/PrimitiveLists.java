package io.inertia.serde;

import java.util.AbstractList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.RandomAccess;

/**
 * Read-only {@link List} views of primitive arrays, for the array fields of Avro records written from a model's
 * arrays: no copy, and no boxed element kept. Each view has an iterator class of its own: Avro's generated encoders
 * iterate the lists, and {@link AbstractList}'s shared iterator would make that call site see every list type, so the
 * JIT could neither inline it nor drop the boxes it creates.
 */
public final class PrimitiveLists {

    private PrimitiveLists() {
    }

    /** The first {@code size} values of {@code values}. */
    public static List<Double> of(double[] values, int size) {
        return new Doubles(values, size);
    }

    /** Every value of {@code values}, or null when it is null. */
    public static List<Double> ofNullable(double[] values) {
        return values == null ? null : new Doubles(values, values.length);
    }

    /** The first {@code size} values of {@code values}. */
    public static List<Long> of(long[] values, int size) {
        return new Longs(values, size);
    }

    /** The first {@code size} values of {@code values}. */
    public static List<Integer> of(int[] values, int size) {
        return new Ints(values, size);
    }

    private static final class Doubles extends AbstractList<Double> implements RandomAccess {
        private final double[] values;
        private final int size;

        Doubles(double[] values, int size) {
            this.values = values;
            this.size = size;
        }

        @Override
        public Double get(int index) {
            return values[index];
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public Iterator<Double> iterator() {
            return new Iterator<>() {
                private int next;

                @Override
                public boolean hasNext() {
                    return next < size;
                }

                @Override
                public Double next() {
                    if (next >= size) {
                        throw new NoSuchElementException();
                    }
                    return values[next++];
                }
            };
        }
    }

    private static final class Longs extends AbstractList<Long> implements RandomAccess {
        private final long[] values;
        private final int size;

        Longs(long[] values, int size) {
            this.values = values;
            this.size = size;
        }

        @Override
        public Long get(int index) {
            return values[index];
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public Iterator<Long> iterator() {
            return new Iterator<>() {
                private int next;

                @Override
                public boolean hasNext() {
                    return next < size;
                }

                @Override
                public Long next() {
                    if (next >= size) {
                        throw new NoSuchElementException();
                    }
                    return values[next++];
                }
            };
        }
    }

    private static final class Ints extends AbstractList<Integer> implements RandomAccess {
        private final int[] values;
        private final int size;

        Ints(int[] values, int size) {
            this.values = values;
            this.size = size;
        }

        @Override
        public Integer get(int index) {
            return values[index];
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public Iterator<Integer> iterator() {
            return new Iterator<>() {
                private int next;

                @Override
                public boolean hasNext() {
                    return next < size;
                }

                @Override
                public Integer next() {
                    if (next >= size) {
                        throw new NoSuchElementException();
                    }
                    return values[next++];
                }
            };
        }
    }
}
