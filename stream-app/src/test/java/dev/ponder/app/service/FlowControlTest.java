package dev.ponder.app.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.app.testing.Jobs;
import dev.ponder.app.testing.Results;
import dev.ponder.app.testing.TestKafka;
import dev.ponder.app.testing.TestSetup;
import dev.ponder.schemas.avro.AnswerRecord;
import dev.ponder.schemas.avro.AnswerStatus;
import dev.ponder.schemas.avro.ReasoningRequest;
import dev.ponder.schemas.avro.SamplingOverrides;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** Backpressure and long jobs: the backlog stays in Kafka, and no job is too long for the consumer group. */
class FlowControlTest {

    @Test
    void anInstanceHoldsABoundedNumberOfJobsAndLeavesTheBacklogInTheTopic() throws Exception {
        TestSetup setup = new TestSetup("backpressure", 1);
        int limit = 4;
        List<Jobs.Job> jobs = Jobs.arithmetic("bp-", 40, 7);
        try (PonderService service = PonderService.start(setup.config(Map.of("jobs.max.in.flight", Integer.toString(limit))));
             Results results = new Results(setup);
             Admin admin = TestKafka.admin()) {
            Jobs.send(setup.requests, setup.registryUrl, jobs.stream().map(Jobs.Job::request).toList());
            boolean sawPausedWithBacklog = false;
            while (results.answers.size() < jobs.size()) {
                results.poll(Duration.ofMillis(50));
                boolean paused = service.registry().get("ponder.fetch.paused").gauge().value() == 1;
                if (paused && !sawPausedWithBacklog) {
                    sawPausedWithBacklog = committed(admin, setup.name) < jobs.size() - 2 * limit;
                }
                assertThat(service.state()).isIn(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
            }
            results.drain(Duration.ofSeconds(1));
            assertThat(results.answerIds()).hasSize(jobs.size()).doesNotHaveDuplicates();
            assertThat(results.answers).allMatch(o -> o.value().getStatus() == AnswerStatus.OK);
            // The limit, plus at most one poll's records (max.poll.records follows the limit) fetched before the pause.
            assertThat(service.inFlight().peakHeld()).isBetween(limit, 2 * limit);
            assertThat(sawPausedWithBacklog).as("fetching paused while most jobs were still in the topic").isTrue();
        }
    }

    @Test
    void aJobLongerThanMaxPollIntervalRunsOnceWithoutARebalance() throws Exception {
        TestSetup setup = new TestSetup("long-job", 1);
        long pollInterval = 1500;
        // Near-uniform sampling over the vocabulary: the end-of-turn token is one of ~150,000 equally likely
        // choices, so the tiny model rambles until max_tokens instead of answering in ~60 tokens.
        ReasoningRequest rambling = ReasoningRequest.newBuilder().setRequestId("long").setPrompt("What is 12 + 30?")
                .setMaxTokens(600).setSampling(SamplingOverrides.newBuilder().setTemperature(50f).setTopK(0).setTopP(1f).build())
                .build();
        List<Jobs.Job> after = Jobs.arithmetic("after-", 3, 11);
        try (PonderService service = PonderService.start(setup.config(Map.of(
                "kafka.max.poll.interval.ms", Long.toString(pollInterval),
                "engine.repetition.window", "0")));
             Results results = new Results(setup)) {
            Jobs.send(setup.requests, setup.registryUrl, List.of(rambling));
            Jobs.send(setup.requests, setup.registryUrl, after.stream().map(Jobs.Job::request).toList());
            assertThat(results.awaitAnswers(4, Duration.ofMinutes(3))).isTrue();
            results.drain(Duration.ofSeconds(1));

            AnswerRecord answer = results.answer("long");
            System.out.printf("long job: %s after %d ms, %d tokens%n", answer.getStatus(), answer.getTimings().getTotalMs(),
                    answer.getUsage().getReasoningTokens() + answer.getUsage().getAnswerTokens());
            assertThat(answer.getStatus()).isEqualTo(AnswerStatus.LENGTH);
            assertThat(answer.getTimings().getTotalMs()).as("the job really outlasts max.poll.interval.ms")
                    .isGreaterThan(pollInterval);
            assertThat(results.answerIds()).hasSize(4).doesNotHaveDuplicates();
            assertThat(service.rebalances()).as("no rebalance: the consumer kept polling").isZero();
            assertThat(service.registry().get("ponder.jobs.submitted").counter().count()).isEqualTo(4);
            assertThat(service.registry().get("ponder.jobs.resubmitted").counter().count()).isZero();
            assertThat(service.state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
    }

    private static long committed(Admin admin, String group) throws Exception {
        Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        return offsets.entrySet().stream().filter(e -> e.getKey().topic().endsWith(".requests") && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
    }
}
