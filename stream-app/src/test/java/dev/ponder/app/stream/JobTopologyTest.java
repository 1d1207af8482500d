package dev.ponder.app.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.app.config.JobSettings;
import dev.ponder.app.config.Topics;
import dev.ponder.app.metrics.JobMetrics;
import dev.ponder.core.sampling.SamplingParams;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.serde.AvroSerdes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The topology on Kafka Streams' TopologyTestDriver: no broker, the real processor, stores and Avro serdes (on an
 * in-process registry), and the engine stood in for by a {@link ScriptedGenerator} with 2 slots. The instance
 * holds at most 3 jobs; punctuation every 100 ms of wall-clock time, which the test advances by hand.
 */
class JobTopologyTest {
    static final Duration PUNCTUATION = Duration.ofMillis(100);
    static final Topics TOPICS = new Topics("ponder.requests", "ponder.reasoning", "ponder.answers", "ponder.requests.dlq");

    private final String registry = "mock://topology-" + UUID.randomUUID();
    private final Serde<ReasoningRequest> requestSerde = serde(ReasoningRequest.class);
    private final Serde<ReasoningRecord> reasoningSerde = serde(ReasoningRecord.class);
    private final Serde<AnswerRecord> answerSerde = serde(AnswerRecord.class);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final JobSettings settings = new JobSettings(3, PUNCTUATION, Duration.ofHours(1), 900_000, 64, 0,
            new SamplingParams(0.6, 40, 0.95, 0, 1, 0, 0, 0), 1024, "tiny");
    private Path stateDir;
    private ScriptedGenerator engine;
    private InFlight inFlight;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], ReasoningRequest> requests;
    private TestOutputTopic<byte[], ReasoningRecord> reasoning;
    private TestOutputTopic<byte[], AnswerRecord> answers;

    private <T extends SpecificRecord> Serde<T> serde(Class<T> type) {
        return AvroSerdes.specific(type, Map.of("schema.registry.url", registry), false);
    }

    @BeforeEach
    void start() throws IOException {
        stateDir = Files.createTempDirectory("ponder-topology");
        engine = new ScriptedGenerator(2);
        inFlight = new InFlight(settings.maxInFlight());
        startDriver();
    }

    private void startDriver() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ponder-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "no-broker:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        JobServices services = new JobServices(engine, inFlight, new RequestMapper(settings), settings, new JobMetrics(meters));
        driver = new TopologyTestDriver(PonderTopology.build(new StreamsConfig(props), TOPICS, requestSerde, reasoningSerde,
                answerSerde, services), props, Instant.parse("2026-01-01T00:00:00Z"));
        requests = driver.createInputTopic(TOPICS.requests(), Serdes.ByteArray().serializer(), requestSerde.serializer());
        reasoning = driver.createOutputTopic(TOPICS.reasoning(), Serdes.ByteArray().deserializer(), reasoningSerde.deserializer());
        answers = driver.createOutputTopic(TOPICS.answers(), Serdes.ByteArray().deserializer(), answerSerde.deserializer());
    }

    @AfterEach
    void stop() throws IOException {
        driver.close();
        deleteTree(stateDir);
    }

    static ReasoningRequest request(String id, String prompt) {
        return ReasoningRequest.newBuilder().setRequestId(id).setPrompt(prompt).setMaxTokens(32).build();
    }

    private void send(String key, ReasoningRequest request) {
        requests.pipeInput(key.getBytes(StandardCharsets.UTF_8), request);
    }

    private void punctuate() {
        driver.advanceWallClockTime(PUNCTUATION);
    }

    private double counter(String name, String... tags) {
        return meters.find(name).tags(tags).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private long storedJobs() {
        try (var it = driver.<String, byte[]>getKeyValueStore(JobProcessor.JOBS_STORE).all()) {
            long n = 0;
            for (; it.hasNext(); it.next()) {
                n++;
            }
            return n;
        }
    }

    @Test
    void aJobIsHandedToTheEngineAtOnceAndAnsweredAtThePunctuationAfterItFinishes() {
        send("key-a", request("a", "What is 1 + 1?"));
        assertThat(engine.submitted()).containsExactly("a");
        assertThat(storedJobs()).isEqualTo(1);
        engine.answer("a", "The answer is 2.");
        assertThat(answers.isEmpty()).as("results go out on the stream thread's punctuation, not the engine's").isTrue();
        punctuate();
        TestRecord<byte[], ReasoningRecord> thought = reasoning.readRecord();
        TestRecord<byte[], AnswerRecord> answer = answers.readRecord();
        assertThat(new String(answer.key(), StandardCharsets.UTF_8)).isEqualTo("key-a");
        assertThat(new String(thought.key(), StandardCharsets.UTF_8)).isEqualTo("key-a");
        assertThat(thought.value().getReasoning()).isEqualTo("Thinking about a.");
        assertThat(answer.value().getStatus()).isEqualTo(AnswerStatus.OK);
        assertThat(answer.value().getAnswer()).isEqualTo("The answer is 2.");
        Header id = answer.headers().lastHeader(JobProcessor.REQUEST_ID_HEADER);
        assertThat(new String(id.value(), StandardCharsets.UTF_8)).isEqualTo("a");
        assertThat(answers.isEmpty()).isTrue();
        assertThat(storedJobs()).as("answered jobs leave the store").isZero();
        assertThat(inFlight.held()).isZero();
    }

    @Test
    void aRequestIdInFlightOrAnsweredRecentlyIsNotRunAgain() {
        send("k", request("a", "What is 1 + 1?"));
        send("k", request("a", "What is 1 + 1?"));
        assertThat(engine.submitted()).containsExactly("a");
        assertThat(counter("ponder.jobs.duplicates", "reason", "in_flight")).isEqualTo(1);
        engine.answer("a", "The answer is 2.");
        punctuate();
        send("k", request("a", "What is 1 + 1?"));
        punctuate();
        assertThat(engine.submitted()).containsExactly("a");
        assertThat(counter("ponder.jobs.duplicates", "reason", "answered")).isEqualTo(1);
        assertThat(answers.readValuesToList()).hasSize(1);
    }

    @Test
    void anInvalidRequestIsAnsweredAtOnceWithoutTheEngine() {
        send("k", ReasoningRequest.newBuilder().setRequestId("no-prompt").build());
        send("k", ReasoningRequest.newBuilder(request("too-long", "What is 1 + 1?")).setMaxTokens(5000).build());
        List<AnswerRecord> out = answers.readValuesToList();
        assertThat(out).extracting(AnswerRecord::getRequestId).containsExactly("no-prompt", "too-long");
        assertThat(out).extracting(AnswerRecord::getStatus).containsOnly(AnswerStatus.INVALID);
        assertThat(out.get(0).getError()).contains("prompt");
        assertThat(out.get(1).getError()).contains("max_tokens").contains("1024");
        assertThat(reasoning.readValuesToList()).hasSize(2);
        assertThat(engine.submitted()).isEmpty();
        assertThat(storedJobs()).isZero();
    }

    @Test
    void jobsBeyondTheEnginesRoomWaitInTheStoreAndTheInstanceStopsFetchingAtItsLimit() {
        send("k", request("a", "What is 1 + 1?"));
        send("k", request("b", "What is 2 + 2?"));
        send("k", request("c", "What is 3 + 3?"));
        assertThat(engine.submitted()).as("the engine has 2 slots").containsExactly("a", "b");
        assertThat(storedJobs()).isEqualTo(3);
        assertThat(inFlight.held()).isEqualTo(3);
        assertThat(inFlight.full()).as("at jobs.max.in.flight: the consumer pauses").isTrue();
        punctuate();
        assertThat(engine.submitted()).as("no room yet").containsExactly("a", "b");
        engine.answer("b", "The answer is 4.");
        punctuate();
        assertThat(answers.readValuesToList()).extracting(AnswerRecord::getRequestId).containsExactly("b");
        assertThat(engine.submitted()).as("b's slot went to c").containsExactly("a", "b", "c");
        assertThat(inFlight.full()).isFalse();
    }

    /**
     * What ponder does on a restore is resubmit what the store holds when the task starts. The driver cannot start
     * a task on restored stores (it deletes its state on close, and a store's last writes are still in RocksDB's
     * memory until then), so this one drives the processor through Kafka's MockProcessorContext, on in-memory
     * stores that hold what a restore leaves: two accepted, unanswered jobs.
     */
    @Test
    void aTaskThatStartsWithJobsInItsStoreSubmitsThemAgainOldestFirst() {
        MockProcessorContext<byte[], SpecificRecord> context = new MockProcessorContext<>();
        KeyValueStore<String, byte[]> jobs = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(JobProcessor.JOBS_STORE),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
        jobs.init(context.getStateStoreContext(), jobs);
        context.addStateStore(jobs);
        WindowStore<String, Long> answered = Stores.windowStoreBuilder(Stores.inMemoryWindowStore(JobProcessor.ANSWERED_STORE,
                Duration.ofHours(1), Duration.ofMillis(1), false), Serdes.String(), Serdes.Long()).withLoggingDisabled().build();
        answered.init(context.getStateStoreContext(), answered);
        context.addStateStore(answered);
        byte[] key = "key".getBytes(StandardCharsets.UTF_8);
        jobs.put("b", new StoredJob("b", key, 2_000, request("b", "What is 2 + 2?")).encode());
        jobs.put("c", new StoredJob("c", key, 1_000, request("c", "What is 3 + 3?")).encode());

        JobProcessor processor = new JobProcessor(new JobServices(engine, inFlight, new RequestMapper(settings), settings,
                new JobMetrics(meters)));
        processor.init(context);
        assertThat(counter("ponder.jobs.resubmitted")).isEqualTo(2);
        assertThat(inFlight.held()).isEqualTo(2);
        Punctuator punctuator = context.scheduledPunctuators().getFirst().getPunctuator();
        punctuator.punctuate(0);
        assertThat(engine.submitted()).as("accepted first, submitted first").containsExactly("c", "b");
        engine.answer("c", "The answer is 6.");
        punctuator.punctuate(100);
        assertThat(context.forwarded(JobProcessor.ANSWERS_SINK)).singleElement()
                .satisfies(f -> assertThat(((AnswerRecord) f.record().value()).getRequestId()).isEqualTo("c"));
        assertThat(jobs.get("c")).isNull();
        assertThat(jobs.get("b")).isNotNull();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
