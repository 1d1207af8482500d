package dev.ponder.app.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.app.stream.JobProcessor;
import dev.ponder.app.testing.Jobs;
import dev.ponder.app.testing.Results;
import dev.ponder.app.testing.TestSetup;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.ReasoningRequest;
import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The service end to end on a real broker with the tiny reasoner. */
class PipelineTest {

    @Test
    void twoHundredArithmeticJobsGetExactlyOneReasoningAndOneAnswerEach() throws Exception {
        TestSetup setup = new TestSetup("pipeline", 4);
        List<Jobs.Job> jobs = Jobs.arithmetic("job-", 200, 20261201);
        try (PonderService service = PonderService.start(setup.config(Map.of()));
             Results results = new Results(setup)) {
            List<ReasoningRequest> requests = new ArrayList<>(jobs.stream().map(Jobs.Job::request).toList());
            // Ten producer retries: the same records again, right behind the originals.
            requests.addAll(requests.subList(0, 10));
            Jobs.send(setup.requests, setup.registryUrl, requests);

            assertThat(results.awaitAnswers(200, Duration.ofMinutes(5))).as("200 answers arrive").isTrue();
            // Copies of answered jobs, then a new job behind them on the same partition (same key).
            Jobs.send(setup.requests, setup.registryUrl, List.of(jobs.get(0).request(), jobs.get(1).request()));
            ReasoningRequest sentinel = ReasoningRequest.newBuilder(jobs.get(1).request()).setRequestId("sentinel").build();
            try (var producer = Jobs.producer(setup.registryUrl)) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(setup.requests, jobs.get(1).id(), sentinel)).get();
            }
            assertThat(results.awaitUntil(r -> r.answerIds().contains("sentinel"), Duration.ofMinutes(1))).isTrue();
            results.drain(Duration.ofSeconds(1));

            List<String> expected = new ArrayList<>(jobs.stream().map(Jobs.Job::id).toList());
            expected.add("sentinel");
            assertThat(results.answerIds()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
            assertThat(results.reasoningIds()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
            assertThat(duplicates(service)).as("copies recognized and not run").isEqualTo(12);

            int correct = 0;
            for (Jobs.Job job : jobs) {
                AnswerRecord answer = results.answer(job.id());
                assertThat(answer.getStatus()).as(job.id()).isEqualTo(AnswerStatus.OK);
                assertThat(answer.getMetadata()).containsEntry("index", job.id().substring(4));
                assertThat(answer.getModel()).isEqualTo("tiny-reasoner-q8_0");
                if (job.problem().isCorrect(answer.getAnswer())) {
                    correct++;
                }
            }
            System.out.printf("pipeline: %d of 200 correct%n", correct);
            assertThat(correct).isGreaterThanOrEqualTo(190);
            for (Results.Out<AnswerRecord> out : results.answers) {
                assertThat(out.key()).as("the input key is kept").isEqualTo(out.value().getRequestId().equals("sentinel")
                        ? jobs.get(1).id() : out.value().getRequestId());
                assertThat(out.headerId()).isEqualTo(out.value().getRequestId());
            }
            for (Results.Out<dev.ponder.schemas.avro.ReasoningRecord> out : results.reasoning) {
                assertThat(out.headerId()).isEqualTo(out.value().getRequestId());
                assertThat(out.value().getReasoning()).isNotBlank();
            }

            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + service.httpPort();
            assertThat(get(http, base + "/health").statusCode()).isEqualTo(200);
            HttpResponse<String> ready = get(http, base + "/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"state\":\"RUNNING\"");
            String metrics = get(http, base + "/metrics").body();
            assertThat(metrics).contains("ponder_engine_sequences{", "ponder_engine_kv_blocks{", "ponder_engine_prefix_cache_hit_ratio",
                    "ponder_job_latency_seconds_bucket{", "status=\"OK\"", "ponder_jobs_accepted_total",
                    "kafka_stream_", "ponder_fetch_paused");
            // Kafka Streams' store metrics: both stores (a key-value and a window store) get through Prometheus.
            assertThat(metrics).containsPattern("kafka_stream_state_\\w+\\{[^}]*[{,]state_id=\"" + JobProcessor.JOBS_STORE + "\"")
                    .containsPattern("kafka_stream_state_\\w+\\{[^}]*[{,]state_id=\"" + JobProcessor.ANSWERED_STORE)
                    .doesNotContain("rocksdb_state_id", "rocksdb_window_state_id");
        }
    }

    static double duplicates(PonderService service) {
        return service.registry().find("ponder.jobs.duplicates").counters().stream().mapToDouble(Counter::count).sum();
    }

    static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
