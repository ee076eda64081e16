package io.inertia.serving;

/**
 * An answer other than 200, with the one-line message the client gets as {@code {"error": "…"}}. A 503 tells the client
 * to retry ({@code Retry-After: 1}), a 401 how to authenticate. No stack trace is kept: it never reaches a client.
 */
final class ApiError extends RuntimeException {

    private final int status;

    ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** The HTTP status. */
    int status() {
        return status;
    }

    /** 503: the stores or the owner of a model are not available now; the client should retry shortly. */
    static ApiError unavailable(String message) {
        return new ApiError(503, message);
    }
}
