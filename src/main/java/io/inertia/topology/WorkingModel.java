package io.inertia.topology;

import io.inertia.avro.SnapshotParts;
import io.inertia.model.DelayedOutcomeMetrics;
import io.inertia.model.FeatureScalers;
import io.inertia.model.LinearModel;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.StampedLock;

/**
 * One model as its task holds it in memory between commits: the {@link LinearModel} (primitive arrays), the facts of
 * its header that are not learning state (halted, the last event's timestamp, the parts of its
 * last published snapshot), and what changed since it was last written to the store and since its last snapshot.
 *
 * <p>Both change sets list coordinates, each at most once, so that writing them costs O(what changed). The snapshot
 * set is derived from stored facts alone (the coordinates whose last step is after the last snapshot), so a model
 * reloaded from the store after an eviction or a crash publishes exactly the snapshots it would have published.
 *
 * <p>The stream thread is the only writer. It holds {@link #lock} for writing while it changes what a reader sees (the
 * model's parameters and counters, {@link #halted}, {@link #lastEventTimestamp}): from an event's update to its
 * snapshot, rollbacks included. Readers on other threads (the HTTP API, see {@link WorkingModelStore#read}) read it
 * optimistically and keep what they read only when no write began meanwhile (else they read again, at last under the
 * read lock), so that what they read is the model at exactly one version, never an update half applied.
 */
final class WorkingModel {

    final String key;
    final LinearModel model;
    /**
     * Written by the stream thread around each change readers can see ({@link #lockForUpdate}); read by the HTTP
     * API's threads.
     */
    final StampedLock lock = new StampedLock();
    /** Readers waiting for {@link #lock}'s read lock, whom the stream thread lets in before its next update. */
    final AtomicInteger waitingReaders = new AtomicInteger();
    boolean halted;
    long lastEventTimestamp;
    /** The outcome joiner's decisions about this model, or null while it had none; a change sets headerDirty. */
    DelayedOutcomeMetrics outcomes;
    /**
     * The statistics of its standardized features (a feature spec's {@code standardize}), or null while it learned
     * none; changed by the stream thread under the write lock, with the update of the event whose values they add.
     */
    FeatureScalers scalers;
    /** The input position of the last event applied (see {@link #inputPosition()}); offset −1 while unknown. */
    String positionTopic;
    int positionPartition;
    long positionOffset = -1;
    /** The parts of the last snapshot published in parts, or null while the model has published none. */
    SnapshotParts parts;
    /** Where the model store keeps its named weights, or null while it keeps none in parts. */
    SnapshotParts storedParts;

    /** Whether the header differs from the stored one. */
    boolean headerDirty;
    /** Whether the model is in its store's list of models to write at the next flush. */
    boolean queued;
    /** The bytes its store charged to the memory budget for it. */
    long accountedBytes;
    private final ChangeSet storeChanges = new ChangeSet();
    private final ChangeSet snapshotChanges = new ChangeSet();

    WorkingModel(String key, LinearModel model, long lastEventTimestamp) {
        this.key = key;
        this.model = model;
        this.lastEventTimestamp = lastEventTimestamp;
    }

    /**
     * The write lock of {@link #lock}, for the stream thread, taken once the readers that wait for the read lock have
     * it (or after {@value #READER_TURNS} turns given to them). StampedLock lets a writer take a free lock before
     * the readers queued on it, and the stream thread takes it for every event (every 30 µs on a hashed model): a
     * reader it had woken could find it taken again each time it got to run, on two cores shared with the HTTP threads.
     */
    long lockForUpdate() {
        for (int turn = 0; turn < READER_TURNS && waitingReaders.get() > 0; turn++) {
            Thread.yield();
        }
        return lock.writeLock();
    }

    /** How many times at most {@link #lockForUpdate} yields to waiting readers. */
    static final int READER_TURNS = 100;

    /** Where the last event applied was read, for the header: null while unknown (a model stored before 0.4). */
    io.inertia.avro.InputPosition inputPosition() {
        return positionOffset < 0 || positionTopic == null ? null
                : new io.inertia.avro.InputPosition(positionTopic, positionPartition, positionOffset);
    }

    /** Restores the position of a stored header's {@code position} (null: unknown). */
    void restorePosition(io.inertia.avro.InputPosition position) {
        if (position == null) {
            positionTopic = null;
            positionOffset = -1;
        } else {
            positionTopic = position.getTopic();
            positionPartition = position.getPartition();
            positionOffset = position.getOffset();
        }
    }

    /** Records that an event changed the header and the coordinates {@code coordinates}. */
    void changed(int[] coordinates) {
        headerDirty = true;
        for (int i : coordinates) {
            storeChanges.add(i);
            snapshotChanges.add(i);
        }
    }

    /** Marks every coordinate as changed for the store (a model imported from a whole snapshot). */
    void allChangedForStore() {
        headerDirty = true;
        for (int i = 0, n = model.coordinateCount(); i < n; i++) {
            storeChanges.add(i);
        }
    }

    /** Marks coordinate {@code i} as changed for the store (brought up to date by a snapshot). */
    void changedForStore(int i) {
        headerDirty = true;
        storeChanges.add(i);
    }

    /** Marks coordinate {@code i} as changed since the last snapshot (rebuilding the set after a load). */
    void changedSinceSnapshot(int i) {
        snapshotChanges.add(i);
    }

    /** Whether anything must be written to the store. */
    boolean dirty() {
        return headerDirty || storeChanges.size() > 0;
    }

    /** The coordinates changed since the last write to the store. */
    ChangeSet storeChanges() {
        return storeChanges;
    }

    /** The coordinates changed since the last snapshot. */
    ChangeSet snapshotChanges() {
        return snapshotChanges;
    }

    /** Marks the model as written to the store. */
    void written() {
        headerDirty = false;
        storeChanges.clear();
    }

    /** Heap estimate in bytes, for the working models' memory budget. */
    long estimatedBytes() {
        return 96 + 2L * key.length() + model.estimatedBytes() + storeChanges.estimatedBytes()
                + snapshotChanges.estimatedBytes() + (scalers == null ? 0 : scalers.estimatedBytes());
    }

    /** A set of coordinates, each listed once, in the order first added; O(1) add, O(size) clear. */
    static final class ChangeSet {
        private int[] members = new int[8];
        private int size;
        private boolean[] present = new boolean[8];

        void add(int i) {
            if (i >= present.length) {
                present = Arrays.copyOf(present, Math.max(i + 1, present.length * 2));
            }
            if (!present[i]) {
                present[i] = true;
                if (size == members.length) {
                    members = Arrays.copyOf(members, size * 2);
                }
                members[size++] = i;
            }
        }

        int size() {
            return size;
        }

        int get(int j) {
            return members[j];
        }

        /** The members, in the order first added. */
        int[] toArray() {
            return Arrays.copyOf(members, size);
        }

        void clear() {
            for (int j = 0; j < size; j++) {
                present[members[j]] = false;
            }
            size = 0;
        }

        long estimatedBytes() {
            return 32 + 4L * members.length + present.length;
        }
    }
}
