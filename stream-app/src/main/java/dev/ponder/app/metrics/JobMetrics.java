package dev.ponder.app.metrics;

import dev.ponder.schemas.avro.AnswerStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What happens to jobs, counted: accepted, duplicates, resubmissions, answers by status with latency, dead letters. */
public final class JobMetrics {
    private final MeterRegistry registry;
    private final Counter accepted;
    private final Counter submitted;
    private final Counter resubmitted;
    private final Counter nullValues;
    private final Map<String, Counter> duplicates = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLettered = new ConcurrentHashMap<>();
    private final Map<AnswerStatus, Timer> latency = new EnumMap<>(AnswerStatus.class);

    public JobMetrics(MeterRegistry registry) {
        this.registry = registry;
        accepted = Counter.builder("ponder.jobs.accepted").description("Requests accepted into the store").register(registry);
        submitted = Counter.builder("ponder.jobs.submitted").description("Submissions to the engine (a resubmitted job counts again)")
                .register(registry);
        resubmitted = Counter.builder("ponder.jobs.resubmitted")
                .description("Jobs found in the store at task start (after a restart, restore or rebalance) and resumed")
                .register(registry);
        nullValues = Counter.builder("ponder.records.null")
                .description("Records of the requests topic with a null value (tombstones), skipped").register(registry);
        for (AnswerStatus status : AnswerStatus.values()) {
            latency.put(status, Timer.builder("ponder.job.latency").description("From acceptance to the answer, by status")
                    .tag("status", status.name()).publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofHours(2)).register(registry));
        }
    }

    public void accepted() {
        accepted.increment();
    }

    public void submitted() {
        submitted.increment();
    }

    public void resubmitted(int n) {
        resubmitted.increment(n);
    }

    public void nullValue() {
        nullValues.increment();
    }

    /** A request not run because its id is in flight or was answered recently; {@code reason} says which. */
    public void duplicate(String reason) {
        duplicates.computeIfAbsent(reason, r -> Counter.builder("ponder.jobs.duplicates")
                .description("Requests not run again because their request_id is in flight or was answered")
                .tag("reason", r).register(registry)).increment();
    }

    public void answered(AnswerStatus status, long totalMs) {
        latency.get(status).record(Duration.ofMillis(Math.max(0, totalMs)));
    }

    public void deadLettered(String kind) {
        deadLettered.computeIfAbsent(kind, k -> Counter.builder("ponder.records.dead.lettered")
                .description("Records of the requests topic that could not be deserialized, sent to the dead-letter topic")
                .tag("kind", k).register(registry)).increment();
    }

    public MeterRegistry registry() {
        return registry;
    }
}
