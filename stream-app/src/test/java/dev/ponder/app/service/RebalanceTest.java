package dev.ponder.app.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.app.testing.Jobs;
import dev.ponder.app.testing.Results;
import dev.ponder.app.testing.TestSetup;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** Two instances in one group; one leaves mid-run and the other finishes its jobs. */
class RebalanceTest {

    @Test
    void whenOneOfTwoInstancesLeavesMidRunTheOtherFinishesItsJobs() throws Exception {
        TestSetup setup = new TestSetup("rebalance", 4);
        List<Jobs.Job> jobs = Jobs.arithmetic("rb-", 40, 3);
        // Standby replicas: each instance keeps a copy of the other's stores, so the take-over needs no restore.
        Map<String, String> settings = Map.of("engine.max.running", "4", "kafka.num.standby.replicas", "1");
        try (Results results = new Results(setup);
             PonderService stays = PonderService.start(setup.config(settings))) {
            PonderService leaves = PonderService.start(setup.config(settings));
            try {
                awaitRunning(stays, leaves);
                Jobs.send(setup.requests, setup.registryUrl, jobs.stream().map(Jobs.Job::request).toList());
                assertThat(results.awaitUntil(r -> answeredBy(leaves) >= 2 && leaves.inFlight().withEngine() > 0,
                        Duration.ofMinutes(2))).as("the leaving instance works on its share").isTrue();
            } finally {
                leaves.shutdown(Duration.ZERO); // leave at once: its running jobs are handed back through the store
            }
            // What the leaving instance's tasks left unanswered in their stores (running jobs handed back, waiting ones).
            int handedBack = leaves.inFlight().leftInStores();
            assertThat(results.awaitAnswers(jobs.size(), Duration.ofMinutes(3))).isTrue();
            results.drain(Duration.ofSeconds(2));
            ProcessFailureTest.assertExactlyOnce(results, jobs);
            System.out.printf("rebalance: the leaving instance answered %.0f, the other %.0f (resumed %.0f)%n", answeredBy(leaves),
                    answeredBy(stays), stays.registry().get("ponder.jobs.resubmitted").counter().count());
            assertThat(answeredBy(stays) + answeredBy(leaves)).isEqualTo(jobs.size());
            assertThat(handedBack).as("the leaving instance left at once, with work unfinished").isPositive();
            assertThat(stays.registry().get("ponder.jobs.resubmitted").counter().count())
                    .as("the remaining instance resumed every job the other left in its stores")
                    .isGreaterThanOrEqualTo(handedBack);
        }
    }

    private static double answeredBy(PonderService s) {
        return s.registry().find("ponder.job.latency").timers().stream().mapToDouble(t -> t.count()).sum();
    }

    private static void awaitRunning(PonderService... services) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (PonderService s : services) {
                all &= s.state() == KafkaStreams.State.RUNNING;
            }
            if (all) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the instances did not reach RUNNING");
    }
}
