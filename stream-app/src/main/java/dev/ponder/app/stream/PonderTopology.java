package dev.ponder.app.stream;

import dev.ponder.app.config.Topics;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.ReasoningRecord;
import dev.ponder.schemas.avro.ReasoningRequest;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.state.Stores;

/**
 * requests topic -> jobs processor (with its two stores) -> reasoning topic and answers topic. Keys are raw
 * bytes: whatever key a producer used is copied unchanged to both outputs.
 */
public final class PonderTopology {
    static final String SOURCE = "requests-source";
    static final String PROCESSOR = "jobs";

    private PonderTopology() {
    }

    public static Topology build(StreamsConfig config, Topics topics, Serde<ReasoningRequest> requests,
                                 Serde<ReasoningRecord> reasoning, Serde<AnswerRecord> answers, JobServices services) {
        Duration retention = services.settings().dedupRetention();
        Topology topology = new Topology(new TopologyConfig(config));
        topology.addSource(SOURCE, Serdes.ByteArray().deserializer(), requests.deserializer(), topics.requests());
        topology.addProcessor(PROCESSOR, () -> new JobProcessor(services), SOURCE);
        // The jobs of a task: changelogged (the default), so another instance restores them after a crash.
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JobProcessor.JOBS_STORE),
                Serdes.String(), Serdes.ByteArray()), PROCESSOR);
        // request_ids answered recently, for deduplication; segments older than the retention are dropped.
        topology.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(JobProcessor.ANSWERED_STORE, retention,
                Duration.ofMillis(1), false), Serdes.String(), Serdes.Long()), PROCESSOR);
        topology.addSink(JobProcessor.REASONING_SINK, topics.reasoning(), Serdes.ByteArray().serializer(), reasoning.serializer(),
                PROCESSOR);
        topology.addSink(JobProcessor.ANSWERS_SINK, topics.answers(), Serdes.ByteArray().serializer(), answers.serializer(),
                PROCESSOR);
        return topology;
    }
}
