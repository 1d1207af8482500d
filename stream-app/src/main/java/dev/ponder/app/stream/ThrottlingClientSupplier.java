package dev.ponder.app.stream;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/** Kafka Streams' clients, with a {@link ThrottledConsumer} as the main consumer of every stream thread. */
public final class ThrottlingClientSupplier implements KafkaClientSupplier {
    private final String requestsTopic;
    private final BooleanSupplier full;
    private final List<ThrottledConsumer> consumers = new CopyOnWriteArrayList<>();
    private volatile boolean throttling;

    public ThrottlingClientSupplier(String requestsTopic, BooleanSupplier full) {
        this.requestsTopic = requestsTopic;
        this.full = full;
    }

    @Override
    public Admin getAdmin(Map<String, Object> config) {
        return Admin.create(config);
    }

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
        ThrottledConsumer consumer = new ThrottledConsumer(config, requestsTopic, full, this::refresh);
        consumers.add(consumer);
        return consumer;
    }

    @Override
    public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private void refresh() {
        throttling = consumers.stream().anyMatch(ThrottledConsumer::throttling);
    }

    /** Whether a stream thread has stopped fetching requests (for the metrics). */
    public boolean throttling() {
        return throttling;
    }
}
