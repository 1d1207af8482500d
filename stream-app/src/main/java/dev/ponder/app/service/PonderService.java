package dev.ponder.app.service;

import dev.ponder.app.config.EngineSettings;
import dev.ponder.app.config.JobSettings;
import dev.ponder.app.config.ServiceConfig;
import dev.ponder.app.config.Topics;
import dev.ponder.app.http.OpsServer;
import dev.ponder.app.metrics.EngineMetrics;
import dev.ponder.app.metrics.JobMetrics;
import dev.ponder.app.metrics.StateStoreTags;
import dev.ponder.app.stream.DeadLetterHandler;
import dev.ponder.app.stream.InFlight;
import dev.ponder.app.stream.JobServices;
import dev.ponder.app.stream.PonderTopology;
import dev.ponder.app.stream.RequestMapper;
import dev.ponder.app.stream.ThrottlingClientSupplier;
import dev.ponder.core.engine.Engine;
import dev.ponder.core.engine.Generator;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.serde.AvroSerdes;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance of the service: the engine, the Kafka Streams topology around it, metrics and the HTTP
 * endpoint, with a graceful shutdown: stop fetching, let the jobs with the engine finish within a grace
 * period and forward their results, then close Kafka Streams (committing, leaving the group) so that the
 * jobs still in the store are resumed by the instances that take over the partitions.
 */
public final class PonderService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PonderService.class);

    private final Engine engine;
    private final InFlight inFlight;
    private final KafkaStreams streams;
    private final PrometheusMeterRegistry registry;
    private final EngineMetrics engineMetrics;
    private final ScheduledExecutorService sampler;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Duration grace;
    private volatile OpsServer http;
    private volatile Throwable failure;
    private volatile boolean closed;
    private final AtomicInteger rebalances = new AtomicInteger();

    private PonderService(Engine engine, InFlight inFlight, KafkaStreams streams, PrometheusMeterRegistry registry,
                          EngineMetrics engineMetrics, Duration grace) {
        this.engine = engine;
        this.inFlight = inFlight;
        this.streams = streams;
        this.registry = registry;
        this.engineMetrics = engineMetrics;
        this.grace = grace;
        this.sampler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("ponder-metrics").daemon().factory());
    }

    /** Loads the model, checks the topics, starts Kafka Streams and the HTTP endpoint. */
    public static PonderService start(ServiceConfig config) throws Exception {
        return start(config, UnaryOperator.identity());
    }

    /**
     * Like {@link #start(ServiceConfig)}, with the job processor's view of the engine passed through {@code wrap}
     * first: the seam where tests put a double (the engine itself still runs, for metrics and shutdown).
     */
    public static PonderService start(ServiceConfig config, UnaryOperator<Generator> wrap) throws Exception {
        LOG.info("configuration: {}", config.describe());
        Topics topics = Topics.from(config);
        EngineSettings engineSettings = EngineSettings.from(config);
        JobSettings jobSettings = JobSettings.from(config, engineSettings);
        Properties props = streamsProperties(config, topics, jobSettings);
        Map<String, Object> serdeConfig = serdeConfig(config);
        StreamsConfig streamsConfig = new StreamsConfig(props);
        TopicCheck.ensure(streamsConfig.getAdminConfigs("ponder-topic-check"), topics, config.bool("topics.create"),
                config.integer("topics.partitions"), (short) config.integer("topics.replication.factor"));

        LOG.info("loading model {} ({} threads, {} running, {} queued, KV budget {} MiB)", engineSettings.model(),
                engineSettings.engine().threads(), engineSettings.engine().maxRunning(), engineSettings.engine().maxQueued(),
                engineSettings.engine().kvBudgetBytes() >> 20);
        Engine engine = Engine.open(engineSettings.model(), engineSettings.engine(), engineSettings.chatTemplate());
        try {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            registry.config().commonTags("application", streamsConfig.getString(StreamsConfig.APPLICATION_ID_CONFIG))
                    .meterFilter(new StateStoreTags());
            JobMetrics jobMetrics = new JobMetrics(registry);
            props.put(DeadLetterHandler.METRICS_CONFIG, jobMetrics);
            InFlight inFlight = new InFlight(jobSettings.maxInFlight());
            JobServices services = new JobServices(wrap.apply(engine), inFlight, new RequestMapper(jobSettings), jobSettings, jobMetrics);

            String serdeClass = config.string("serde.class");
            Serde<ReasoningRequest> requests = AvroSerdes.create(serdeClass, ReasoningRequest.class, serdeConfig, false);
            Serde<ReasoningRecord> reasoning = AvroSerdes.create(serdeClass, ReasoningRecord.class, serdeConfig, false);
            Serde<AnswerRecord> answers = AvroSerdes.create(serdeClass, AnswerRecord.class, serdeConfig, false);
            Topology topology = PonderTopology.build(new StreamsConfig(props), topics, requests, reasoning, answers, services);
            ThrottlingClientSupplier clients = new ThrottlingClientSupplier(topics.requests(), inFlight::full);
            KafkaStreams streams = new KafkaStreams(topology, props, clients);

            Gauge.builder("ponder.jobs.held", inFlight, InFlight::held)
                    .description("Requests this instance holds: accepted, not yet answered").register(registry);
            Gauge.builder("ponder.jobs.with.engine", inFlight, InFlight::withEngine)
                    .description("Requests handed to the engine whose results are not forwarded yet").register(registry);
            Gauge.builder("ponder.jobs.max.in.flight", inFlight, InFlight::limit)
                    .description("The most requests this instance holds before it stops fetching").register(registry);
            Gauge.builder("ponder.fetch.paused", clients, c -> c.throttling() ? 1 : 0)
                    .description("1 while this instance does not fetch requests (at its limit, or shutting down)").register(registry);
            new JvmMemoryMetrics().bindTo(registry);
            new JvmGcMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            EngineMetrics engineMetrics = new EngineMetrics(engine, registry);

            PonderService service = new PonderService(engine, inFlight, streams, registry, engineMetrics,
                    Duration.ofMillis(config.number("shutdown.grace.ms")));
            service.run(config.string("http.host"), config.integer("http.port"));
            return service;
        } catch (Exception | Error e) {
            engine.close();
            throw e;
        }
    }

    private void run(String httpHost, int httpPort) throws IOException {
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("a stream thread failed; the instance stops (its jobs stay in the store for the next owner)", e);
            failure = e;
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            LOG.info("Kafka Streams: {} -> {}", before, now);
            if (before == KafkaStreams.State.RUNNING && now == KafkaStreams.State.REBALANCING) {
                rebalances.incrementAndGet();
            }
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
        Gauge.builder("ponder.streams.rebalances", rebalances, AtomicInteger::get)
                .description("Times this instance went from RUNNING back to REBALANCING").register(registry);
        sampler.scheduleAtFixedRate(engineMetrics::sample, 5, 5, TimeUnit.SECONDS);
        // Kafka Streams adds metrics as tasks and stores start; the binder looks for new ones at this interval
        // (Micrometer's default, a minute, leaves a new instance's store metrics out of the first scrapes).
        new KafkaStreamsMetrics(streams, Tags.empty(), sampler, KAFKA_METRICS_REFRESH).bindTo(registry);
        if (httpPort >= 0) {
            http = OpsServer.start(httpHost, httpPort, this::health, this::readiness, registry::scrape);
        }
        try {
            streams.start();
        } catch (RuntimeException e) {
            if (http != null) {
                http.close();
            }
            sampler.shutdownNow();
            throw e;
        }
    }

    private static final Duration KAFKA_METRICS_REFRESH = Duration.ofSeconds(5);

    /** The consumers' session timeout unless the configuration sets one (see streamsProperties). */
    static final int SESSION_TIMEOUT_MS = 10_000;

    private static Properties streamsProperties(ServiceConfig config, Topics topics, JobSettings jobs) {
        Properties props = new Properties();
        Map<String, String> kafka = config.section("kafka.", Set.of());
        props.putAll(kafka);
        props.putIfAbsent(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, topics.deadLetter());
        // What the instance fetches beyond its limit before the throttle pauses fetching is one poll: keep it small.
        // A crashed instance's partitions wait for its session to time out before anyone takes them over: the
        // consumer's default of 45 s stalled every job of those partitions that long. 10 s (heartbeats every 3 s)
        // takes them over in seconds and still rides out a GC pause or a loaded machine.
        if (kafka.keySet().stream().noneMatch(k -> k.endsWith("session.timeout.ms"))) {
            props.put(StreamsConfig.consumerPrefix("session.timeout.ms"), String.valueOf(SESSION_TIMEOUT_MS));
        }
        if (kafka.keySet().stream().noneMatch(k -> k.endsWith("heartbeat.interval.ms"))) {
            props.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), String.valueOf(SESSION_TIMEOUT_MS / 3));
        }
        boolean pollSizeGiven = kafka.keySet().stream().anyMatch(k -> k.endsWith("max.poll.records"));
        if (!pollSizeGiven) {
            props.put(StreamsConfig.MAIN_CONSUMER_PREFIX + "max.poll.records", String.valueOf(Math.min(1000, jobs.maxInFlight())));
        }
        return props;
    }

    /** The serdes see the kafka.* settings (so schema.registry.url may live there too), then serde.* on top. */
    private static Map<String, Object> serdeConfig(ServiceConfig config) {
        Map<String, Object> serde = new TreeMap<>(config.section("kafka.", Set.of()));
        serde.putAll(config.section("serde.", Set.of("serde.class")));
        Object url = serde.get("schema.registry.url");
        if (url == null || url.toString().isBlank()) {
            throw new IllegalArgumentException("serde.schema.registry.url is required (mock://NAME for an in-process registry)");
        }
        return serde;
    }

    // ---------------------------------------------------------------- state

    private OpsServer.Status health() {
        KafkaStreams.State state = streams.state();
        boolean ok = failure == null && state != KafkaStreams.State.ERROR && state != KafkaStreams.State.PENDING_ERROR;
        return new OpsServer.Status(ok, "{\"status\":\"" + (ok ? "UP" : "DOWN") + "\",\"state\":\"" + state + "\"}");
    }

    private OpsServer.Status readiness() {
        KafkaStreams.State state = streams.state();
        boolean ok = state == KafkaStreams.State.RUNNING && !inFlight.draining();
        return new OpsServer.Status(ok, "{\"ready\":" + ok + ",\"state\":\"" + state + "\",\"held\":" + inFlight.held()
                + ",\"with_engine\":" + inFlight.withEngine() + "}");
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public InFlight inFlight() {
        return inFlight;
    }

    public Engine engine() {
        return engine;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The HTTP endpoint's port, or -1 when it is off. */
    public int httpPort() {
        OpsServer server = http;
        return server == null ? -1 : server.port();
    }

    /** Waits until Kafka Streams stops (shutdown or failure); true if it stopped within the timeout. */
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Times the instance left RUNNING for a rebalance since it started. */
    public int rebalances() {
        return rebalances.get();
    }

    public Throwable failure() {
        return failure;
    }

    // ---------------------------------------------------------------- shutdown

    /** Graceful shutdown with the configured grace period. */
    @Override
    public void close() {
        shutdown(grace);
    }

    /**
     * Stops fetching, gives the jobs with the engine up to {@code gracePeriod} to finish (their results are
     * forwarded and committed), then closes Kafka Streams, leaving the group, and hands back what is left:
     * those jobs stay in the store and are resumed by whichever instance gets their partitions.
     */
    public synchronized void shutdown(Duration gracePeriod) {
        if (closed) {
            return;
        }
        closed = true;
        inFlight.drain();
        LOG.info("shutting down: fetching stopped; waiting up to {} ms for {} running jobs", gracePeriod.toMillis(),
                inFlight.withEngine());
        long deadline = System.nanoTime() + gracePeriod.toNanos();
        try {
            while (inFlight.withEngine() > 0 && System.nanoTime() < deadline && streams.state().isRunningOrRebalancing()) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int running = inFlight.withEngine();
        boolean closedInTime = streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(60)));
        if (!closedInTime) {
            LOG.warn("Kafka Streams did not close within 60 s");
        }
        engine.shutdown(Duration.ZERO); // what it hands back is in the tasks' stores already
        // Counted as the tasks close: the stream thread may still store records it had fetched while it closes.
        LOG.info("stopped; {} unfinished jobs ({} of them running at the end of the grace period) stay in the store "
                + "for the instance that takes over their partitions", inFlight.leftInStores(), running);
        sampler.shutdownNow();
        OpsServer server = http;
        if (server != null) {
            server.close();
        }
        registry.close();
        stopped.countDown();
    }
}
