package dev.ponder.app.testing;

import dev.ponder.core.bench.ArithmeticProblems;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.SamplingOverrides;
import dev.ponder.schemas.serde.SpecificAvroSerde;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Producing jobs the way a user's application does: a plain Kafka producer with the Avro serde. */
public final class Jobs {
    private Jobs() {
    }

    /** Arithmetic jobs for the tiny reasoner, greedy so that the answers are the model's best; ids {@code prefix + i}. */
    public static List<Job> arithmetic(String prefix, int count, long seed) {
        List<Job> jobs = new ArrayList<>();
        List<ArithmeticProblems.Problem> problems = ArithmeticProblems.generate(count, seed);
        for (int i = 0; i < count; i++) {
            ArithmeticProblems.Problem p = problems.get(i);
            ReasoningRequest request = ReasoningRequest.newBuilder().setRequestId(prefix + i).setPrompt(p.prompt())
                    .setSystem(p.system()).setMaxTokens(256)
                    .setSampling(SamplingOverrides.newBuilder().setTemperature(0f).build())
                    .setMetadata(Map.of("index", Integer.toString(i))).build();
            jobs.add(new Job(request, p));
        }
        return jobs;
    }

    public record Job(ReasoningRequest request, ArithmeticProblems.Problem problem) {
        public String id() {
            return request.getRequestId();
        }
    }

    public static KafkaProducer<String, ReasoningRequest> producer(String registryUrl) {
        SpecificAvroSerde<ReasoningRequest> serde = new SpecificAvroSerde<>(ReasoningRequest.class);
        serde.configure(Map.of("schema.registry.url", registryUrl), false);
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), serde.serializer());
    }

    /** Sends each job keyed by its request_id and waits for the acknowledgements. */
    public static void send(String topic, String registryUrl, List<ReasoningRequest> requests) {
        try (KafkaProducer<String, ReasoningRequest> producer = producer(registryUrl)) {
            for (ReasoningRequest r : requests) {
                producer.send(new ProducerRecord<>(topic, r.getRequestId(), r));
            }
            producer.flush();
        }
    }

    public static KafkaProducer<byte[], byte[]> rawProducer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer());
    }
}
