package dev.ponder.app.testing;

import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.serde.SpecificAvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the two output topics as a downstream consumer does, read_committed, from the beginning, and keeps
 * every record: duplicates are counted, not collapsed.
 */
public final class Results implements AutoCloseable {
    /** One output record: its key as text, the request_id header, the value. */
    public record Out<T>(String key, String headerId, T value, String topic, int partition) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final SpecificAvroSerde<ReasoningRecord> reasoningSerde = new SpecificAvroSerde<>(ReasoningRecord.class);
    private final SpecificAvroSerde<AnswerRecord> answerSerde = new SpecificAvroSerde<>(AnswerRecord.class);
    private final String reasoningTopic;
    public final List<Out<ReasoningRecord>> reasoning = new ArrayList<>();
    public final List<Out<AnswerRecord>> answers = new ArrayList<>();

    public Results(TestSetup setup) {
        this(setup.reasoning, setup.answers, setup.registryUrl);
    }

    public Results(String reasoningTopic, String answersTopic, String registryUrl) {
        this.reasoningTopic = reasoningTopic;
        reasoningSerde.configure(Map.of("schema.registry.url", registryUrl), false);
        answerSerde.configure(Map.of("schema.registry.url", registryUrl), false);
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "results-" + UUID.randomUUID(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(reasoningTopic, answersTopic)) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Polls until {@code done} holds or the timeout passes; returns whether it held. */
    public boolean awaitUntil(Predicate<Results> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(this)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            poll(Duration.ofMillis(200));
        }
        return true;
    }

    /** Waits for at least {@code n} answers (and as many reasoning records). */
    public boolean awaitAnswers(int n, Duration timeout) {
        return awaitUntil(r -> r.answers.size() >= n && r.reasoning.size() >= n, timeout);
    }

    public void poll(Duration timeout) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            Header h = r.headers().lastHeader("request_id");
            String headerId = h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
            if (r.topic().equals(reasoningTopic)) {
                reasoning.add(new Out<>(key, headerId, reasoningSerde.deserializer().deserialize(r.topic(), r.value()), r.topic(), r.partition()));
            } else {
                answers.add(new Out<>(key, headerId, answerSerde.deserializer().deserialize(r.topic(), r.value()), r.topic(), r.partition()));
            }
        }
    }

    /** Keeps polling for a while to catch anything late (duplicates), e.g. after the expected count arrived. */
    public void drain(Duration period) {
        long deadline = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < deadline) {
            poll(Duration.ofMillis(200));
        }
    }

    public List<String> answerIds() {
        return answers.stream().map(o -> o.value().getRequestId()).toList();
    }

    public List<String> reasoningIds() {
        return reasoning.stream().map(o -> o.value().getRequestId()).toList();
    }

    public AnswerRecord answer(String id) {
        return answers.stream().map(Out::value).filter(a -> a.getRequestId().equals(id)).findFirst().orElse(null);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
