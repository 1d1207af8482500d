package dev.ponder.app.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.app.testing.ChildService;
import dev.ponder.app.testing.Jobs;
import dev.ponder.app.testing.Registry;
import dev.ponder.app.testing.Results;
import dev.ponder.app.testing.TestSetup;
import dev.ponder.schemas.avro.AnswerStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The service in a child JVM, killed for real mid-batch (SIGKILL) or stopped with SIGTERM, then another
 * instance takes over: every job is answered exactly once (read_committed), none is lost. The child and this
 * JVM share a real schema registry (Apicurio), since a mock:// registry lives in one JVM only.
 */
class ProcessFailureTest {
    private static final int JOBS = 40;

    @Test
    void aKilledInstanceLosesNothingAndDuplicatesNothing() throws Exception {
        TestSetup setup = new TestSetup("crash", 4, Registry.url());
        List<Jobs.Job> jobs = Jobs.arithmetic("crash-", JOBS, 5);
        int beforeCrash;
        try (Results results = new Results(setup)) {
            try (ChildService child = ChildService.start(setup.settings(Map.of("engine.max.running", "8")))) {
                child.awaitReady(Duration.ofMinutes(2));
                Jobs.send(setup.requests, setup.registryUrl, jobs.stream().map(Jobs.Job::request).toList());
                assertThat(results.awaitUntil(r -> r.answers.size() >= 8, Duration.ofMinutes(2))).isTrue();
                while (child.withEngine() <= 0) {
                    Thread.sleep(10); // until jobs are mid-generation
                }
                child.kill();
                results.poll(Duration.ofMillis(500));
                beforeCrash = results.answers.size();
                System.out.printf("crash: killed with %d of %d answered%n", beforeCrash, JOBS);
                assertThat(beforeCrash).isLessThan(JOBS);
            }
            try (PonderService survivor = PonderService.start(setup.config(Map.of()))) {
                assertThat(results.awaitAnswers(JOBS, Duration.ofMinutes(3))).isTrue();
                results.drain(Duration.ofSeconds(2));
                assertExactlyOnce(results, jobs);
                assertThat(survivor.registry().get("ponder.jobs.resubmitted").counter().count())
                        .as("jobs the killed instance had accepted were resumed from its store").isPositive();
            }
        }
    }

    /**
     * A killed instance restarted in place: same state directory, whose stores were left without a checkpoint.
     * Under exactly-once Kafka Streams then finds the tasks corrupted, wipes their stores and restores them from
     * the changelogs (only committed writes); the restarted instance resumes the jobs the stores hold, and
     * every job is answered exactly once.
     */
    @Test
    void aKilledInstanceRestartedInPlaceRecoversItsCorruptedTasks() throws Exception {
        TestSetup setup = new TestSetup("restart", 4, Registry.url());
        Map<String, String> settings = setup.settings(Map.of("engine.max.running", "8"));
        List<Jobs.Job> jobs = Jobs.arithmetic("restart-", JOBS, 8);
        try (Results results = new Results(setup)) {
            try (ChildService child = ChildService.start(settings)) {
                child.awaitReady(Duration.ofMinutes(2));
                Jobs.send(setup.requests, setup.registryUrl, jobs.stream().map(Jobs.Job::request).toList());
                assertThat(results.awaitUntil(r -> r.answers.size() >= 8, Duration.ofMinutes(2))).isTrue();
                while (child.withEngine() <= 0) {
                    Thread.sleep(10);
                }
                child.kill();
            }
            results.poll(Duration.ofMillis(500));
            int beforeCrash = results.answers.size();
            assertThat(beforeCrash).isLessThan(JOBS);
            long restartedAt = System.nanoTime();
            try (ChildService restarted = ChildService.start(settings)) {
                restarted.awaitReady(Duration.ofMinutes(2));
                double ready = (System.nanoTime() - restartedAt) / 1e9;
                assertThat(results.awaitAnswers(JOBS, Duration.ofMinutes(3))).as(restarted.logTail()).isTrue();
                results.drain(Duration.ofSeconds(2));
                System.out.printf("restart: killed with %d of %d answered; restarted in place, ready in %.1f s%n",
                        beforeCrash, JOBS, ready);
                assertExactlyOnce(results, jobs);
                assertThat(restarted.log()).as("the restart found the killed instance's tasks corrupted")
                        .containsIgnoringCase("corrupt");
            }
        }
    }

    /**
     * Fail-over with the default settings: two instances share the partitions; one is killed mid-batch. The
     * survivor must take the victim's partitions over (resume its stored jobs) within 20 s of the kill: the
     * consumers' 10 s session timeout to notice, plus a rebalance and the restore of small stores on a loaded
     * 2-core machine. Then every job is answered exactly once.
     */
    @Test
    void aSurvivingInstanceTakesOverAKilledOnesPartitionsWithinTwentySeconds() throws Exception {
        TestSetup setup = new TestSetup("failover", 4, Registry.url());
        List<Jobs.Job> jobs = Jobs.arithmetic("fail-", JOBS, 7);
        double resumedBefore;
        try (Results results = new Results(setup);
             PonderService survivor = PonderService.start(setup.config(Map.of("engine.max.running", "4")))) {
            try (ChildService child = ChildService.start(setup.settings(Map.of("engine.max.running", "4")))) {
                child.awaitReady(Duration.ofMinutes(2));
                Jobs.send(setup.requests, setup.registryUrl, jobs.stream().map(Jobs.Job::request).toList());
                assertThat(results.awaitUntil(r -> r.answers.size() >= 4, Duration.ofMinutes(2))).isTrue();
                while (child.withEngine() <= 0) {
                    Thread.sleep(10);
                }
                resumedBefore = survivor.registry().get("ponder.jobs.resubmitted").counter().count();
                child.kill();
            }
            long killedAt = System.nanoTime();
            while (survivor.registry().get("ponder.jobs.resubmitted").counter().count() == resumedBefore
                    && System.nanoTime() - killedAt < Duration.ofSeconds(60).toNanos()) {
                Thread.sleep(50);
            }
            double seconds = (System.nanoTime() - killedAt) / 1e9;
            System.out.printf("failover: the survivor resumed the killed instance's jobs %.1f s after the kill%n", seconds);
            assertThat(survivor.registry().get("ponder.jobs.resubmitted").counter().count()).isGreaterThan(resumedBefore);
            assertThat(seconds).as("seconds from the kill to the take-over").isLessThan(20);
            assertThat(results.awaitAnswers(JOBS, Duration.ofMinutes(3))).isTrue();
            results.drain(Duration.ofSeconds(2));
            assertExactlyOnce(results, jobs);
        }
    }

    @Test
    void sigtermFinishesRunningJobsAndLeavesTheRestInKafka() throws Exception {
        TestSetup setup = new TestSetup("sigterm", 4, Registry.url());
        int leftInStore;
        List<Jobs.Job> jobs = Jobs.arithmetic("term-", JOBS, 6);
        try (Results results = new Results(setup)) {
            try (ChildService child = ChildService.start(setup.settings(Map.of("jobs.max.in.flight", "6",
                    "shutdown.grace.ms", "60000")))) {
                child.awaitReady(Duration.ofMinutes(2));
                Jobs.send(setup.requests, setup.registryUrl, jobs.stream().map(Jobs.Job::request).toList());
                assertThat(results.awaitUntil(r -> r.answers.size() >= 6, Duration.ofMinutes(2))).isTrue();
                while (child.withEngine() <= 0) {
                    Thread.sleep(10);
                }
                // 143 = 128 + SIGTERM: how a JVM ends on that signal once its shutdown hooks (here: the graceful stop) are done.
                assertThat(child.terminate(Duration.ofSeconds(90))).as("exit code after SIGTERM").isEqualTo(143);
                // Every job with the engine finished within the grace period; fetched jobs not yet started stay stored.
                assertThat(child.log()).contains("shutting down").containsPattern("\\d+ unfinished jobs \\(0 of them running");
                Matcher left = Pattern.compile("stopped; (\\d+) unfinished jobs").matcher(child.log());
                assertThat(left.find()).isTrue();
                leftInStore = Integer.parseInt(left.group(1));
            }
            results.poll(Duration.ofMillis(500));
            int answeredBefore = results.answers.size();
            System.out.printf("sigterm: %d of %d answered before the instance left%n", answeredBefore, JOBS);
            assertThat(answeredBefore).isLessThan(JOBS);
            try (PonderService successor = PonderService.start(setup.config(Map.of()))) {
                assertThat(results.awaitAnswers(JOBS, Duration.ofMinutes(3))).isTrue();
                results.drain(Duration.ofSeconds(2));
                assertExactlyOnce(results, jobs);
                // Jobs that were with the engine finished before the stop. Records the stream thread had already
                // fetched when fetching stopped are still stored (their offsets are committed with them), and the
                // successor resumes those: never more than the jobs that were not answered before the stop.
                assertThat(successor.registry().get("ponder.jobs.resubmitted").counter().count())
                        .as("only jobs not answered before the stop are resumed").isLessThanOrEqualTo(JOBS - answeredBefore)
                        .as("the stop's summary counts the jobs it left in the stores").isEqualTo((double) leftInStore);
            }
        }
    }

    static void assertExactlyOnce(Results results, List<Jobs.Job> jobs) {
        List<String> ids = jobs.stream().map(Jobs.Job::id).toList();
        assertThat(results.answerIds()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        assertThat(results.reasoningIds()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        assertThat(results.answers).allMatch(a -> a.value().getStatus() == AnswerStatus.OK);
    }
}
