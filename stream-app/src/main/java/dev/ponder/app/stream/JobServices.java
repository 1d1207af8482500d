package dev.ponder.app.stream;

import dev.ponder.app.config.JobSettings;
import dev.ponder.app.metrics.JobMetrics;
import dev.ponder.core.engine.Generator;

/**
 * What every task's processor of one instance shares: the engine (as a {@link Generator}: the engine itself in the
 * service, a stand-in in the topology's tests or one that makes tool calls on cue), the instance's job registry,
 * settings and metrics.
 */
public record JobServices(Generator engine, InFlight inFlight, RequestMapper mapper, JobSettings settings, JobMetrics metrics) {
}
