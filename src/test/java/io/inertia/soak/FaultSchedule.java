package io.inertia.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The faults of a soak, cycle by cycle: a pure function of the seed, the number of cycles and of instances, so that a
 * run with the same {@code --seed} injects the same faults in the same order (the moments differ with the machine's
 * speed).
 *
 * <p>Each cycle has one main fault. Every five cycles form a block holding each of the five kinds once: SIGKILL or
 * SIGTERM of one instance, each followed by a restart with or without its state directory, and a broker restart. The
 * block's first three cycles are a shuffle of {@link Kind#KILL_WITHOUT_STATE}, {@link Kind#STOP_WITH_STATE} and
 * {@link Kind#BROKER_RESTART}, its last two a shuffle of the other two kinds, so that three cycles already kill, stop,
 * restart with and without state, and bounce the broker, and twenty cycles do each of the five four times.
 *
 * <p>After an instance's restart a cycle may add a second fault while the group rebalances for it (a moment after the
 * group lists the restarted instance as a member): SIGKILL or SIGTERM of another instance, which comes back with its
 * state directory. Only one instance is ever down at a time, so at
 * least two of three run except while the broker restarts.
 */
final class FaultSchedule {

    /** The kinds of main fault. */
    enum Kind {
        /** SIGKILL of an instance, then a restart with the same state directory. */
        KILL_WITH_STATE(true, true),
        /** SIGKILL of an instance, then a restart with its state directory deleted. */
        KILL_WITHOUT_STATE(true, false),
        /** SIGTERM of an instance (a clean close that leaves the group), then a restart with its state directory. */
        STOP_WITH_STATE(false, true),
        /** SIGTERM of an instance, then a restart with its state directory deleted. */
        STOP_WITHOUT_STATE(false, false),
        /** {@code kafka-local.sh stop}, then {@code start}; the instances keep running. */
        BROKER_RESTART(false, true);

        private final boolean kill;
        private final boolean keepState;

        Kind(boolean kill, boolean keepState) {
            this.kill = kill;
            this.keepState = keepState;
        }

        /** Whether the instance is SIGKILLed (else SIGTERMed); false for a broker restart. */
        boolean kill() {
            return kill;
        }

        /** Whether the instance restarts with its state directory; true for a broker restart. */
        boolean keepState() {
            return keepState;
        }
    }

    /**
     * A fault of one instance during the rebalance that the main fault's restart starts.
     *
     * @param instance the instance (never the main fault's)
     * @param kill SIGKILL, else SIGTERM
     * @param afterRestartMs how long after the group lists the restarted instance it strikes
     * @param downMs how long the instance stays down before it restarts with its state directory
     */
    record SecondFault(int instance, boolean kill, long afterRestartMs, long downMs) {
    }

    /**
     * One cycle.
     *
     * @param number 1, 2, …
     * @param kind its main fault
     * @param instance the instance the main fault strikes (unused for a broker restart)
     * @param learnBeforeMs learning with input before the fault
     * @param downMs how long the instance (or the broker) stays down
     * @param second a second fault during the rebalance, if any (never in a broker restart's cycle)
     * @param learnAfterMs learning with input after the last restart, before the input pauses for the check
     */
    record Cycle(int number, Kind kind, int instance, long learnBeforeMs, long downMs, Optional<SecondFault> second,
            long learnAfterMs) {
    }

    /** The kinds that open a block: these three already cover every sort of fault. */
    private static final List<Kind> FIRST = List.of(Kind.KILL_WITHOUT_STATE, Kind.STOP_WITH_STATE,
            Kind.BROKER_RESTART);
    private static final List<Kind> REST = List.of(Kind.KILL_WITH_STATE, Kind.STOP_WITHOUT_STATE);
    /** The chance of a second fault during the rebalance after a restart. */
    private static final double SECOND_FAULT = 0.35;
    /** Down times up to 15 s: an instance comes back both before and after its 10 s session expires. */
    private static final long MAX_DOWN_MS = 15_000;
    private static final long MAX_BROKER_DOWN_MS = 8_000;

    private FaultSchedule() {
    }

    /** The schedule of {@code cycles} cycles for {@code instances} (at least 3) instances, from {@code seed}. */
    static List<Cycle> plan(long seed, int cycles, int instances) {
        if (instances < 3) {
            throw new IllegalArgumentException("a soak needs at least 3 instances, so that 2 stay up; got " + instances);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Kind> kinds = new ArrayList<>();
        while (kinds.size() < cycles) {
            kinds.addAll(shuffled(FIRST, random));
            kinds.addAll(shuffled(REST, random));
        }
        List<Cycle> plan = new ArrayList<>();
        for (int i = 0; i < cycles; i++) {
            Kind kind = kinds.get(i);
            int instance = random.nextInt(instances);
            long learnBefore = 2_000 + random.nextLong(4_000);
            long down = kind == Kind.BROKER_RESTART ? 1_000 + random.nextLong(MAX_BROKER_DOWN_MS - 1_000)
                    : random.nextLong(MAX_DOWN_MS);
            Optional<SecondFault> second = Optional.empty();
            if (kind != Kind.BROKER_RESTART && random.nextDouble() < SECOND_FAULT) {
                int other = (instance + 1 + random.nextInt(instances - 1)) % instances;
                second = Optional.of(new SecondFault(other, random.nextBoolean(), random.nextLong(4_000),
                        1_000 + random.nextLong(7_000)));
            }
            long learnAfter = 2_000 + random.nextLong(4_000);
            plan.add(new Cycle(i + 1, kind, instance, learnBefore, down, second, learnAfter));
        }
        return List.copyOf(plan);
    }

    private static List<Kind> shuffled(List<Kind> kinds, SplittableRandom random) {
        List<Kind> copy = new ArrayList<>(kinds);
        for (int i = copy.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Kind swap = copy.get(i);
            copy.set(i, copy.get(j));
            copy.set(j, swap);
        }
        return copy;
    }
}
