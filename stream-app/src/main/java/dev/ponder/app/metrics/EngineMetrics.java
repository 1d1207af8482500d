package dev.ponder.app.metrics;

import dev.ponder.core.engine.Engine;
import dev.ponder.core.engine.EngineStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;

/**
 * The engine's state as meters: sequences running and waiting, step batch size, KV blocks, prefix-cache hit
 * rate, token counters and recent token rates. Gauges read a snapshot that {@link #sample()} refreshes, so a
 * scrape costs one {@link Engine#stats()} call and the rates cover the time between two samples.
 */
public final class EngineMetrics {
    private final Engine engine;
    private volatile EngineStats last;
    private volatile long lastNanos;
    private volatile double prefillRate;
    private volatile double decodeRate;

    public EngineMetrics(Engine engine, MeterRegistry registry) {
        this.engine = engine;
        this.last = engine.stats();
        this.lastNanos = System.nanoTime();
        gauge(registry, "ponder.engine.sequences", "Sequences in the engine by state", s -> s.running(), "state", "running");
        gauge(registry, "ponder.engine.sequences", "Sequences in the engine by state", s -> s.waiting(), "state", "waiting");
        gauge(registry, "ponder.engine.requests.in.flight", "Requests with the engine, running or waiting", EngineStats::inFlight);
        gauge(registry, "ponder.engine.capacity", "More requests the engine takes before it is full", EngineStats::capacity);
        gauge(registry, "ponder.engine.step.batch.size", "Sequences in the last engine step", EngineStats::lastStepSequences);
        gauge(registry, "ponder.engine.step.tokens", "Tokens in the last engine step", EngineStats::lastStepTokens);
        gauge(registry, "ponder.engine.kv.blocks", "KV-cache blocks by state", EngineStats::kvBlocksUsed, "state", "used");
        gauge(registry, "ponder.engine.kv.blocks", "KV-cache blocks by state",
                s -> s.kvBlocksTotal() - s.kvBlocksUsed(), "state", "free");
        gauge(registry, "ponder.engine.kv.blocks", "KV-cache blocks by state", EngineStats::kvBlocksCached, "state", "cached");
        gauge(registry, "ponder.engine.prefix.cache.hit.ratio", "Share of prompt blocks served from the prefix cache",
                EngineStats::prefixCacheHitRate);
        Gauge.builder("ponder.engine.tokens.per.second", this, m -> m.prefillRate).tag("phase", "prefill")
                .description("Prompt tokens per second since the previous sample").register(registry);
        Gauge.builder("ponder.engine.tokens.per.second", this, m -> m.decodeRate).tag("phase", "decode")
                .description("Generated tokens per second since the previous sample").register(registry);
        counter(registry, "ponder.engine.tokens", "Tokens processed", EngineStats::prefillTokens, "phase", "prefill");
        counter(registry, "ponder.engine.tokens", "Tokens processed", EngineStats::decodeTokens, "phase", "decode");
        counter(registry, "ponder.engine.steps", "Engine steps", EngineStats::steps);
        counter(registry, "ponder.engine.completed", "Requests the engine finished", EngineStats::completed);
        counter(registry, "ponder.engine.preemptions", "Sequences preempted for lack of KV blocks (recomputed later)",
                EngineStats::preemptions);
    }

    /** Takes a new snapshot and updates the token rates; called periodically. */
    public synchronized void sample() {
        EngineStats now = engine.stats();
        long nanos = System.nanoTime();
        double seconds = (nanos - lastNanos) / 1e9;
        if (seconds > 0) {
            prefillRate = (now.prefillTokens() - last.prefillTokens()) / seconds;
            decodeRate = (now.decodeTokens() - last.decodeTokens()) / seconds;
        }
        last = now;
        lastNanos = nanos;
    }

    private void gauge(MeterRegistry registry, String name, String doc, ToDoubleFunction<EngineStats> f, String... tags) {
        Gauge.builder(name, this, m -> f.applyAsDouble(m.last)).description(doc).tags(tags).register(registry);
    }

    private void counter(MeterRegistry registry, String name, String doc, ToDoubleFunction<EngineStats> f, String... tags) {
        FunctionCounter.builder(name, this, m -> f.applyAsDouble(m.last)).description(doc).tags(tags).register(registry);
    }
}
