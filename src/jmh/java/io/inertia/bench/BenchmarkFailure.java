package io.inertia.bench;

/** A failure of the end-to-end benchmark itself (not of the application measured), with a one-line message. */
final class BenchmarkFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BenchmarkFailure(String message) {
        super(message);
    }
}
