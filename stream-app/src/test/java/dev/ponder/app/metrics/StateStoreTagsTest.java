package dev.ponder.app.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class StateStoreTagsTest {

    @Test
    void aKeyValueStoreAndAWindowStoreAreBothExported() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(new StateStoreTags());
        registerStoreGauges(registry);

        String scrape = registry.scrape();
        assertThat(scrape).contains("state_id=\"jobs\"", "store_type=\"rocksdb\"")
                .contains("state_id=\"answered\"", "store_type=\"rocksdb-window\"")
                .contains("state_id=\"cache\"", "store_type=\"in-memory\"")
                .doesNotContain("rocksdb_state_id", "rocksdb_window_state_id");
        assertThat(registry.find("kafka.stream.state.put.rate").gauges()).hasSize(3);
    }

    @Test
    void withoutTheFilterPrometheusKeepsOnlyOneOfThem() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registerStoreGauges(registry);

        String scrape = registry.scrape();
        assertThat(scrape.contains("rocksdb_state_id=\"jobs\"") && scrape.contains("rocksdb_window_state_id=\"answered\""))
                .as("the problem the filter solves").isFalse();
    }

    @Test
    void otherMetricsAreLeftAsTheyAre() {
        var builder = Gauge.builder("kafka.stream.thread.poll.rate", () -> 1.0).tags("thread-id", "t1");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(new StateStoreTags());
        builder.register(registry);
        assertThat(registry.find("kafka.stream.thread.poll.rate").gauge().getId().getTags())
                .containsExactlyElementsOf(Tags.of("thread-id", "t1"));
    }

    private static void registerStoreGauges(PrometheusMeterRegistry registry) {
        Gauge.builder("kafka.stream.state.put.rate", () -> 1.0)
                .tags("thread.id", "t1", "task.id", "0_0", "rocksdb.state.id", "jobs").register(registry);
        Gauge.builder("kafka.stream.state.put.rate", () -> 2.0)
                .tags("thread.id", "t1", "task.id", "0_0", "rocksdb.window.state.id", "answered").register(registry);
        // Kafka's own spelling, should a binder pass it through unchanged.
        Gauge.builder("kafka.stream.state.put.rate", () -> 3.0)
                .tags("thread.id", "t1", "task.id", "0_1", "in-memory-state-id", "cache").register(registry);
    }
}
