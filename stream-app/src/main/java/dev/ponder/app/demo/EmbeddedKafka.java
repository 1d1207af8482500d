package dev.ponder.app.demo;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (controller and broker in one) inside this JVM, built from Apache Kafka's
 * own cluster kit: the demo's broker, so that it needs nothing but a JDK. It listens on a free port on
 * localhost; {@link #bootstrapServers()} says which, so outside clients (kcat, the CLI) can connect.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start() throws Exception {
        return start(Map.of());
    }

    /** A broker with these broker settings on top of the single-node ones (which they may override). */
    public static EmbeddedKafka start(Map<String, String> brokerConfig) throws Exception {
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "4")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "4")
                .setConfigProp("auto.create.topics.enable", "false")
                // A killed instance's open transaction is aborted when it times out, but the broker looks for
                // timed-out transactions only every 10 s by default: a take-over that restores a changelog waits
                // for that abort (see the README, "Fail-over"), so look every second.
                .setConfigProp("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        brokerConfig.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = builder.build();
        try {
            formatQuietly(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafka(cluster);
        } catch (Exception e) {
            cluster.close();
            throw new IllegalStateException("the embedded Kafka broker did not start: " + e.getMessage(), e);
        }
    }

    /**
     * Kafka's storage formatter prints its bootstrap records to standard output, which would land between the
     * demo's own lines. They go to the debug log instead (and into the error, should formatting fail). Nothing
     * else of this process prints while the broker is being formatted, so swapping the stream is safe here.
     */
    private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            cluster.format();
        } catch (Exception e) {
            throw new IllegalStateException("formatting the broker's storage failed: " + e.getMessage()
                    + "; the formatter said: " + captured.toString(StandardCharsets.UTF_8), e);
        } finally {
            System.setOut(stdout);
        }
        LOG.debug("storage formatted: {}", captured.toString(StandardCharsets.UTF_8).strip());
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
