package io.inertia.serving;

import io.inertia.topology.ModelView;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * The models the API read whole from the learner's durable stores because their task did not hold them in memory
 * (not learned since the task started, or evicted), kept so that the next request for the same version costs a point
 * lookup, not the whole model again. An entry is valid for exactly one version: a request first reads the stored
 * header (one point read) and uses the entry only when the versions agree. The models are never changed once loaded,
 * so any number of requests read one at the same time.
 *
 * <p>Bounded by an estimate in bytes, least recently used first out; the model just loaded stays even when it alone is
 * larger than the bound (as the learner's own working models do), since reading it whole at every request is what
 * this cache is for. One model kept in parts is read whole at a time: while it is, other requests that would read one
 * are answered 503 (a burst of requests for a model just moved to this instance would otherwise read it once each, all
 * at the same time, and exhaust the heap).
 */
final class StoredModels {

    private final long maxBytes;
    /** One model in parts is read whole at a time: each costs its size in memory while it is read. */
    private final Semaphore reading = new Semaphore(1);
    private final LinkedHashMap<String, ModelView> models = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    /** The number of models held, readable without the lock. */
    private volatile int size;

    /** A cache of about {@code maxBytes} bytes. */
    StoredModels(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The model of {@code key} at {@code version}, or null when the cache does not hold that version. */
    synchronized ModelView get(String key, long version) {
        ModelView model = models.get(key);
        return model != null && model.model().version() == version ? model : null;
    }

    /** Keeps {@code model} (replacing an older version of it), evicting the least recently used beyond the bound. */
    synchronized void put(ModelView model) {
        ModelView old = models.get(model.key());
        if (old != null && old.model().version() >= model.model().version()) {
            return;
        }
        remove(model.key());
        models.put(model.key(), model);
        bytes += model.model().estimatedBytes();
        Iterator<Map.Entry<String, ModelView>> eldest = models.entrySet().iterator();
        while (bytes > maxBytes && eldest.hasNext()) {
            Map.Entry<String, ModelView> entry = eldest.next();
            if (!entry.getKey().equals(model.key())) {
                bytes -= entry.getValue().model().estimatedBytes();
                eldest.remove();
            }
        }
        size = models.size();
    }

    /** Forgets the model of {@code key}: its task holds it in memory now, which is where it is read from. */
    synchronized void remove(String key) {
        ModelView old = models.remove(key);
        if (old != null) {
            bytes -= old.model().estimatedBytes();
            size = models.size();
        }
    }

    /**
     * Whether this caller may read a model in parts whole now: false while another does (then the caller answers 503;
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
        return size == 0;
    }
}
