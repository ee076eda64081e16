package io.inertia.topology;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelCoordinate;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.EventDecoder;
import io.inertia.serde.InertiaSerdes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.errors.TaskMigratedException;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A learner task whose stream thread's transaction was aborted while the task went on (Kafka Streams closing another
 * task of the thread dirty, see {@link TransactionAborts}) must not process or commit anything more: the outputs of
 * the events it learned since its last commit are gone. Processor tier: the learner processor and its stores, driven
 * by {@link MockProcessorContext}; a {@link WorkingModelStore#flushCache()} stands for a commit.
 */
class AbortedTransactionTest {

    private final InertiaConfig config = InertiaConfig.defaults();
    private final TransactionAborts aborts = new TransactionAborts();
    private MockProcessorContext<byte[], byte[]> context;
    private WorkingModelStore working;
    private LearnerProcessor processor;
    private long offset;

    @BeforeEach
    void start() {
        context = new MockProcessorContext<>();
        KeyValueStore<String, ModelSnapshot> headers = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(ModelStore.NAME), Serdes.String(), InertiaSerdes.modelSnapshot())
                .withLoggingDisabled().withCachingDisabled().build();
        KeyValueStore<String, ModelSnapshotPart> parts = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(ModelStore.PARTS), Serdes.String(), InertiaSerdes.modelSnapshotPart())
                .withLoggingDisabled().withCachingDisabled().build();
        KeyValueStore<String, ModelCoordinate> coordinates = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(ModelStore.COORDINATES), Serdes.String(),
                InertiaSerdes.modelCoordinate()).withLoggingDisabled().withCachingDisabled().build();
        working = WorkingModelStore.builder(new WorkingModelStore.MemoryBudget(1L << 30), aborts).build();
        for (StateStore store : List.<StateStore>of(headers, parts, coordinates, working)) {
            store.init(context.getStateStoreContext(), store);
            context.addStateStore(store);
        }
        processor = new LearnerProcessor(config.learner(), SnapshotCodec.hyperParameters(config),
                config.snapshotEvery(), config.hashBits(), config.onDivergence(), config.maxRecordBytes(), 0,
                new EventDecoder(), false, LearningObserver.NONE);
        processor.init(context);
    }

    @Test
    void shouldRefuseTheNextEventAndTheCommitOnceTheTransactionItWroteIntoWasAborted() {
        learn();
        aborts.aborted();

        assertThrows(TaskMigratedException.class, this::learn);
        assertThrows(TaskMigratedException.class, working::flushCache, "a commit would make the loss permanent");
        assertEquals(1, context.forwarded().size(), "only the prediction of the event before the abort");
    }

    @Test
    void shouldGoOnWhenTheAbortCameAfterItsLastCommitAndBeforeItsNextWrite() {
        learn();
        working.flushCache();
        aborts.aborted();

        assertDoesNotThrow(this::learn);
        assertDoesNotThrow(working::flushCache);
        assertDoesNotThrow(this::learn);
    }

    @Test
    void shouldGoOnWhenAnotherStreamThreadsProducerAborted() throws InterruptedException {
        learn();
        Thread other = new Thread(aborts::aborted);
        other.start();
        other.join();

        assertDoesNotThrow(this::learn);
        assertDoesNotThrow(working::flushCache);
    }

    @Test
    void shouldStartAfreshWhenKafkaStreamsInitialisesTheStoreAgain() {
        learn();
        aborts.aborted();
        // A task closed dirty and revived: its stores are initialised again and its working models rebuilt.
        working.close();
        working.init(context.getStateStoreContext(), working);

        assertDoesNotThrow(this::learn);
        assertDoesNotThrow(working::flushCache);
    }

    private void learn() {
        LabeledEvent event = LabeledEvent.newBuilder().setModelKey("m").setNamedFeatures(Map.of("a", 1.0))
                .setLabel(1.0).build();
        context.setRecordMetadata(config.inputTopic(), 0, offset++);
        processor.process(new Record<>("m".getBytes(StandardCharsets.UTF_8),
                InertiaSerdes.labeledEvent().serialize(config.inputTopic(), event), offset));
    }
}
