package io.inertia.topology;

import io.inertia.avro.ModelSnapshot;
import java.util.List;

/**
 * For tests that compare the models of two runs fed at different input positions (a resumed run in a new driver, a
 * run without the bad events): a snapshot's {@code inputPosition} says where its last event was read, which differs
 * between such runs by construction, while every learned value must not.
 */
public final class InputPositions {

    private InputPositions() {
    }

    /** A copy of {@code snapshot} without its input position. */
    public static ModelSnapshot without(ModelSnapshot snapshot) {
        ModelSnapshot copy = ModelSnapshot.newBuilder(snapshot).build();
        copy.setInputPosition(null);
        return copy;
    }

    /** Copies of {@code snapshots} without their input positions. */
    public static List<ModelSnapshot> without(List<ModelSnapshot> snapshots) {
        return snapshots.stream().map(InputPositions::without).toList();
    }
}
