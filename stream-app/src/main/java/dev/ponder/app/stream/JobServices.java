package dev.ponder.app.stream;

import dev.ponder.app.config.JobSettings;
import dev.ponder.app.metrics.JobMetrics;
/** What every task's processor of one instance shares: the engine, the instance's job registry, settings and metrics. */
public record JobServices(Generator engine, InFlight inFlight, RequestMapper mapper, JobSettings settings, JobMetrics metrics) {
}
