package dev.ponder.app.demo;

import dev.ponder.app.config.ServiceConfig;
import dev.ponder.app.service.PonderService;
import dev.ponder.core.bench.ArithmeticProblems;
import dev.ponder.core.bench.Percentiles;
import dev.ponder.core.engine.EngineStats;
import dev.ponder.schemas.avro.AnswerChoice;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.AnswerVote;
import dev.ponder.schemas.avro.ChatMessage;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.ResponseFormat;
import dev.ponder.schemas.avro.SamplingOverrides;
import dev.ponder.schemas.avro.ToolDefinition;
import dev.ponder.schemas.serde.SpecificAvroSerde;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The embedded demo: a broker in this JVM, an in-process schema registry, the service with the bundled
 * tiny reasoner, arithmetic jobs produced by a plain Kafka producer, and the results read back by a plain
 * read_committed consumer, checked by arithmetic.
 */
public final class Demo {
    /** The request id of the demo's tool-calling job. */
    static final String TOOL_JOB = "demo-tool";
    /** The request id of the demo's structured job: five chains, a format for the answer, and their vote. */
    static final String STRUCTURED_JOB = "demo-structured";
    private static final String STRUCTURED_QUESTION = "What is 318 + 407?";
    private static final String STRUCTURED_REGEX = "The answer is -?[0-9]+\\.";
    /** The demo's settings. */
    public record Options(int jobs, long seed, String model, Integer threads, int badRecords, Duration timeout,
                          boolean printJobs) {
    }

    private static final String REGISTRY = "mock://ponder-demo";

    private final Options options;
    private final PrintWriter out;
    private final Consumer<String> progress;

    public Demo(Options options, PrintWriter out, Consumer<String> progress) {
        this.options = options;
        this.out = out;
        this.progress = progress;
    }

    /** Runs the whole demo on a broker that the caller started (and may keep running afterwards). */
    public DemoSummary run(String bootstrapServers) throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("kafka.bootstrap.servers", bootstrapServers);
        settings.put("kafka.application.id", "ponder-demo");
        settings.put("serde.schema.registry.url", REGISTRY);
        settings.put("topics.create", "true");
        settings.put("topics.partitions", "4");
        settings.put("http.port", "0");
        settings.put("kafka.commit.interval.ms", "200");
        // A fresh state directory: the broker is new every run, so state left by an earlier run must not be reused.
        Path stateDir = Files.createTempDirectory("ponder-demo-state");
        settings.put("kafka.state.dir", stateDir.toString());
        if (options.model() != null) {
            settings.put("engine.model", options.model());
        }
        if (options.threads() != null) {
            settings.put("engine.threads", Integer.toString(options.threads()));
        }
        ServiceConfig config = ServiceConfig.of(Map.of(), Map.of(), settings);
        progress.accept("starting the service (model, Kafka Streams)...");
        try (PonderService service = PonderService.start(config)) {
            progress.accept("service up; metrics on http://localhost:" + service.httpPort() + "/metrics");
            return produceAndCollect(config, bootstrapServers, service);
        } finally {
            deleteTree(stateDir);
        }
    }

    private DemoSummary produceAndCollect(ServiceConfig config, String bootstrap, PonderService service) {
        List<ArithmeticProblems.Problem> problems = ArithmeticProblems.generate(options.jobs(), options.seed());
        Map<String, ArithmeticProblems.Problem> byId = new HashMap<>();
        Map<String, Long> sentAt = new HashMap<>();
        long start = System.nanoTime();
        try (KafkaProducer<String, ReasoningRequest> producer = producer(bootstrap)) {
            for (int i = 0; i < problems.size(); i++) {
                ArithmeticProblems.Problem p = problems.get(i);
                String id = "demo-" + i;
                byId.put(id, p);
                ReasoningRequest request = ReasoningRequest.newBuilder().setRequestId(id).setPrompt(p.prompt())
                        .setSystem(p.system()).setMaxTokens(256)
                        .setSampling(SamplingOverrides.newBuilder().setTemperature(0f).build())
                        .setMetadata(Map.of("expected", Long.toString(p.expected()))).build();
                sentAt.put(id, System.nanoTime());
                producer.send(new ProducerRecord<>(config.string("topics.requests"), id, request));
            }
            producer.send(new ProducerRecord<>(config.string("topics.requests"), TOOL_JOB, toolJob()));
            producer.send(new ProducerRecord<>(config.string("topics.requests"), STRUCTURED_JOB, structuredJob()));
            producer.flush();
        }
        sendBadRecords(bootstrap, config.string("topics.requests"));
        progress.accept("produced " + problems.size() + " jobs" + (options.badRecords() > 0
                ? " and " + options.badRecords() + " undeserializable records" : "") + "; waiting for answers");

        Map<String, ReasoningRecord> reasoning = new HashMap<>();
        Map<String, AnswerRecord> answers = new HashMap<>();
        Set<String> printed = new HashSet<>();
        Map<String, Integer> answerCounts = new HashMap<>();
        List<Double> latencies = new ArrayList<>();
        int correct = 0;
        int deadLettered = 0;
        long promptTokens = 0;
        long cachedPromptTokens = 0;
        AnswerRecord toolAnswer = null;
        AnswerRecord structuredAnswer = null;
        long deadline = System.nanoTime() + options.timeout().toNanos();
        try (KafkaConsumer<String, Object> consumer = consumer(bootstrap)) {
            consumer.subscribe(List.of(config.string("topics.reasoning"), config.string("topics.answers"),
                    config.string("topics.dead.letter")));
            while ((answerCounts.size() < problems.size() || deadLettered < options.badRecords() || toolAnswer == null
                    || structuredAnswer == null) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Object> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.topic().equals(config.string("topics.dead.letter"))) {
                        deadLettered++;
                        continue;
                    }
                    String id;
                    if (record.value() instanceof ReasoningRecord r) {
                        id = r.getRequestId();
                        reasoning.putIfAbsent(id, r);
                    } else if (record.value() instanceof AnswerRecord a && a.getRequestId().equals(TOOL_JOB)) {
                        if (toolAnswer == null) { // its prompt counts with the others' in the engine's hit rate
                            promptTokens += a.getUsage().getPromptTokens();
                            cachedPromptTokens += a.getUsage().getCachedPromptTokens();
                        }
                        toolAnswer = a;
                        continue;
                    } else if (record.value() instanceof AnswerRecord a && a.getRequestId().equals(STRUCTURED_JOB)) {
                        if (structuredAnswer == null) {
                            promptTokens += a.getUsage().getPromptTokens();
                            cachedPromptTokens += a.getUsage().getCachedPromptTokens();
                        }
                        structuredAnswer = a;
                        continue;
                    } else if (record.value() instanceof AnswerRecord a) {
                        id = a.getRequestId();
                        if (answerCounts.merge(id, 1, Integer::sum) > 1) {
                            continue;
                        }
                        answers.put(id, a);
                        promptTokens += a.getUsage().getPromptTokens();
                        cachedPromptTokens += a.getUsage().getCachedPromptTokens();
                        Long sent = sentAt.get(id);
                        if (sent != null) {
                            latencies.add((System.nanoTime() - sent) / 1e6);
                        }
                        ArithmeticProblems.Problem p = byId.get(id);
                        correct += p != null && a.getStatus() == AnswerStatus.OK && p.isCorrect(a.getAnswer()) ? 1 : 0;
                    } else {
                        continue;
                    }
                    // The two records of a job travel on two topics and may arrive in either order.
                    if (options.printJobs() && answers.containsKey(id) && reasoning.containsKey(id) && printed.add(id)) {
                        print(printed.size(), problems.size(), id, byId.get(id), reasoning.get(id), answers.get(id));
                    }
                }
            }
        }
        if (options.printJobs()) {
            printToolJob(toolAnswer);
            printStructuredJob(structuredAnswer);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int duplicates = (int) answerCounts.values().stream().filter(c -> c > 1).count();
        EngineStats stats = service.engine().stats();
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new DemoSummary(problems.size(), answerCounts.size(), correct, duplicates, deadLettered,
                stats.decodeTokensPerSecond(), stats.prefixCacheHitRate(), promptTokens, cachedPromptTokens,
                Percentiles.of(sorted, 0.5),
                Percentiles.of(sorted, 0.95), seconds);
    }

    /**
     * A tool-calling job, beside the arithmetic ones (and not counted with them): a question with a tool offered.
     * It shows the tool fields going through the service; the bundled tiny model was not trained on tools (its
     * template leaves them out of the prompt, and it never calls one), so its answer comes as text. A model trained for function calling, such
     * as QwQ-32B, with its own template, lists the tools in its prompt, and its calls come back parsed in
     * {@code tool_calls} with finish reason {@code tool_calls}.
     */
    private static ReasoningRequest toolJob() {
        ToolDefinition add = ToolDefinition.newBuilder().setName("add").setDescription("Adds two integers.")
                .setParameters("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}, "
                        + "\"b\": {\"type\": \"integer\"}}, \"required\": [\"a\", \"b\"]}").build();
        List<ChatMessage> conversation = List.of(new ChatMessage("user", "What is 48 + 27?", null, null));
        return ReasoningRequest.newBuilder().setRequestId(TOOL_JOB).setMessages(conversation).setTools(List.of(add))
                .setMaxTokens(256).setSampling(SamplingOverrides.newBuilder().setTemperature(0f).build()).build();
    }

    /**
     * A structured job, beside the arithmetic ones (and not counted with them): five chains sampled hot from one
     * prompt (self-consistency), each answer held to a regular expression of the model's own sentence, and the
     * majority of their answers.
     */
    private static ReasoningRequest structuredJob() {
        ResponseFormat format = ResponseFormat.newBuilder().setType("regex").setRegex(STRUCTURED_REGEX).build();
        return ReasoningRequest.newBuilder().setRequestId(STRUCTURED_JOB).setPrompt(STRUCTURED_QUESTION)
                .setSystem(ArithmeticProblems.SYSTEM_PROMPT).setMaxTokens(256).setN(5).setResponseFormat(format)
                .setSampling(SamplingOverrides.newBuilder().setTemperature(1.6f).setTopP(1f).setTopK(0).setSeed(8L).build())
                .build();
    }

    private void printStructuredJob(AnswerRecord a) {
        out.printf(Locale.ROOT, "[structured job] %s: %s  (n = 5 chains at temperature 1.6, answer held to /%s/)%n",
                STRUCTURED_JOB, STRUCTURED_QUESTION, STRUCTURED_REGEX);
        if (a == null) {
            out.println("    => (no answer before the time limit)");
        } else if (a.getChoices() == null) {
            out.printf(Locale.ROOT, "    => %s  [%s: %s]%n", a.getAnswer(), a.getStatus(), a.getError());
        } else {
            for (AnswerChoice c : a.getChoices()) {
                out.printf(Locale.ROOT, "    chain %d: %s  [%s, %d reasoning tokens, format %s]%n", c.getIndex(),
                        c.getAnswer(), c.getStatus(), c.getReasoningTokens(),
                        Boolean.TRUE.equals(c.getAnswerFormatOk()) ? "ok" : "NOT ok");
            }
            AnswerVote vote = a.getVote();
            out.printf(Locale.ROOT, "    => vote: %s  (%s)%n", vote == null ? "none" : vote.getAnswer(),
                    vote == null ? "no chain gave an answer that counts"
                            : vote.getCount() + " of " + vote.getCounted() + " chains");
        }
        out.flush();
    }

    private void printToolJob(AnswerRecord a) {
        out.printf(Locale.ROOT, "[tool job] %s: What is 48 + 27?  (tool offered: add(a, b), tool_choice auto)%n", TOOL_JOB);
        if (a == null) {
            out.println("    => (no answer before the time limit)");
        } else {
            out.printf(Locale.ROOT, "    => %s  [%s, finish reason %s, %d tool calls]%n", a.getAnswer(), a.getStatus(),
                    a.getFinishReason(), a.getToolCalls() == null ? 0 : a.getToolCalls().size());
            out.println("    (the bundled model was not trained on tools and answers in text; a function-calling model's "
                    + "calls come back in tool_calls)");
        }
        out.flush();
    }

    private void print(int n, int total, String id, ArithmeticProblems.Problem p, ReasoningRecord r, AnswerRecord a) {
        boolean right = p != null && a.getStatus() == AnswerStatus.OK && p.isCorrect(a.getAnswer());
        out.printf(Locale.ROOT, "[%d/%d] %s%s: %s%n", n, total, id, p != null && p.system() != null ? " (with system prompt)" : "",
                p == null ? "?" : p.prompt());
        if (r != null && !r.getReasoning().isEmpty()) {
            for (String line : r.getReasoning().split("\n")) {
                out.println("    | " + line);
            }
        }
        out.printf(Locale.ROOT, "    => %s  [%s, %s]%n", a.getAnswer() == null ? "(no answer: " + a.getError() + ")" : a.getAnswer(),
                a.getStatus(), right ? "correct" : "WRONG, expected " + (p == null ? "?" : p.expected()));
        out.flush();
    }

    private void sendBadRecords(String bootstrap, String topic) {
        if (options.badRecords() <= 0) {
            return;
        }
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < options.badRecords(); i++) {
                raw.send(new ProducerRecord<>(topic, ("bad-" + i).getBytes(), "not an Avro record".getBytes()));
            }
            raw.flush();
        }
    }

    private static KafkaProducer<String, ReasoningRequest> producer(String bootstrap) {
        SpecificAvroSerde<ReasoningRequest> serde = new SpecificAvroSerde<>(ReasoningRequest.class);
        serde.configure(Map.of("schema.registry.url", REGISTRY), false);
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), serde.serializer());
    }

    /** A read_committed consumer of the result topics; values are decoded to their specific classes (or left as bytes). */
    private static KafkaConsumer<String, Object> consumer(String bootstrap) {
        SpecificAvroSerde<AnswerRecord> answers = new SpecificAvroSerde<>(AnswerRecord.class);
        answers.configure(Map.of("schema.registry.url", REGISTRY), false);
        SpecificAvroSerde<ReasoningRecord> reasonings = new SpecificAvroSerde<>(ReasoningRecord.class);
        reasonings.configure(Map.of("schema.registry.url", REGISTRY), false);
        ByteArrayDeserializer bytes = new ByteArrayDeserializer();
        Deserializer<Object> values = (topic, data) -> {
            if (topic.endsWith(".dlq")) {
                return bytes.deserialize(topic, data);
            }
            return topic.endsWith("reasoning") ? reasonings.deserializer().deserialize(topic, data)
                    : answers.deserializer().deserialize(topic, data);
        };
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "ponder-demo-reader",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), values);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
