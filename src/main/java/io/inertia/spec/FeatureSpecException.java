package io.inertia.spec;

import java.util.List;

/** A feature spec that cannot be used: one line per mistake, each naming the file and where in it. */
public final class FeatureSpecException extends RuntimeException {

    private final List<String> problems;

    /** The mistakes {@code problems}, one line each. */
    public FeatureSpecException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Every mistake, one line each. */
    public List<String> problems() {
        return problems;
    }
}
