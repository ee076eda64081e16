package io.inertia.topology;

/**
 * Counts, per stream thread, the transactions that thread's producer aborted, so that a task can tell when the
 * transaction it wrote into since its last commit was aborted underneath it.
 *
 * <p>Why this is needed: under {@code exactly_once_v2} every task of a stream thread writes into the thread's one
 * transaction, and Kafka Streams 4.3 aborts that transaction whenever it closes any one of those tasks dirty
 * ({@code RecordCollectorImpl.closeDirty}). Before it does, it normally commits the thread's other tasks, but not while
 * a rebalance is in progress ({@code TaskManager.handleCorruption} skips that commit): a task whose state was found
 * corrupted at initialisation (an instance restarted after a crash, during the rebalance it causes) then aborts the
 * snapshots, predictions and dead letters that the thread's healthy tasks published since their last commit, while
 * those tasks keep their input positions and their models in memory. Their next commit would make the loss permanent:
 * a {@code read_committed} reader would miss a snapshot version. A task that sees an abort since its first write of the
 * open transaction therefore refuses to go on ({@link WorkingModelStore#beforeWrite()}), and Kafka Streams rebuilds
 * every task of the thread from its last commit.
 *
 * <p>The producer's aborts are counted by the producers that {@code runtime.AbortCountingClientSupplier} hands to
 * Kafka Streams; Kafka Streams calls {@code abortTransaction} on the stream thread that owns the producer, so the
 * count is kept per thread. Drivers without transactions (replay, the topology test driver) use {@link #NONE}.
 */
public final class TransactionAborts {

    /** Counts nothing: for drivers without a transactional producer. */
    public static final TransactionAborts NONE = new TransactionAborts();

    private final ThreadLocal<long[]> perThread = ThreadLocal.withInitial(() -> new long[1]);

    /** Records that the calling thread's producer aborted its transaction. */
    public void aborted() {
        perThread.get()[0]++;
    }

    /** How many transactions the calling thread's producer has aborted so far. */
    public long onThisThread() {
        return perThread.get()[0];
    }
}
