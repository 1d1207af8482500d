package dev.ponder.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ponder.app.config.ServiceConfig;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.json.RecordJson;
import dev.ponder.schemas.serde.AvroSerdes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Follow the answers topic (or the reasoning topic, or both) and print each record as one",
                "line of JSON (the plain JSON of schemas/README.md), or write them to a JSONL file.",
                "Reads committed records only (read_committed), from the start with --from-beginning."})
final class TailCommand implements Callable<Integer> {
    enum What { answers, reasoning, both }

    @Mixin
    ClientOptions client;

    @Option(names = "--what", defaultValue = "answers", description = "answers, reasoning or both (default: ${DEFAULT-VALUE}); with both, each line gets a \"record\" field.")
    What what;

    @Option(names = "--from-beginning", description = "Start at the beginning of the topic instead of its end.")
    boolean fromBeginning;

    @Option(names = {"-n", "--max"}, paramLabel = "N", description = "Stop after N records.")
    Long max;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", description = "Stop when nothing arrives for this long (default: follow forever).")
    Double idleTimeout;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the JSON lines to FILE instead of standard output.")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        ServiceConfig settings = client.settings();
        Map<String, Object> serde = client.serde(settings);
        Deserializer<AnswerRecord> answers = AvroSerdes.create(settings.string("serde.class"), AnswerRecord.class, serde, false).deserializer();
        Deserializer<ReasoningRecord> reasoning = AvroSerdes.create(settings.string("serde.class"), ReasoningRecord.class, serde, false)
                .deserializer();
        String answersTopic = what == What.answers && client.topic != null ? client.topic : settings.string("topics.answers");
        String reasoningTopic = what == What.reasoning && client.topic != null ? client.topic : settings.string("topics.reasoning");
        List<String> topics = switch (what) {
            case answers -> List.of(answersTopic);
            case reasoning -> List.of(reasoningTopic);
            case both -> List.of(reasoningTopic, answersTopic);
        };
        Map<String, Object> consumerConfig = client.kafka(settings, ConsumerConfig.configNames(), "consumer.");
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        long count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
             PrintWriter out = output == null ? spec.commandLine().getOut()
                     : new PrintWriter(Files.newBufferedWriter(output, StandardCharsets.UTF_8))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            if (partitions.isEmpty()) {
                throw new IllegalArgumentException("no such topic: " + topics);
            }
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            long idleLimitNanos = idleTimeout == null ? Long.MAX_VALUE : (long) (idleTimeout * 1e9);
            long lastRecord = System.nanoTime();
            while ((max == null || count < max) && System.nanoTime() - lastRecord < idleLimitNanos) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (max != null && count >= max) {
                        break;
                    }
                    lastRecord = System.nanoTime();
                    String line = render(r, r.topic().equals(answersTopic) ? answers : reasoning, r.topic().equals(answersTopic));
                    if (line != null) {
                        out.println(line);
                        count++;
                    }
                }
                out.flush();
            }
        }
        if (output != null) {
            spec.commandLine().getErr().printf("tail: wrote %d records to %s%n", count, output);
        }
        return 0;
    }

    /** One JSON line, or null (with a warning) for a record that cannot be read. */
    private String render(ConsumerRecord<byte[], byte[]> r, Deserializer<? extends SpecificRecord> deserializer, boolean isAnswer) {
        SpecificRecord value;
        try {
            value = deserializer.deserialize(r.topic(), r.headers(), r.value());
        } catch (RuntimeException e) {
            spec.commandLine().getErr().printf("tail: skipping %s-%d@%d: %s%n", r.topic(), r.partition(), r.offset(), e.getMessage());
            return null;
        }
        if (value == null) {
            return null;
        }
        String text = RecordJson.toJson(value);
        if (what != What.both) {
            return text;
        }
        try {
            ObjectNode node = json.createObjectNode();
            node.put("record", isAnswer ? "answer" : "reasoning");
            node.setAll((ObjectNode) json.readTree(text));
            return json.writeValueAsString(node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot re-render a record as JSON", e);
        }
    }
}
