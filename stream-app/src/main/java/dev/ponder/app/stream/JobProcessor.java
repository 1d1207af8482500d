package dev.ponder.app.stream;

import dev.ponder.core.engine.FinishReason;
import dev.ponder.core.engine.GenerationRequest;
import dev.ponder.core.engine.GenerationResult;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.ReasoningRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task's share of the work. Each accepted request is written to the task's changelogged store and handed
 * to the engine; {@code process} returns at once. The engine completes results on its own thread into a
 * queue; a wall-clock punctuator on the stream thread forwards them (reasoning record, then answer record)
 * and deletes the job from the store, so outputs, the store change and the input offset commit together
 * (one transaction under exactly_once_v2). Whatever the store still holds when a task starts (after a crash,
 * a restore or a rebalance) is submitted again; replays produce the same tokens (fixed per-request seeds,
 * batch-invariant engine).
 *
 * <p>Jobs beyond the engine's free capacity wait in the store and are submitted as capacity frees; the
 * instance as a whole stops fetching when it holds {@code jobs.max.in.flight} jobs (see {@link ThrottledConsumer}).
 */
public final class JobProcessor implements Processor<byte[], ReasoningRequest, byte[], SpecificRecord> {
    public static final String JOBS_STORE = "ponder-jobs";
    public static final String ANSWERED_STORE = "ponder-answered";
    public static final String REASONING_SINK = "reasoning-sink";
    public static final String ANSWERS_SINK = "answers-sink";
    public static final String REQUEST_ID_HEADER = "request_id";
    private static final Logger LOG = LoggerFactory.getLogger(JobProcessor.class);

    private final JobServices services;
    private ProcessorContext<byte[], SpecificRecord> context;
    private KeyValueStore<String, byte[]> jobs;
    private WindowStore<String, Long> answered;
    private String owner;
    /** The jobs of this task that are in the store, by request_id. */
    private final Map<String, Held> held = new HashMap<>();
    /** Held jobs not yet with the engine, oldest first. */
    private final ArrayDeque<String> waiting = new ArrayDeque<>();
    /** Results completed by the engine's thread, for the stream thread to forward. */
    private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();

    private static final class Held {
        final StoredJob job;
        GenerationRequest request;
        /** The engine id of the current submission; null while the job waits. */
        String engineId;

        Held(StoredJob job, GenerationRequest request) {
            this.job = job;
            this.request = request;
        }
    }

    private record Finished(String requestId, String engineId, GenerationResult result, Throwable failure) {
    }

    public JobProcessor(JobServices services) {
        this.services = services;
    }

    @Override
    public void init(ProcessorContext<byte[], SpecificRecord> context) {
        this.context = context;
        this.jobs = context.getStateStore(JOBS_STORE);
        this.answered = context.getStateStore(ANSWERED_STORE);
        this.owner = context.taskId().toString();
        resumeStoredJobs();
        context.schedule(services.settings().punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, t -> punctuate());
    }

    /** Takes back every job the store holds; the first punctuation submits them. */
    private void resumeStoredJobs() {
        List<StoredJob> stored = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = jobs.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> entry = it.next();
                try {
                    stored.add(StoredJob.decode(entry.value));
                } catch (IllegalArgumentException e) {
                    // Written by a newer version: left in place for it, never dropped.
                    LOG.error("task {}: stored job '{}' cannot be read by this version and stays in the store: {}", owner,
                            entry.key, e.getMessage());
                }
            }
        }
        stored.sort(Comparator.comparingLong(StoredJob::acceptedAtMs));
        for (StoredJob job : stored) {
            if (!services.inFlight().claim(job.requestId(), owner)) {
                LOG.warn("task {}: stored job '{}' is already in flight in another task of this instance; it is not run twice",
                        owner, job.requestId());
                services.metrics().duplicate("in_flight");
                jobs.delete(job.requestId());
                continue;
            }
            held.put(job.requestId(), new Held(job, null));
            waiting.add(job.requestId());
        }
        if (!stored.isEmpty()) {
            services.metrics().resubmitted(held.size());
            LOG.info("task {}: resuming {} jobs from the store", owner, held.size());
        }
    }

    @Override
    public void process(Record<byte[], ReasoningRequest> record) {
        ReasoningRequest request = record.value();
        if (request == null) {
            services.metrics().nullValue();
            LOG.warn("task {}: skipping a record with a null value (tombstone) at {}", owner, position());
            return;
        }
        Instant now = Instant.now();
        String id = request.getRequestId();
        boolean hasId = id != null && !id.isBlank();
        if (hasId && held.containsKey(id)) {
            duplicate(id, "in_flight");
            return;
        }
        if (hasId && answeredRecently(id, now)) {
            duplicate(id, "answered");
            return;
        }
        RequestMapper.Outcome outcome = services.mapper().map(request, now);
        if (outcome instanceof RequestMapper.Rejected rejected) {
            LOG.info("task {}: request '{}' at {} answered {}: {}", owner, id, position(), rejected.status(), rejected.message());
            answer(record.key(), request, Outputs.rejected(request, rejected.status(), rejected.message(), model(), now), 0, now);
            return;
        }
        if (!services.inFlight().claim(id, owner)) {
            duplicate(id, "in_flight");
            return;
        }
        StoredJob job = new StoredJob(id, record.key(), now.toEpochMilli(), request);
        byte[] stored = job.encode();
        if (stored.length > services.settings().maxRequestBytes()) {
            services.inFlight().release(id, owner);
            String message = "the request is " + stored.length + " bytes; this service takes at most "
                    + services.settings().maxRequestBytes() + " (jobs.max.request.bytes): shorten the prompt";
            answer(record.key(), request, Outputs.rejected(request, AnswerStatus.INVALID, message, model(), now), 0, now);
            return;
        }
        jobs.put(id, stored);
        held.put(id, new Held(job, ((RequestMapper.Ready) outcome).request()));
        waiting.add(id);
        services.metrics().accepted();
        submitWaiting();
        forwardFinished();
    }

    private void punctuate() {
        forwardFinished();
        submitWaiting();
    }

    /** Hands waiting jobs to the engine while it has room; none while the instance drains for shutdown. */
    private void submitWaiting() {
        while (!waiting.isEmpty() && !services.inFlight().draining() && services.engine().capacity() > 0) {
            Held h = held.get(waiting.poll());
            if (h != null && h.engineId == null) {
                submit(h);
            }
        }
    }

    private void submit(Held h) {
        String id = h.job.requestId();
        Instant now = Instant.now();
        if (h.request == null) {
            // A resumed job: mapped again here, so a deadline that passed meanwhile gives EXPIRED.
            RequestMapper.Outcome outcome = services.mapper().map(h.job.request(), now);
            if (outcome instanceof RequestMapper.Rejected rejected) {
                complete(h, Outputs.rejected(h.job.request(), rejected.status(), rejected.message(), model(), now), now);
                return;
            }
            h.request = ((RequestMapper.Ready) outcome).request();
        }
        String engineId = id + "#" + services.inFlight().nextSubmission();
        h.engineId = engineId;
        services.inFlight().submittedOne();
        services.metrics().submitted();
        try {
            services.engine().submit(h.request.withId(engineId))
                    .whenComplete((result, failure) -> finished.add(new Finished(id, engineId, result, failure)));
        } catch (RuntimeException e) {
            finished.add(new Finished(id, engineId, null, e));
        }
    }

    /** Forwards every result the engine finished since the last call. */
    private void forwardFinished() {
        for (Finished f; (f = finished.poll()) != null; ) {
            Held h = held.get(f.requestId());
            if (h == null || !f.engineId().equals(h.engineId)) {
                continue; // a submission this task no longer waits for
            }
            services.inFlight().finishedOne();
            GenerationResult result = f.result();
            if (result == null) {
                LOG.error("task {}: the engine failed on request '{}'", owner, f.requestId(), f.failure());
                result = GenerationResult.failed(f.requestId(), FinishReason.ERROR, "the engine failed: " + f.failure(), 0);
            }
            if (result.finishReason() == FinishReason.CANCELLED) {
                // Only this service cancels (shutdown hands jobs back): the job stays stored for whoever runs it next.
                h.engineId = null;
                if (!services.inFlight().draining()) {
                    waiting.addFirst(f.requestId());
                }
                continue;
            }
            Instant now = Instant.now();
            complete(h, Outputs.of(h.job.request(), result, model(), h.job.acceptedAtMs(), now), now);
        }
    }

    private void complete(Held h, Outputs outputs, Instant now) {
        String id = h.job.requestId();
        answer(h.job.key(), h.job.request(), outputs, now.toEpochMilli() - h.job.acceptedAtMs(), now);
        jobs.delete(id);
        held.remove(id);
        services.inFlight().release(id, owner);
    }

    /** Forwards the two records of a job and remembers its id as answered. */
    private void answer(byte[] key, ReasoningRequest request, Outputs outputs, long totalMs, Instant now) {
        String id = outputs.answer().getRequestId();
        long timestamp = now.toEpochMilli();
        context.forward(new Record<>(key, outputs.reasoning(), timestamp, idHeader(id)), REASONING_SINK);
        context.forward(new Record<>(key, outputs.answer(), timestamp, idHeader(id)), ANSWERS_SINK);
        if (!id.isBlank()) {
            answered.put(id, timestamp, timestamp);
        }
        services.metrics().answered(outputs.answer().getStatus(), totalMs);
    }

    private boolean answeredRecently(String id, Instant now) {
        try (WindowStoreIterator<Long> it = answered.fetch(id, now.minus(services.settings().dedupRetention()), now)) {
            return it.hasNext();
        }
    }

    private void duplicate(String id, String reason) {
        services.metrics().duplicate(reason);
        LOG.info("task {}: request '{}' at {} is a duplicate ({}); not run again", owner, id, position(), reason);
    }

    private static Headers idHeader(String id) {
        return new RecordHeaders().add(REQUEST_ID_HEADER, id.getBytes(StandardCharsets.UTF_8));
    }

    private String position() {
        return context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("(punctuation)");
    }

    private String model() {
        return services.settings().modelName();
    }

    /** The task leaves this instance (rebalance, shutdown, error): its jobs stay in the store for the next owner. */
    @Override
    public void close() {
        for (Map.Entry<String, Held> e : held.entrySet()) {
            if (e.getValue().engineId != null) {
                services.engine().cancel(e.getValue().engineId);
                services.inFlight().finishedOne();
            }
            services.inFlight().release(e.getKey(), owner);
        }
        if (!held.isEmpty()) {
            LOG.info("task {}: closed with {} jobs left in the store", owner, held.size());
            services.inFlight().leftInStore(held.size());
        }
        held.clear();
        waiting.clear();
    }
}
