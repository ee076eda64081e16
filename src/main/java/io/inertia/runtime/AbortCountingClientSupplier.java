package io.inertia.runtime;

import io.inertia.topology.TransactionAborts;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * Kafka Streams' clients, as Kafka Streams makes them by default, except that every producer reports each transaction
 * it aborts to {@link TransactionAborts}: the learner's tasks need to know when their stream thread's transaction was
 * aborted without them being closed (see there).
 */
public final class AbortCountingClientSupplier implements KafkaClientSupplier {

    private final TransactionAborts aborts;

    /** A supplier whose producers count their aborts in {@code aborts}. */
    public AbortCountingClientSupplier(TransactionAborts aborts) {
        this.aborts = aborts;
    }

    @Override
    public Admin getAdmin(Map<String, Object> config) {
        return Admin.create(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return new AbortCountingProducer(new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer()), aborts);
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return getConsumer(config);
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        return getConsumer(config);
    }

    /** A producer that does what its delegate does and counts the aborts. */
    static final class AbortCountingProducer extends ForwardingProducer {
        private final TransactionAborts aborts;

        AbortCountingProducer(Producer<byte[], byte[]> delegate, TransactionAborts aborts) {
            super(delegate);
            this.aborts = aborts;
        }

        @Override
        public void abortTransaction() {
            // Counted before the call: a task's records may be gone even when the abort itself times out.
            aborts.aborted();
            super.abortTransaction();
        }
    }
}
