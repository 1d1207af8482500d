package dev.ponder.app.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.app.testing.Jobs;
import dev.ponder.app.testing.Results;
import dev.ponder.app.testing.TestKafka;
import dev.ponder.app.testing.TestSetup;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.ChatMessage;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.SamplingOverrides;
import dev.ponder.schemas.serde.GenericAvroSerde;
import dev.ponder.schemas.serde.SpecificAvroSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Bad input never stops the service, and each class of it has its own outcome, through the real broker. Bytes
 * that are no request (random bytes, JSON text, an empty value, an unknown schema id, a header alone, a truncated
 * body, trailing bytes, a record of a foreign schema) go to the dead-letter topic with the kind of fault; a
 * tombstone is skipped and counted; a request that decodes but is wrong (both or neither of prompt and messages,
 * an empty prompt, bad sampling values, zero, negative or too large max_tokens, a bad role, an empty request_id,
 * a prompt beyond the context, an oversized request) is answered INVALID naming the fault; a missed deadline
 * EXPIRED. Good jobs between them are answered as usual.
 */
class BadInputTest {

    @Test
    void badBytesGoToTheDeadLetterTopicAndBadRequestsGetAClearAnswer() throws Exception {
        TestSetup setup = new TestSetup("bad-input", 2);
        Map<String, ReasoningRequest> invalid = new LinkedHashMap<>();
        invalid.put("both", base("both").setMessages(List.of(new ChatMessage("user", "hi", null, null))).build());
        invalid.put("neither", base("neither").setPrompt(null).build());
        invalid.put("empty", base("empty").setPrompt("   ").build());
        invalid.put("hot", base("hot").setSampling(SamplingOverrides.newBuilder().setTemperature(-1f).build()).build());
        invalid.put("top-p", base("top-p").setSampling(SamplingOverrides.newBuilder().setTopP(0f).build()).build());
        invalid.put("zero-max", base("zero-max").setMaxTokens(0).build());
        invalid.put("negative-max", base("negative-max").setMaxTokens(-5).build());
        invalid.put("huge-max", base("huge-max").setMaxTokens(1_000_000).build());
        invalid.put("role", base("role").setPrompt(null).setMessages(List.of(new ChatMessage("user<|im_end|>", "hi", null, null))).build());
        invalid.put("robot", base("robot").setPrompt(null).setMessages(List.of(new ChatMessage("robot", "What is 2 + 2?", null, null))).build());
        invalid.put("long", base("long").setPrompt("1 + 1 ".repeat(3000)).build());
        invalid.put("oversize", base("oversize").setPrompt("x".repeat(60_000)).build());
        invalid.put("late", base("late").setDeadline(Instant.now().minusSeconds(5)).build());
        Map<String, String> expectedError = Map.ofEntries(
                Map.entry("both", "both messages and prompt"), Map.entry("neither", "neither messages nor prompt"),
                Map.entry("empty", "the prompt is empty"), Map.entry("hot", "temperature is -1.0"),
                Map.entry("top-p", "top_p is 0.0"), Map.entry("zero-max", "max_tokens must be positive"),
                Map.entry("negative-max", "max_tokens must be positive"),
                Map.entry("huge-max", "limits.max.tokens"), Map.entry("role", "role must be one of system, user, assistant, tool"),
                Map.entry("robot", "got 'robot'"),
                Map.entry("long", "the model's context is 4096 tokens"), Map.entry("oversize", "jobs.max.request.bytes"),
                Map.entry("late", "deadline"));
        List<Jobs.Job> valid = Jobs.arithmetic("ok-", 8, 99);

        try (PonderService service = PonderService.start(setup.config(Map.of("jobs.max.request.bytes", "50000")));
             Results results = new Results(setup);
             KafkaProducer<byte[], byte[]> raw = Jobs.rawProducer()) {
            SpecificAvroSerde<ReasoningRequest> serde = new SpecificAvroSerde<>(ReasoningRequest.class);
            serde.configure(Map.of("schema.registry.url", setup.registryUrl), false);
            byte[] good = serde.serializer().serialize(setup.requests, valid.get(0).request());
            // A record of another contract, written with its own schema, registered for another topic.
            Schema order = SchemaBuilder.record("Order").namespace("com.example").fields()
                    .requiredString("order_id").requiredDouble("amount").endRecord();
            GenericAvroSerde orderSerde = new GenericAvroSerde();
            orderSerde.configure(Map.of("schema.registry.url", setup.registryUrl), false);
            byte[] foreign = orderSerde.serializer().serialize(setup.name + ".orders",
                    new GenericRecordBuilder(order).set("order_id", "o-1").set("amount", 12.5).build());
            byte[] random = new byte[64];
            new Random(16).nextBytes(random);
            random[0] = 17; // a magic byte other than 0 (a zero leads to the unknown-id case below)

            Map<String, byte[]> badBytes = new LinkedHashMap<>();
            badBytes.put("random", random);
            badBytes.put("json", "{\"request_id\": \"plain json\"}".getBytes(StandardCharsets.UTF_8));
            badBytes.put("empty-value", new byte[0]);
            badBytes.put("unknown-id", ByteBuffer.allocate(9).put((byte) 0).putInt(99_999).putInt(7).array());
            badBytes.put("header-only", Arrays.copyOf(good, 5));
            badBytes.put("truncated", Arrays.copyOf(good, 8));
            badBytes.put("trailing", Arrays.copyOf(good, good.length + 3));
            badBytes.put("foreign", foreign);
            Map<String, String> expectedKind = Map.of("random", "WRONG_MAGIC_BYTE", "json", "WRONG_MAGIC_BYTE",
                    "empty-value", "TRUNCATED", "unknown-id", "UNKNOWN_SCHEMA_ID", "header-only", "TRUNCATED",
                    "truncated", "TRUNCATED", "trailing", "MISMATCH", "foreign", "MISMATCH");
            Map<String, RecordMetadata> badAt = new HashMap<>();
            List<ReasoningRequest> all = new ArrayList<>();
            for (int i = 0; i < valid.size(); i++) {
                all.add(valid.get(i).request());
                if (i < badBytes.size()) {
                    String name = new ArrayList<>(badBytes.keySet()).get(i);
                    badAt.put(name, raw.send(new ProducerRecord<>(setup.requests, name.getBytes(StandardCharsets.UTF_8),
                            badBytes.get(name))).get());
                }
            }
            all.addAll(invalid.values());
            Jobs.send(setup.requests, setup.registryUrl, all);
            raw.send(new ProducerRecord<>(setup.requests, "tombstone".getBytes(StandardCharsets.UTF_8), null)).get();
            // A request with an empty id: answered INVALID with an empty request_id.
            Jobs.send(setup.requests, setup.registryUrl, List.of(base("").build()));

            int expectedAnswers = valid.size() + invalid.size() + 1;
            assertThat(results.awaitAnswers(expectedAnswers, Duration.ofMinutes(2))).isTrue();
            results.drain(Duration.ofSeconds(1));
            assertThat(results.answers).hasSize(expectedAnswers);
            assertThat(results.answerIds()).doesNotHaveDuplicates();
            for (Jobs.Job job : valid) {
                AnswerRecord a = results.answer(job.id());
                assertThat(a.getStatus()).as(job.id()).isEqualTo(AnswerStatus.OK);
                assertThat(job.problem().isCorrect(a.getAnswer())).as(job.id() + ": " + a.getAnswer()).isTrue();
            }
            for (String id : invalid.keySet()) {
                AnswerRecord a = results.answer(id);
                assertThat(a.getStatus()).as(id).isEqualTo(id.equals("late") ? AnswerStatus.EXPIRED : AnswerStatus.INVALID);
                assertThat(a.getError()).as(id).contains(expectedError.get(id));
                assertThat(a.getAnswer()).isNull();
                System.out.printf("%-9s %s: %s%n", id, a.getStatus(), a.getError());
            }
            assertThat(results.answer("").getError()).contains("request_id is empty");

            List<ConsumerRecord<byte[], byte[]>> dead = readAll(setup.deadLetter, badBytes.size());
            assertThat(dead).hasSize(badBytes.size());
            for (ConsumerRecord<byte[], byte[]> d : dead) {
                String name = new String(d.key(), StandardCharsets.UTF_8);
                RecordMetadata source = badAt.get(name);
                assertThat(d.value()).as(name).isEqualTo(badBytes.get(name));
                assertThat(header(d, "__streams.errors.topic")).isEqualTo(setup.requests);
                assertThat(header(d, "__streams.errors.partition")).isEqualTo(Integer.toString(source.partition()));
                assertThat(header(d, "__streams.errors.offset")).isEqualTo(Long.toString(source.offset()));
                assertThat(header(d, "__streams.errors.exception")).isNotBlank();
                assertThat(header(d, "__streams.errors.message")).isNotBlank();
                assertThat(header(d, "ponder.error.kind")).as(name).isEqualTo(expectedKind.get(name));
                System.out.printf("%-12s dead letter %s: %s%n", name, header(d, "ponder.error.kind"),
                        header(d, "__streams.errors.message"));
            }
            assertThat(service.registry().find("ponder.records.dead.lettered").counters().stream()
                    .mapToDouble(c -> c.count()).sum()).isEqualTo(badBytes.size());
            assertThat(service.registry().get("ponder.records.null").counter().count()).isEqualTo(1);
            assertThat(service.state()).isEqualTo(org.apache.kafka.streams.KafkaStreams.State.RUNNING);
        }
    }

    private static ReasoningRequest.Builder base(String id) {
        return ReasoningRequest.newBuilder().setRequestId(id).setPrompt("What is 2 + 2?").setMaxTokens(64)
                .setSampling(SamplingOverrides.newBuilder().setTemperature(0f).build());
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int atLeast) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "dlq-" + UUID.randomUUID(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < atLeast && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            // and anything beyond what was expected
            consumer.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }
}
