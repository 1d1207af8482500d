package dev.ponder.app.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.ArrayList;
import java.util.List;

/**
 * One set of tag keys for Kafka Streams' state store metrics. Kafka tags a store's metrics with a key that names
 * the store type ({@code rocksdb-state-id} for the job store, {@code rocksdb-window-state-id} for the answered
 * store, {@code in-memory-state-id}, ...; Micrometer's binder turns the dashes into dots), so one metric name
 * such as {@code kafka.stream.state.put.rate} comes with two sets of tag keys. Prometheus allows one set per
 * name, and the registry drops every meter that differs from the first it saw. This filter renames any
 * {@code *.state.id} key to {@code state.id} and keeps the type in a {@code store.type} tag
 * ({@code rocksdb}, {@code rocksdb-window}, ...), so every store's metrics are exported.
 */
public final class StateStoreTags implements MeterFilter {
    static final String PREFIX = "kafka.stream.state.";
    static final String STATE_ID = "state.id";
    static final String STORE_TYPE = "store.type";
    private static final int SUFFIX_LENGTH = ".state.id".length();

    @Override
    public Meter.Id map(Meter.Id id) {
        if (!id.getName().startsWith(PREFIX)) {
            return id;
        }
        List<Tag> tags = new ArrayList<>();
        boolean renamed = false;
        for (Tag tag : id.getTagsAsIterable()) {
            String key = tag.getKey().replace('-', '.');
            if (key.endsWith("." + STATE_ID) && !renamed) {
                tags.add(Tag.of(STATE_ID, tag.getValue()));
                tags.add(Tag.of(STORE_TYPE, key.substring(0, key.length() - SUFFIX_LENGTH).replace('.', '-')));
                renamed = true;
            } else {
                tags.add(tag);
            }
        }
        return renamed ? id.replaceTags(tags) : id;
    }
}
