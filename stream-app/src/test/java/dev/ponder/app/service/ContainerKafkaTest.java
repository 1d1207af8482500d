package dev.ponder.app.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ponder.app.testing.ContainerKafka;
import dev.ponder.app.testing.Jobs;
import dev.ponder.app.testing.Results;
import dev.ponder.app.testing.TestKafka;
import dev.ponder.app.testing.TestSetup;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The pipeline against Kafka in a container (Testcontainers), where a Docker engine answers; skipped elsewhere.
 * Every broker test can run on the container with {@code -Dponder.test.kafka=testcontainers}.
 */
class ContainerKafkaTest {
    @Test
    void jobsAreAnsweredByAServiceOnAContainerBroker() throws Exception {
        Assumptions.assumeTrue(ContainerKafka.dockerAvailable(), "no Docker engine: the Testcontainers variant is skipped");
        TestKafka.useContainer();
        try {
            runOnContainer();
        } finally {
            TestKafka.useDefault();
        }
    }

    private static void runOnContainer() throws Exception {
        TestSetup setup = new TestSetup("container", 2);
        List<Jobs.Job> jobs = Jobs.arithmetic("tc-", 10, 1);
        try (PonderService service = PonderService.start(setup.config(Map.of()));
             Results results = new Results(setup)) {
            Jobs.send(setup.requests, setup.registryUrl, jobs.stream().map(Jobs.Job::request).toList());
            assertThat(results.awaitAnswers(jobs.size(), Duration.ofMinutes(3))).isTrue();
            results.drain(Duration.ofSeconds(1));
            ProcessFailureTest.assertExactlyOnce(results, jobs);
        }
    }
}
