package io.inertia.cli;

/** A command that cannot go on; the message is the one line shown to the user. */
final class CommandFailedException extends RuntimeException {

    CommandFailedException(String message) {
        super(message);
    }

    CommandFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
