package dev.ponder.app.stream;

import dev.ponder.app.metrics.JobMetrics;
import dev.ponder.schemas.serde.AvroSerdeException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to a record of the requests topic that cannot be deserialized: Kafka Streams' own dead-letter
 * support (KIP-1034, {@code errors.dead.letter.queue.topic.name}) writes it, unchanged, to the dead-letter
 * topic with the exception, message, stack trace, source topic, partition and offset in {@code __streams.errors.*}
 * headers, in the same transaction as the input offset; the service goes on with the next record. This
 * handler adds one header, {@value #KIND_HEADER}, with what was wrong in the serde's words (e.g.
 * {@code UNKNOWN_SCHEMA_ID}, {@code WRONG_MAGIC_BYTE}), counts the record, and logs one line per record (kind,
 * source topic, partition and offset, the message; the stack trace at DEBUG). Kafka Streams' own two warnings
 * with a stack trace each are turned down in logback.xml, so that a flood of bad bytes does not flood the log.
 */
public final class DeadLetterHandler extends LogAndContinueExceptionHandler {
    /** The config entry through which the service hands its metrics to the handler Kafka Streams instantiates. */
    public static final String METRICS_CONFIG = "ponder.job.metrics";
    public static final String KIND_HEADER = "ponder.error.kind";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);

    private JobMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
        super.configure(configs);
        if (configs.get(METRICS_CONFIG) instanceof JobMetrics m) {
            metrics = m;
        }
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        Response response = super.handleError(context, record, exception);
        String kind = kind(exception);
        for (ProducerRecord<byte[], byte[]> dead : response.deadLetterQueueRecords()) {
            dead.headers().add(KIND_HEADER, kind.getBytes(StandardCharsets.UTF_8));
        }
        if (metrics != null) {
            metrics.deadLettered(kind);
        }
        LOG.warn("dead-lettered the record at {}-{}@{}: {}: {}", record.topic(), record.partition(), record.offset(), kind,
                oneLine(exception));
        LOG.debug("the record at {}-{}@{} could not be deserialized", record.topic(), record.partition(), record.offset(),
                exception);
        return response;
    }

    /** The innermost serde message, or the exception's own, on one line. */
    static String oneLine(Throwable e) {
        String message = e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AvroSerdeException) {
                message = t.getMessage();
            }
        }
        return message == null ? e.getClass().getSimpleName() : message.replaceAll("\\s*\\R\\s*", " ");
    }

    static String kind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AvroSerdeException avro) {
                return avro.kind().name();
            }
        }
        return e.getClass().getSimpleName();
    }
}
