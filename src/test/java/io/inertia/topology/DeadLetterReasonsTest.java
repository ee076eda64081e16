package io.inertia.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DeadLetterReasonsTest {

    @Test
    void shouldNameTheCategoryOfEachKindOfReasonTheLearnerGives() {
        assertEquals("undecodable", DeadLetterReasons.category(
                "cannot deserialize topic 'labeled-events': not a single-object encoded record"));
        assertEquals("missing-key", DeadLetterReasons.category(
                "record key is null or empty; events must be keyed by model key"));
        assertEquals("null-value", DeadLetterReasons.category("record value is null"));
        assertEquals("key-mismatch", DeadLetterReasons.category("record key 'a' differs from event modelKey 'b'"));
        assertEquals("invalid-key", DeadLetterReasons.category("model key contains a NUL character"));
        assertEquals("invalid-key", DeadLetterReasons.category("eventId is longer than 1000 characters"));
        assertEquals("divergence", DeadLetterReasons.category(
                "update would make weight 'x' non-finite (divergence); model left unchanged"));
        assertEquals("halted", DeadLetterReasons.category("model 'm' is halted after a divergence"));
        assertEquals("dense-length", DeadLetterReasons.category("dense vector has 3 features but the model has 2"));
        assertEquals("invalid-label", DeadLetterReasons.category("label 2.0 is not a class (0, 1 or -1)"));
        assertEquals("invalid-feature", DeadLetterReasons.category("event has neither dense nor named features"));
        assertEquals("invalid-weight", DeadLetterReasons.category("weight -1.0 must be a finite number >= 0"));
        assertEquals("incompatible-model", DeadLetterReasons.category(
                "stored model keeps 2 state values per parameter but this learner needs 1 [velocity]"));
        assertEquals("incompatible-model", DeadLetterReasons.category(
                "stored model has 1 output but this learner's loss needs 3"));
        assertEquals("invalid-label", DeadLetterReasons.category(
                "label 3.0 is not a class of the softmax loss: expected an integer in 0..2"));
        assertEquals("other", DeadLetterReasons.category("anything else"));
    }
}
