package dev.ponder.app.stream;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ponder.schemas.serde.AvroSerdeException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One log line per dead letter, with where it came from and why; the stack trace only at DEBUG. */
class DeadLetterHandlerTest {

    @Test
    void eachDeadLetterIsOneWarningLineWithItsKindPlaceAndMessage() {
        Logger logger = (Logger) LoggerFactory.getLogger(DeadLetterHandler.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        Level before = logger.getLevel();
        logger.setLevel(Level.INFO);
        try {
            DeadLetterHandler handler = new DeadLetterHandler();
            handler.configure(Map.of());
            AvroSerdeException cause = new AvroSerdeException(AvroSerdeException.Kind.UNKNOWN_SCHEMA_ID,
                    "unknown schema id 99999:\n  the registry has no schema with that id");
            ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("jobs", 3, 42L, null,
                    "bad".getBytes(StandardCharsets.UTF_8));
            handler.handleError(new Context(), record, new SerializationException("wrapped", cause));

            assertThat(appender.list).hasSize(1);
            ILoggingEvent event = appender.list.getFirst();
            assertThat(event.getLevel()).isEqualTo(Level.WARN);
            assertThat(event.getFormattedMessage()).isEqualTo("dead-lettered the record at jobs-3@42: UNKNOWN_SCHEMA_ID: "
                    + "unknown schema id 99999: the registry has no schema with that id");
            assertThat(event.getThrowableProxy()).as("no stack trace at WARN").isNull();

            logger.setLevel(Level.DEBUG);
            handler.handleError(new Context(), record, new SerializationException("wrapped", cause));
            assertThat(appender.list).hasSize(3);
            assertThat(appender.list.get(2).getThrowableProxy()).as("the stack trace at DEBUG").isNotNull();
        } finally {
            logger.detachAppender(appender);
            logger.setLevel(before);
        }
    }

    /** The context Kafka Streams hands the handler, for one record of partition 3 of "jobs". */
    private static final class Context implements ErrorHandlerContext {
        @Override
        public String topic() {
            return "jobs";
        }

        @Override
        public int partition() {
            return 3;
        }

        @Override
        public long offset() {
            return 42;
        }

        @Override
        public Headers headers() {
            return new RecordHeaders();
        }

        @Override
        public String processorNodeId() {
            return "source";
        }

        @Override
        public TaskId taskId() {
            return new TaskId(0, 3);
        }

        @Override
        public long timestamp() {
            return 0;
        }

        @Override
        public byte[] sourceRawKey() {
            return null;
        }

        @Override
        public byte[] sourceRawValue() {
            return "bad".getBytes(StandardCharsets.UTF_8);
        }
    }
}
