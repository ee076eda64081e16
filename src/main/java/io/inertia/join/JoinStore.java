package io.inertia.join;

import java.util.List;

/**
 * The state {@link OutcomeJoin} decides on: entries by model key and event id, a time-ordered index of their
 * deadlines per clock, and the clocks. Every change is part of the processing of one input record, so an
 * implementation over changelogged stores commits it with that record's offset.
 */
public interface JoinStore {

    /** The entry of {@code eventId} of model {@code modelKey}, or null. */
    Pending get(String modelKey, String eventId);

    /**
     * Stores {@code entry} for {@code eventId} of {@code modelKey}, in place of {@code previous} (what {@link #get}
     * returned, or null), and indexes it under its deadline on its clock.
     */
    void put(String modelKey, String eventId, Pending previous, Pending entry);

    /** Removes {@code entry}, the entry of {@code eventId} of {@code modelKey}, and its index entry. */
    void remove(String modelKey, String eventId, Pending entry);

    /** Removes an index entry whose entry is not there as indexed (a state written by a faulty version). */
    void removeIndex(Due due);

    /**
     * The clock's time: the largest timestamp read on its side, up to which every entry waiting on it has been
     * decided (its low-water mark); {@link Long#MIN_VALUE} before the first record.
     */
    long clock(JoinClock clock);

    /** Sets the clock to {@code time}, once everything due before it has been decided. */
    void setClock(JoinClock clock, long time);

    /**
     * At most {@code limit} index entries of {@code clock} with a deadline at or after {@code from} (the clock's
     * low-water mark) and before {@code before}, in index order (deadline, then model key, then event id), starting
     * after {@code after} when it is not null: a scan resumes where the last one stopped, never over what it decided.
     */
    List<Due> due(JoinClock clock, long from, Due after, long before, int limit);

    /**
     * One index entry.
     *
     * @param clock its clock
     * @param deadline its deadline
     * @param modelKey the model key
     * @param eventId the event id
     */
    record Due(JoinClock clock, long deadline, String modelKey, String eventId) {
    }
}
