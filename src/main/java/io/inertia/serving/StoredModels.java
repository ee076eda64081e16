package io.inertia.serving;

import io.inertia.topology.ModelView;
import io.inertia.topology.WorkingModelStore;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The models the API read whole from the learner's durable stores because their task did not hold them in memory
 * (not learned since the task started, or evicted), kept so that the next requests cost what a model in memory costs,
 * not a read of the stores. An entry holds as long as the {@linkplain WorkingModelStore#stamp stamp} taken before it
 * was read is the stamp now: the stores change a model only once it is back in memory, or when they are restored, and
 * either changes the stamp. So a request for a model out of memory reads no store at all while its entry holds (a
 * store read per request would also take locks the learner's thread takes). The models are never changed once loaded,
 * so any number of requests read one at the same time.
 *
 * <p>Bounded by an estimate in bytes, the one read longest ago first out; the model just loaded stays even when it alone is
 * larger than the bound (as the learner's own working models do), since reading it whole at every request is what
 * this cache is for. One model is read from the stores at a time: while it is, other requests that would read one
 * are answered 503 at once (a burst of requests for a model just moved to this instance would otherwise read it once
 * each, all at the same time, slowing that read down and exhausting the heap).
 */
final class StoredModels {

    private final long maxBytes;
    /** One model is read from the stores at a time: each costs its size in memory while it is read. */
    private final Semaphore reading = new Semaphore(1);
    /** Entries by key, for lookups without the lock. */
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    /** The same entries in the order they were read, for eviction; under the lock. */
    private final LinkedHashMap<String, Entry> byUse = new LinkedHashMap<>(16, 0.75f, false);
    private long bytes;

    /** A cache of about {@code maxBytes} bytes. */
    StoredModels(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    private record Entry(ModelView model, WorkingModelStore.Stamp stamp, long bytes) {
    }

    /** The model of {@code key} read under {@code stamp}, or null when the cache holds none that still holds. */
    ModelView get(String key, WorkingModelStore.Stamp stamp) {
        Entry entry = entries.get(key);
        return entry != null && entry.stamp.equals(stamp) ? entry.model : null;
    }

    /** Keeps {@code model}, read under {@code stamp}, evicting those read longest ago beyond the bound. */
    synchronized void put(ModelView model, WorkingModelStore.Stamp stamp) {
        removeLocked(model.key());
        Entry entry = new Entry(model, stamp, model.model().estimatedBytes());
        entries.put(model.key(), entry);
        byUse.put(model.key(), entry);
        bytes += entry.bytes;
        Iterator<Map.Entry<String, Entry>> eldest = byUse.entrySet().iterator();
        while (bytes > maxBytes && eldest.hasNext()) {
            Map.Entry<String, Entry> next = eldest.next();
            if (!next.getKey().equals(model.key())) {
                bytes -= next.getValue().bytes;
                entries.remove(next.getKey());
                eldest.remove();
            }
        }
    }

    /** Forgets the model of {@code key}: its task holds it in memory now, which is where it is read from. */
    void remove(String key) {
        if (entries.containsKey(key)) {
            synchronized (this) {
                removeLocked(key);
            }
        }
    }

    private void removeLocked(String key) {
        Entry old = byUse.remove(key);
        if (old != null) {
            entries.remove(key);
            bytes -= old.bytes;
        }
    }

    /**
     * Whether this caller may read a model from the stores now: false while another does (then the caller answers 503;
     * the request that reads it fills the cache for the next ones). Call {@link #readDone} after a true.
     */
    boolean startRead() {
        return reading.tryAcquire();
    }

    /** Ends the read {@link #startRead} allowed. */
    void readDone() {
        reading.release();
    }

    /** Whether the cache holds nothing; without the lock, so that a request for a model in memory never waits. */
    boolean isEmpty() {
        return entries.isEmpty();
    }
}
