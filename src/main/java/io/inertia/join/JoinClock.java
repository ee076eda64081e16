package io.inertia.join;

/**
 * The two clocks of one task's join, each the largest record timestamp read so far on one input partition. An entry
 * is due when the clock it waits on passes its deadline; an event never expires because the event topic ran ahead, nor
 * an outcome because the outcome topic did.
 */
public enum JoinClock {
    /** The event topic's clock: outcomes waiting for their event expire on it. */
    EVENT((byte) 'E'),
    /** The outcome topic's clock: events waiting for their outcome, and remembered decided ids, expire on it. */
    OUTCOME((byte) 'O');

    private final byte tag;

    JoinClock(byte tag) {
        this.tag = tag;
    }

    /** The first byte of this clock's keys in the deadline index. */
    byte tag() {
        return tag;
    }
}
