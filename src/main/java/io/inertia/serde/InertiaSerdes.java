package io.inertia.serde;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelCoordinate;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Prediction;

/** The one serde of each schema. Each call returns a new instance: serdes are cheap and hold per-use buffers. */
public final class InertiaSerdes {

    private InertiaSerdes() {
    }

    /** Serde of {@link LabeledEvent}, the input events. */
    public static SingleObjectAvroSerde<LabeledEvent> labeledEvent() {
        return new SingleObjectAvroSerde<>(LabeledEvent.getClassSchema());
    }

    /** Serde of {@link ModelSnapshot}, the stored models and the published snapshots. */
    public static SingleObjectAvroSerde<ModelSnapshot> modelSnapshot() {
        return new SingleObjectAvroSerde<>(ModelSnapshot.getClassSchema());
    }

    /** Serde of {@link Prediction}, the prequential predictions. */
    public static SingleObjectAvroSerde<Prediction> prediction() {
        return new SingleObjectAvroSerde<>(Prediction.getClassSchema());
    }

    /** Serde of {@link ModelCoordinate}, one named weight in the coordinate store. */
    public static SingleObjectAvroSerde<ModelCoordinate> modelCoordinate() {
        return new SingleObjectAvroSerde<>(ModelCoordinate.getClassSchema());
    }
}
