package io.inertia.config;

import java.util.List;

/** Thrown when a configuration is invalid; {@link #problems()} has one line per problem. */
public final class ConfigException extends RuntimeException {

    private final List<String> problems;

    /** An exception listing {@code problems}, one line each. */
    public ConfigException(List<String> problems) {
        super(String.join(System.lineSeparator(), problems));
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, one line each. */
    public List<String> problems() {
        return problems;
    }
}
