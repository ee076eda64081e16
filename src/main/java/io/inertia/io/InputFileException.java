package io.inertia.io;

/** A malformed input file; the message is one line naming the file, the line and the reason. */
public final class InputFileException extends RuntimeException {

    /** An exception for line {@code line} of {@code file}. */
    public InputFileException(String file, long line, String reason) {
        super(file + ":" + line + ": " + reason);
    }

    /** An exception about {@code file} as a whole. */
    public InputFileException(String file, String reason) {
        super(file + ": " + reason);
    }
}
