package io.inertia.topology;

import io.inertia.model.LinearModel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Function;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.TaskMigratedException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.apache.kafka.streams.state.internals.StateStoreProvider;

/**
 * The task's active models in memory ({@link WorkingModel}), written to the {@link ModelStore} <em>inside</em> each
 * commit. An event touches only memory; what it changed is written when the task commits, in the same transaction as
 * the input offsets of the events it reflects. That is what makes it exactly-once by construction:
 *
 * <ul>
 *   <li>Kafka Streams commits a task in {@code StreamTask.prepareCommit}: first {@code ProcessorStateManager.flushCache()},
 *       which calls {@link #flushCache()} of every store that is a {@link CachedStateStore}, then the producer flush,
 *       then the offsets and the transaction commit. This store is such a store, so its writes (to stores without a
 *       cache of their own, straight to their changelogs) are in the open transaction. The public
 *       {@link StateStore#commit} runs only after the transaction commits, too late for changelog records.</li>
 *   <li>Evicting a changed model writes it first, during processing: also inside the open transaction.</li>
 *   <li>When a transaction aborts, Kafka Streams closes the task dirty, wipes and restores its persistent stores,
 *       and {@linkplain #init initialises} this store again, which starts empty: the working copies belong to one
 *       incarnation of the task and are rebuilt from the restored stores. {@link #clearCache()} (a standby becoming
 *       active, or back) and {@link #close()} drop them too.</li>
 *   <li>Kafka Streams can also abort the stream thread's transaction without closing this task, when it closes
 *       another task of the thread dirty during a rebalance (see {@link TransactionAborts}). The working models would
 *       then hold updates whose outputs were thrown away; {@link #beforeWrite()} and {@link #flushCache()} notice the
 *       abort and throw {@link TaskMigratedException}, on which Kafka Streams closes every task of the thread dirty
 *       and rebuilds it from its last commit.</li>
 * </ul>
 *
 * {@link CachedStateStore} is internal Kafka Streams API; Inertia pins Kafka 4.3.1, and {@code WorkingModelStoreTest}
 * proves that a commit writes the changes to the changelog before the offsets are committed.
 *
 * <p>Memory: the models of every task of one topology share a budget in bytes; past it, a task evicts its least
 * recently used models (a changed one is written first) and reloads them from the store on their next event, which
 * changes nothing in the results.
 *
 * <p>Reading from other threads: the HTTP API reaches a task's store by an interactive query
 * ({@link #queryableType()}) and {@linkplain #read reads} a model in memory by an optimistic read of the model's lock
 * (validated after the reading, else repeated, finally under the read lock), while the stream thread, the only writer,
 * changes it under the write lock ({@link WorkingModel}). A read sees the model as of
 * exactly one update, the latest the task applied, committed or not (as Kafka Streams' own interactive queries see a
 * store's latest writes). A read that overlaps the store's close, a rebalance or an abort (every model dropped) fails
 * instead of answering from a task that is gone.
 */
public final class WorkingModelStore implements StateStore, CachedStateStore<Object, Object> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkingModelStore.class);

    /** Name of this store; it has no changelog of its own. */
    public static final String NAME = "inertia-working-models";
    private static final int RESIDENCY_SLOTS = 1024;
    /** Optimistic reads of a model before a reader takes its read lock (see {@link #read}). */
    static final int OPTIMISTIC_ATTEMPTS = 8;
    /** How long a reader spins on a learner's update before it yields the CPU (see {@link #awaitUpdate}). */
    private static final long UPDATE_SPIN_NANOS = 50_000;
    private static final AtomicLong SERIALS = new AtomicLong();

    /** Marks that no write happened since the last flush. */
    private static final long NOT_WRITTEN = -1;

    private final MemoryBudget budget;
    private final TransactionAborts aborts;
    /** The thread producer's abort count at this task's first write since its last flush, or NOT_WRITTEN. */
    private long abortsAtFirstWrite = NOT_WRITTEN;
    /** In access order, least recently used first; the stream thread's alone (a lookup reorders it). */
    private final LinkedHashMap<String, WorkingModel> models = new LinkedHashMap<>(16, 0.75f, true);
    /** The same models by key, for readers on other threads; never iterated, so its order reaches nothing. */
    private final ConcurrentHashMap<String, WorkingModel> resident = new ConcurrentHashMap<>();
    /** Models changed since the last flush, in the order they changed. */
    private final List<WorkingModel> dirty = new ArrayList<>();
    private ModelStore store;
    private volatile boolean open;
    /** Counts the times every model was dropped: a read that spans one read a model of a task that is gone. */
    private volatile long incarnation;
    /** Tells this store from every other (of another task, or of this task before it moved away and back). */
    private final long serial = SERIALS.incrementAndGet();
    /**
     * Per slot of model keys (by hash), how many times a model of the slot was taken into memory or every model was
     * dropped: while a key's count stands still, its stored state has not changed (see {@link #stamp}).
     */
    private final AtomicLongArray residency = new AtomicLongArray(RESIDENCY_SLOTS);
    private boolean warnedOverBudget;

    WorkingModelStore(MemoryBudget budget, TransactionAborts aborts) {
        this.budget = budget;
        this.aborts = aborts;
    }

    /** The builder of this store, its models sharing {@code budget} with those of every other task. */
    public static StoreBuilder<WorkingModelStore> builder(MemoryBudget budget) {
        return builder(budget, TransactionAborts.NONE);
    }

    /**
     * The builder of this store, its models sharing {@code budget} with those of every other task, watching the
     * stream thread's transaction through {@code aborts}.
     */
    public static StoreBuilder<WorkingModelStore> builder(MemoryBudget budget, TransactionAborts aborts) {
        return new Builder(budget, aborts);
    }

    /**
     * Called before the task writes anything into the open transaction (a prediction, a snapshot, a dead letter, an
     * evicted model): remembers the producer's abort count at the first write since the last flush.
     *
     * @throws TaskMigratedException when the transaction this task wrote into since its last commit was aborted
     */
    void beforeWrite() {
        if (abortsAtFirstWrite == NOT_WRITTEN) {
            abortsAtFirstWrite = aborts.onThisThread();
        } else {
            requireTransactionIntact();
        }
    }

    private void requireTransactionIntact() {
        if (abortsAtFirstWrite != NOT_WRITTEN && aborts.onThisThread() != abortsAtFirstWrite) {
            throw new TaskMigratedException("the transaction that this task wrote into since its last commit was "
                    + "aborted while the task went on (Kafka Streams closed another task of this stream thread "
                    + "dirty); its outputs since then are gone but its models and input positions moved on, so every "
                    + "task of the thread is rebuilt from its last commit");
        }
    }

    /** Connects the durable stores; called by the learner processor's {@code init}, after every store's. */
    void attach(ModelStore store) {
        this.store = store;
    }

    /** The working model of {@code key}, loaded from the store when not in memory; null when the store has none. */
    WorkingModel get(String key) {
        WorkingModel working = models.get(key);
        if (working == null) {
            working = store.load(key);
            if (working != null) {
                add(working);
            }
        }
        return working;
    }

    /**
     * The model of {@code key} as the learner has it now, loaded into memory when it is not there; null when the task
     * has none. For the outcome joiner, which scores events with it on the stream thread, between the learner's
     * updates: it must neither change nor keep it.
     */
    public LinearModel model(String key) {
        WorkingModel working = get(key);
        return working == null ? null : working.model;
    }

    /** A new working model for {@code key}, which the store does not have. */
    WorkingModel create(String key, LinearModel model) {
        WorkingModel working = new WorkingModel(key, model, -1L);
        add(working);
        return working;
    }

    private void add(WorkingModel working) {
        // Before it can be read here: a reader that saw the old count read the stores before this.
        residency.incrementAndGet(slot(working.key));
        models.put(working.key, working);
        resident.put(working.key, working);
        if (working.dirty()) {
            markDirty(working);
        }
        account(working);
    }

    /**
     * Records that {@code working} changed: it is queued for the next flush, its size is accounted, and models beyond
     * the memory budget are evicted.
     */
    void changed(WorkingModel working) {
        markDirty(working);
        account(working);
        evictBeyondBudget(working);
    }

    private void markDirty(WorkingModel working) {
        if (!working.queued) {
            working.queued = true;
            dirty.add(working);
        }
    }

    private void account(WorkingModel working) {
        long now = working.estimatedBytes();
        // Only on a change: the budget is shared by the stream threads, and most events do not change a model's size.
        if (now != working.accountedBytes) {
            budget.add(now - working.accountedBytes);
            working.accountedBytes = now;
        }
    }

    /**
     * Evicts least recently used models while the budget is exceeded, never {@code current}: a model larger than the
     * whole budget stays in memory rather than being written and read back whole at every event.
     */
    private void evictBeyondBudget(WorkingModel current) {
        if (!budget.exceeded()) {
            return;
        }
        Iterator<WorkingModel> eldest = models.values().iterator();
        while (budget.exceeded() && eldest.hasNext()) {
            WorkingModel working = eldest.next();
            if (working == current) {
                continue;
            }
            if (working.dirty()) {
                store.write(working);
            }
            eldest.remove();
            resident.remove(working.key, working);
            forget(working);
        }
        if (budget.exceeded() && !warnedOverBudget) {
            warnedOverBudget = true;
            LOG.warn("The models in memory take about {} bytes, more than inertia.model-cache-max-bytes = {}; model "
                    + "'{}' alone takes about {}", budget.used(), budget.limit, current.key, current.accountedBytes);
        }
    }

    private void forget(WorkingModel working) {
        budget.add(-working.accountedBytes);
        working.accountedBytes = 0;
        // It stays in the dirty list until the next flush, which skips it: it was written before it was evicted.
    }

    /** Number of models in memory. */
    int size() {
        return models.size();
    }

    /** Writes every changed model to the {@link ModelStore}: runs inside the commit, before the offsets. */
    @Override
    public void flushCache() {
        // A commit must not make permanent what an aborted transaction took away from this task's outputs.
        requireTransactionIntact();
        for (WorkingModel working : dirty) {
            working.queued = false;
            if (working.dirty()) {
                store.write(working);
            }
        }
        dirty.clear();
        // What follows is committed with these writes, or the task is closed dirty: either way a new start.
        abortsAtFirstWrite = NOT_WRITTEN;
    }

    /** Drops every working model; they are reloaded from the store when next needed. */
    @Override
    public void clearCache() {
        dropAll();
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        dropAll();
        // Nothing to restore: the durable state is in the ModelStore's stores.
        context.register(root, (key, value) -> {
        });
        open = true;
    }

    @Override
    public void close() {
        dropAll();
        open = false;
    }

    private void dropAll() {
        // First: a reader that finds a model after this must see that its task is gone.
        incarnation++;
        for (int slot = 0; slot < RESIDENCY_SLOTS; slot++) {
            // The stores may be restored to another state (an abort): nothing read from them before holds.
            residency.incrementAndGet(slot);
        }
        resident.clear();
        for (WorkingModel working : models.values()) {
            forget(working);
        }
        models.clear();
        dirty.clear();
        abortsAtFirstWrite = NOT_WRITTEN;
    }

    /**
     * Applies {@code reading} to the model of {@code key} as it is in memory, on the caller's thread, without making the
     * learner wait: what it returns is the model at exactly one update. Empty when the model is not in memory (not
     * learned since the task started, or evicted): it is then in the {@link ModelStore}.
     *
     * <p>How: an optimistic read of the model's {@link WorkingModel#lock}. {@code reading} runs on the model as it is,
     * and its result counts only if no write began meanwhile ({@link java.util.concurrent.locks.StampedLock#validate});
     * otherwise it runs again, up to {@value #OPTIMISTIC_ATTEMPTS} times, then under the read lock (the learner
     * waits for it). The learner takes the write lock for every event (about 10⁵ a second on a small model): readers
     * that took the read lock each time queued behind it and made it wait for them, which cost a prediction on a
     * small model a p99 of over 100 ms under load. An attempt that overlapped a write may have seen the model half
     * changed: whatever it returned or threw is dropped, so {@code reading} must be quick, must not change the model
     * or anything else, must not keep it, and must be safe on a model changing under it (bounded loops and
     * allocations whatever it reads; an exception it throws is rethrown only from an attempt that was not overlapped).
     *
     * @throws InvalidStateStoreException when the store is closed, or was closed or reset (a rebalance, an aborted
     *     transaction) while the model was read
     */
    public <T> Optional<T> read(String key, Function<ModelView, T> reading) {
        long seen = incarnation;
        WorkingModel working = resident(key);
        if (working == null) {
            return Optional.empty();
        }
        for (int attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
            long stamp = working.lock.tryOptimisticRead();
            if (stamp == 0) {
                awaitUpdate(working.lock);
                continue;
            }
            T result;
            try {
                result = reading.apply(view(working));
            } catch (RuntimeException e) {
                if (working.lock.validate(stamp)) {
                    throw e;
                }
                continue;
            }
            if (working.lock.validate(stamp)) {
                return done(key, seen, result);
            }
        }
        return readLocked(key, seen, working, reading);
    }

    /**
     * Waits for the learner's update of a model to end: a few microseconds while it runs, spun, since the reader may be
     * the HTTP selector thread of many connections, and giving up the CPU may cost them all a scheduler's slice; beyond
     * {@value #UPDATE_SPIN_NANOS} ns the learner was descheduled holding the lock (two cores shared with the HTTP
     * threads), and the CPU is given to it.
     */
    private static void awaitUpdate(StampedLock lock) {
        long start = System.nanoTime();
        while (lock.isWriteLocked()) {
            if (System.nanoTime() - start > UPDATE_SPIN_NANOS) {
                Thread.yield();
                return;
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Applies {@code reading} to the model of {@code key} in memory under its read lock: for readings of the whole
     * model (a copy), which an optimistic read of a model the learner changes every few microseconds would repeat in
     * vain. The learner waits while {@code reading} runs. See {@link #read}.
     */
    public <T> Optional<T> readLocked(String key, Function<ModelView, T> reading) {
        long seen = incarnation;
        WorkingModel working = resident(key);
        return working == null ? Optional.empty() : readLocked(key, seen, working, reading);
    }

    private <T> Optional<T> readLocked(String key, long seen, WorkingModel working, Function<ModelView, T> reading) {
        T result;
        // Announced, so that the learner lets this reader in before its next update (WorkingModel#lockForUpdate).
        working.waitingReaders.incrementAndGet();
        long stamp;
        try {
            stamp = working.lock.readLock();
        } finally {
            working.waitingReaders.decrementAndGet();
        }
        try {
            result = reading.apply(view(working));
        } finally {
            working.lock.unlockRead(stamp);
        }
        return done(key, seen, result);
    }

    private WorkingModel resident(String key) {
        if (!open) {
            throw new InvalidStateStoreException(NAME + " is closed: its task is moving or restarting");
        }
        return resident.get(key);
    }

    private static ModelView view(WorkingModel working) {
        return new ModelView(working.key, working.model, working.halted, working.lastEventTimestamp,
                working.scalers);
    }

    private <T> Optional<T> done(String key, long seen, T result) {
        if (!open || incarnation != seen) {
            throw new InvalidStateStoreException(NAME + " was closed while model '" + key + "' was read");
        }
        return Optional.ofNullable(result);
    }

    /**
     * A stamp of what the durable stores hold of the model of {@code key} while it is not in memory: take it before a
     * {@link #read} that finds the model not in memory, then read the stores; what was read stays the stored state
     * as long as the stamp taken later is equal. The stores change a model only while it is in memory (each commit),
     * when it leaves memory (eviction writes it) or when they are restored (a rebalance, an abort); the first two
     * begin by taking it into memory and the third by dropping every model, and both change the stamp. Keys share
     * {@value #RESIDENCY_SLOTS} counters by hash, so a stamp may also change for another key's sake: a reread, never
     * a stale answer.
     */
    public Stamp stamp(String key) {
        return new Stamp(serial, residency.get(slot(key)));
    }

    /** See {@link #stamp}. */
    public record Stamp(long store, long count) {
    }

    private static int slot(String key) {
        return key.hashCode() & (RESIDENCY_SLOTS - 1);
    }

    /**
     * The type of interactive query that finds this store: {@code streams.store(StoreQueryParameters
     * .fromNameAndType(NAME, queryableType()).withPartition(p))} is the store of partition p's active task.
     */
    public static QueryableStoreType<WorkingModelStore> queryableType() {
        return QueryableWorkingModels.INSTANCE;
    }

    /** Finds a task's store itself: its reads are already safe beside the stream thread (see {@link #read}). */
    private static final class QueryableWorkingModels implements QueryableStoreType<WorkingModelStore> {
        static final QueryableWorkingModels INSTANCE = new QueryableWorkingModels();

        @Override
        public boolean accepts(StateStore stateStore) {
            return stateStore instanceof WorkingModelStore;
        }

        @Override
        public WorkingModelStore create(StateStoreProvider storeProvider, String storeName) {
            List<WorkingModelStore> stores = storeProvider.stores(storeName, this);
            if (stores.size() != 1) {
                throw new InvalidStateStoreException("query " + storeName + " by partition: " + stores.size()
                        + " tasks hold one");
            }
            return stores.get(0);
        }
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** A memory budget in bytes shared by the working models of several tasks (each on its own stream thread). */
    public static final class MemoryBudget {
        private final long limit;
        private final AtomicLong used = new AtomicLong();

        /** A budget of {@code limit} bytes. */
        public MemoryBudget(long limit) {
            this.limit = limit;
        }

        void add(long bytes) {
            used.addAndGet(bytes);
        }

        boolean exceeded() {
            return used.get() > limit;
        }

        /** The estimated bytes the working models hold now. */
        public long used() {
            return used.get();
        }
    }

    private static final class Builder implements StoreBuilder<WorkingModelStore> {
        private final MemoryBudget budget;
        private final TransactionAborts aborts;

        Builder(MemoryBudget budget, TransactionAborts aborts) {
            this.budget = budget;
            this.aborts = aborts;
        }

        @Override
        public StoreBuilder<WorkingModelStore> withCachingEnabled() {
            return this;
        }

        @Override
        public StoreBuilder<WorkingModelStore> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<WorkingModelStore> withLoggingEnabled(Map<String, String> config) {
            throw new UnsupportedOperationException(NAME + " is written to the changelogged ModelStore stores");
        }

        @Override
        public StoreBuilder<WorkingModelStore> withLoggingDisabled() {
            return this;
        }

        @Override
        public WorkingModelStore build() {
            return new WorkingModelStore(budget, aborts);
        }

        @Override
        public Map<String, String> logConfig() {
            return Map.of();
        }

        @Override
        public boolean loggingEnabled() {
            return false;
        }

        @Override
        public String name() {
            return NAME;
        }
    }
}
