package dev.ponder.app.cli;

import dev.ponder.app.config.ServiceConfig;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.json.RecordJson;
import dev.ponder.schemas.serde.AvroSerdes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Send jobs from a JSONL file (one ReasoningRequest per line, in the plain JSON of",
                "schemas/README.md) to the requests topic, keyed by request_id, with a progress bar.",
                "Every line is checked before anything is sent."})
final class SubmitCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "FILE", description = "JSONL file of jobs; - reads standard input.")
    String file;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ServiceConfig settings = client.settings();
        String topic = client.topicOr(settings.string("topics.requests"));
        List<ReasoningRequest> jobs = read();
        Map<String, Object> producerConfig = client.kafka(settings, ProducerConfig.configNames(), "producer.");
        producerConfig.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        AtomicReference<Exception> failed = new AtomicReference<>();
        try (Serde<ReasoningRequest> serde = AvroSerdes.create(settings.string("serde.class"), ReasoningRequest.class,
                client.serde(settings), false);
             KafkaProducer<String, ReasoningRequest> producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                     serde.serializer());
             ProgressBar bar = quiet ? null : ProgressBar.onStderr("submit", jobs.size())) {
            for (ReasoningRequest job : jobs) {
                // Keyed by request_id: copies of one job land in one partition, where the service deduplicates them.
                producer.send(new ProducerRecord<>(topic, job.getRequestId(), job), (metadata, e) -> {
                    if (e != null) {
                        failed.compareAndSet(null, e);
                    } else if (bar != null) {
                        bar.step(1);
                    }
                });
                if (failed.get() != null) {
                    break;
                }
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw new IllegalStateException("sending to " + topic + " failed: " + failed.get().getMessage(), failed.get());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("submitted %d jobs to %s%n", jobs.size(), topic);
        out.flush();
        return 0;
    }

    private List<ReasoningRequest> read() throws Exception {
        List<ReasoningRequest> jobs = new ArrayList<>();
        try (BufferedReader reader = file.equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    jobs.add(RecordJson.fromJson(line, ReasoningRequest.class));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + " line " + number + ": " + e.getMessage(), e);
                }
            }
        }
        if (jobs.isEmpty()) {
            throw new IllegalArgumentException(file + " has no jobs");
        }
        return jobs;
    }
}
