package dev.ponder.app.config;

import dev.ponder.core.sampling.SamplingParams;
import java.time.Duration;

/**
 * How the service treats jobs: the per-instance bound, the punctuation interval, deduplication,
 * size limits, and the defaults for what a request leaves out.
 *
 * @param maxInFlight        most accepted, unanswered requests per instance before it stops fetching
 * @param defaultSampling    sampling for fields a request leaves null (the seed is derived per request)
 */
public record JobSettings(int maxInFlight, Duration punctuateInterval, Duration dedupRetention, int maxRequestBytes,
                          int defaultMaxTokens, int defaultMaxReasoningTokens, SamplingParams defaultSampling,
                          int maxTokensLimit, String modelName) {

    public static JobSettings from(ServiceConfig c, EngineSettings engine) {
        int maxInFlight = c.has("jobs.max.in.flight") ? c.integer("jobs.max.in.flight") : engine.engine().maxQueued();
        positive("jobs.max.in.flight", maxInFlight);
        positive("jobs.punctuate.interval.ms", c.number("jobs.punctuate.interval.ms"));
        if (c.number("jobs.dedup.retention.ms") < 60_000) {
            throw new IllegalArgumentException("jobs.dedup.retention.ms must be at least 60000 (one minute)");
        }
        positive("jobs.max.request.bytes", c.number("jobs.max.request.bytes"));
        positive("defaults.max.tokens", c.number("defaults.max.tokens"));
        positive("limits.max.tokens", c.number("limits.max.tokens"));
        if (c.integer("defaults.max.tokens") > c.integer("limits.max.tokens")) {
            throw new IllegalArgumentException("defaults.max.tokens (" + c.integer("defaults.max.tokens")
                    + ") is above limits.max.tokens (" + c.integer("limits.max.tokens") + ")");
        }
        SamplingParams sampling;
        try {
            sampling = new SamplingParams(c.decimal("defaults.temperature"), c.integer("defaults.top.k"), c.decimal("defaults.top.p"),
                    c.decimal("defaults.min.p"), c.decimal("defaults.repetition.penalty"), c.decimal("defaults.presence.penalty"),
                    c.decimal("defaults.frequency.penalty"), 0);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("defaults.*: " + e.getMessage(), e);
        }
        return new JobSettings(maxInFlight, Duration.ofMillis(c.number("jobs.punctuate.interval.ms")),
                Duration.ofMillis(c.number("jobs.dedup.retention.ms")), c.integer("jobs.max.request.bytes"),
                c.integer("defaults.max.tokens"), c.integer("defaults.max.reasoning.tokens"), sampling,
                c.integer("limits.max.tokens"), engine.modelName());
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be positive, not " + value);
        }
    }
}
