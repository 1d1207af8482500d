package dev.ponder.core.constrain;

/** A JSON Schema uses a keyword (or a value of one) that {@link JsonSchemaRegex} cannot express. */
public final class UnsupportedSchemaException extends ConstraintException {
    private final String keyword;

    public UnsupportedSchemaException(String keyword, String message) {
        super("unsupported JSON Schema keyword '" + keyword + "': " + message);
        this.keyword = keyword;
    }

    /** The keyword at fault, e.g. {@code "$ref"} or {@code "minimum"}. */
    public String keyword() {
        return keyword;
    }
}
