package dev.ponder.app.service;

import dev.ponder.app.config.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the four topics exist before Kafka Streams starts: a missing one is created when
 * {@code topics.create} is on, else the start fails with a message that names it (instead of Kafka Streams
 * shutting down later with a missing-source-topic error).
 */
final class TopicCheck {
    private static final Logger LOG = LoggerFactory.getLogger(TopicCheck.class);

    private TopicCheck() {
    }

    static void ensure(Map<String, Object> adminConfig, Topics topics, boolean create, int partitions, short replication)
            throws InterruptedException {
        try (Admin admin = Admin.create(adminConfig)) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<String> missing = new ArrayList<>(topics.all().stream().filter(t -> !existing.contains(t)).toList());
            if (missing.isEmpty()) {
                return;
            }
            if (!create) {
                throw new IllegalStateException("missing topics " + missing + ": create them (see the README) or set topics.create=true");
            }
            List<NewTopic> newTopics = missing.stream().map(t -> new NewTopic(t, Optional.of(partitions),
                    replication > 0 ? Optional.of(replication) : Optional.empty())).toList();
            try {
                admin.createTopics(newTopics).all().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            LOG.info("created topics {} with {} partitions", missing, partitions);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot check the topics on the Kafka cluster: " + cause.getMessage(), cause);
        }
    }
}
