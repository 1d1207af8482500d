// Prints, one per line, the Prometheus names of the metrics that the service's Micrometer binders export
// (Kafka Streams and its clients, JVM memory/GC/threads, process CPU) and of ponder's job metrics, in the
// Prometheus text format of the registry the service uses. No broker is needed: the Kafka Streams
// client is built but never started, so metrics that exist only once partitions are assigned (such as
// the per-partition records-lag) are absent.
//
// Run by ops/validate.sh with the service's fat jar on the class path (Java's source-file mode):
//   java -cp stream-app/target/ponder.jar ops/tools/MetricNames.java
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;

public class MetricNames {
    public static void main(String[] args) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ponder-metric-names");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9"); // never contacted
        props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("ponder-metric-names").toString());
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("in").to("out");
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props);
             KafkaStreamsMetrics kafka = new KafkaStreamsMetrics(streams)) {
            kafka.bindTo(registry);
            new JvmMemoryMetrics().bindTo(registry);
            new JvmGcMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            // ponder's own job metrics, when the class is there (it registers its meters in its constructor).
            try {
                Class.forName("dev.ponder.app.metrics.JobMetrics").getConstructor(MeterRegistry.class).newInstance(registry);
            } catch (ReflectiveOperationException e) {
                System.err.println("JobMetrics not found or changed: " + e);
            }
            System.gc(); // so that the GC pause timer has a value
            Thread.sleep(300);
            TreeSet<String> names = new TreeSet<>();
            for (String line : registry.scrape().split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    names.add(line.split("[{ ]", 2)[0]);
                }
            }
            names.forEach(System.out::println);
            streams.close(Duration.ofSeconds(5));
        }
    }
}
