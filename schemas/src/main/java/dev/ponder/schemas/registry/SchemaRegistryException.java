package dev.ponder.schemas.registry;

/**
 * A schema registry refused a request or could not be reached. The message names the URL, the
 * subject (when there is one) and the HTTP status; {@link #status()} and {@link #errorCode()} carry
 * them for code ({@code -1} when there was no HTTP answer).
 */
public class SchemaRegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Confluent error code: subject not found. */
    public static final int SUBJECT_NOT_FOUND = 40401;
    /** Confluent error code: version not found. */
    public static final int VERSION_NOT_FOUND = 40402;
    /** Confluent error code: schema not found. */
    public static final int SCHEMA_NOT_FOUND = 40403;
    /** Confluent error code: incompatible schema. */
    public static final int INCOMPATIBLE_SCHEMA = 409;
    /** Confluent error code: invalid schema. */
    public static final int INVALID_SCHEMA = 42201;

    private final String url;
    private final String subject;
    private final int status;
    private final int errorCode;

    public SchemaRegistryException(String message, String url, String subject, int status, int errorCode, Throwable cause) {
        super(message, cause);
        this.url = url;
        this.subject = subject;
        this.status = status;
        this.errorCode = errorCode;
    }

    /** The URL that answered (or failed), or the {@code mock://} scope. */
    public String url() {
        return url;
    }

    /** The subject of the request, or null. */
    public String subject() {
        return subject;
    }

    /** The HTTP status, or -1 when no answer came. */
    public int status() {
        return status;
    }

    /** The registry's {@code error_code}, or -1 when it gave none. */
    public int errorCode() {
        return errorCode;
    }

    /** True for 404: subject, version or schema not found. */
    public boolean isNotFound() {
        return status == 404;
    }

    /** True for 409: the schema is incompatible with the subject's earlier versions. */
    public boolean isIncompatible() {
        return status == 409;
    }
}
