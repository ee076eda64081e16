package io.inertia.soak;

/** Why the soak could not go on (not a mismatch: the harness, the cluster or an instance failed); one line. */
final class SoakFailure extends RuntimeException {
    SoakFailure(String message) {
        super(message);
    }
}
