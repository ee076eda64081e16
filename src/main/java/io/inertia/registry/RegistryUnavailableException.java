package io.inertia.registry;

/**
 * The schema registry did not answer usefully within the time allowed (refused or timed-out connections, 5xx, 401 or
 * 403, an answer that is not a registry's): an outage or a misconfiguration, never the record's fault. The record
 * that needed the schema is neither learned nor dead-lettered; the live learner's stream thread is replaced and
 * resumes from its last commit, a replay stops.
 */
public final class RegistryUnavailableException extends RuntimeException {

    /** An outage described by {@code message}, one line. */
    public RegistryUnavailableException(String message) {
        super(message);
    }
}
