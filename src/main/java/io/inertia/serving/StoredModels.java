package io.inertia.serving;

import io.inertia.topology.ModelView;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The models the API read whole from the learner's durable stores because their task did not hold them in memory
 * (not learned since the task started, or evicted), kept so that the next request for the same version costs a point
 * lookup, not the whole model again. An entry is valid for exactly one version: a request first reads the stored
 * header (one point read) and uses the entry only when the versions agree. The models are never changed once loaded,
 * so any number of requests read one at the same time.
 *
 * <p>Bounded by an estimate in bytes, least recently used first out; the model just loaded stays even when it alone is
 * larger than the bound (as the learner's own working models do), since reading it whole at every request is what
 * this cache is for.
 */
final class StoredModels {

    private final long maxBytes;
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

    /** Whether the cache holds nothing; without the lock, so that a request for a model in memory never waits. */
    boolean isEmpty() {
        return size == 0;
    }
}
