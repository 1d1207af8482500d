package dev.ponder.app.stream;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The main consumer of Kafka Streams, made to stop fetching the requests topic while the instance holds
 * {@code jobs.max.in.flight} jobs (or drains for shutdown). Kafka Streams offers no way to pause one source
 * from a processor, and a processor that blocked until capacity frees would stall punctuation and commits of
 * every task on its thread (and, past {@code max.poll.interval.ms}, be thrown out of the group). Pausing the
 * partitions inside the consumer keeps {@code poll} running (the group membership, commits and punctuation
 * go on), keeps the backlog in the topic where consumer lag shows it, and bounds what the instance holds to
 * the limit plus what was already fetched (at most one poll, {@code max.poll.records}).
 *
 * <p>Kafka Streams pauses and resumes partitions itself (full input buffers); those calls are tracked apart
 * so that a resume from Streams never undoes the throttle, and {@link #paused()} shows Streams its own view.
 * All calls come from the stream thread that owns this consumer.
 */
final class ThrottledConsumer extends KafkaConsumer<byte[], byte[]> {
    private final String topic;
    private final BooleanSupplier full;
    private final Set<TopicPartition> pausedByStreams = new HashSet<>();
    private final Set<TopicPartition> pausedByUs = new HashSet<>();
    private final Runnable onChange;
    /** Read by other threads (metrics); the sets above belong to the stream thread. */
    private volatile boolean throttling;

    ThrottledConsumer(Map<String, Object> config, String topic, BooleanSupplier full, Runnable onChange) {
        super(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.full = full;
        this.onChange = onChange;
    }

    @Override
    public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        throttle();
        return super.poll(timeout);
    }

    private void throttle() {
        Set<TopicPartition> assigned = assignment();
        pausedByStreams.retainAll(assigned);
        pausedByUs.retainAll(assigned);
        boolean wasThrottling = !pausedByUs.isEmpty();
        if (full.getAsBoolean()) {
            List<TopicPartition> toPause = assigned.stream()
                    .filter(tp -> tp.topic().equals(topic) && !pausedByUs.contains(tp)).toList();
            if (!toPause.isEmpty()) {
                super.pause(toPause);
                pausedByUs.addAll(toPause);
            }
        } else if (!pausedByUs.isEmpty()) {
            List<TopicPartition> toResume = pausedByUs.stream().filter(tp -> !pausedByStreams.contains(tp)).toList();
            super.resume(toResume);
            pausedByUs.clear();
        }
        throttling = !pausedByUs.isEmpty();
        if (wasThrottling != throttling) {
            onChange.run();
        }
    }

    boolean throttling() {
        return throttling;
    }

    @Override
    public void pause(Collection<TopicPartition> partitions) {
        pausedByStreams.addAll(partitions);
        super.pause(partitions);
    }

    @Override
    public void resume(Collection<TopicPartition> partitions) {
        pausedByStreams.removeAll(partitions);
        super.resume(partitions.stream().filter(tp -> !pausedByUs.contains(tp)).toList());
    }

    @Override
    public Set<TopicPartition> paused() {
        Set<TopicPartition> view = new HashSet<>(super.paused());
        view.removeIf(tp -> pausedByUs.contains(tp) && !pausedByStreams.contains(tp));
        return view;
    }
}
