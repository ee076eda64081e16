package io.inertia.replay;

import io.inertia.io.EventBatch;
import io.inertia.io.EventFile;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;

/**
 * The batches of a file's rows, epoch after epoch, read and encoded on a thread of its own while the caller learns
 * from the ones before: reading and encoding a row cost about as much as learning from it, and a replay has the
 * second core to itself. The caller sees exactly the sequence a reader in its own thread would produce, in order: the
 * rows before a malformed one, then its {@code InputFileException} (the very exception), and nothing after it.
 *
 * <p>At most {@code depth} batches wait, so memory stays bounded whatever the file's length. {@link #close} stops the
 * thread and waits for it, whether the file was read to its end or not (an error, a rejected event, an interrupt):
 * no thread outlives the replay, and each file is closed by the thread that opened it.
 */
final class PrefetchedBatches implements AutoCloseable {

    /** Rows a batch: enough to make the hand-over rare. */
    static final int BATCH_ROWS = 2048;
    /** Rows of the first batch, which the learner waits for while the reader's code is still interpreted. */
    private static final int FIRST_BATCH_ROWS = 64;
    /** Batches read ahead at most. */
    static final int DEPTH = 8;

    /** A batch and its file's name, the end of the input (both null), or the failure that ended it. */
    private record Item(EventBatch batch, String file, Throwable failure) {
    }

    private static final Item END = new Item(null, null, null);

    private final BlockingQueue<Item> queue;
    private final Thread thread;
    private volatile boolean stopped;
    private boolean ended;
    private String currentFile;

    /** Starts reading {@code input} {@code epochs} times, in batches of {@link #BATCH_ROWS}, {@link #DEPTH} ahead. */
    PrefetchedBatches(Path input, EventFile.Layout layout, int epochs) {
        this(input, layout, epochs, BATCH_ROWS, DEPTH);
    }

    /** Starts reading {@code input} {@code epochs} times, in batches of up to {@code batchSize} rows. */
    PrefetchedBatches(Path input, EventFile.Layout layout, int epochs, int batchSize, int depth) {
        queue = new ArrayBlockingQueue<>(depth);
        thread = new Thread(() -> read(input, layout, epochs, batchSize), "inertia-replay-reader");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The next batch (never empty), or null after the last one; rethrows what ended the reading, when the batches
     * before it have been taken.
     *
     * @throws CancellationException when this thread is interrupted while waiting (its interrupt flag stays set)
     */
    EventBatch next() {
        if (ended) {
            return null;
        }
        Item item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("replay interrupted");
        }
        if (item.failure != null) {
            ended = true;
            if (item.failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw (Error) item.failure;
        }
        if (item == END) {
            ended = true;
            return null;
        }
        currentFile = item.file;
        return item.batch;
    }

    /** The name of the file the last batch came from (as {@link EventFile#name}). */
    String file() {
        return currentFile;
    }

    /** Stops the reader and waits until it has closed its file and ended. */
    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                // The reader ends promptly once interrupted; the caller's interrupt is kept for it to see.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void read(Path input, EventFile.Layout layout, int epochs, int batchSize) {
        try {
            int size = Math.min(FIRST_BATCH_ROWS, batchSize);
            for (int epoch = 0; epoch < epochs && !stopped; epoch++) {
                try (EventFile file = EventFile.open(input, layout)) {
                    boolean more = true;
                    while (more && !stopped) {
                        EventBatch batch = new EventBatch(size);
                        size = Math.min(size * 2, batchSize);
                        try {
                            more = file.fill(batch);
                        } catch (RuntimeException | Error e) {
                            // The rows before the malformed one first, then why it stopped.
                            if (batch.size() > 0) {
                                queue.put(new Item(batch, file.name(), null));
                            }
                            throw e;
                        }
                        if (batch.size() > 0) {
                            queue.put(new Item(batch, file.name(), null));
                        }
                    }
                }
            }
            queue.put(END);
        } catch (InterruptedException e) {
            // Closed by the consumer: nobody waits for more.
        } catch (RuntimeException | Error e) {
            if (!stopped) {
                try {
                    queue.put(new Item(null, null, e));
                } catch (InterruptedException closed) {
                    // Closed meanwhile: nobody waits for the failure either.
                }
            }
        }
    }
}
