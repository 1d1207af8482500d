package dev.ponder.core.constrain;

import java.util.List;

/**
 * The three kinds of answer constraint, each compiled to a {@link ByteDfa} over the answer's UTF-8 bytes.
 * Every factory throws {@link ConstraintException} (or its {@link UnsupportedSchemaException}) naming what
 * is wrong or unsupported.
 */
public final class Constraints {
    private Constraints() {
    }

    /** The answer matches the pattern as a whole; see {@link RegexParser} for the supported syntax. */
    public static ByteDfa regex(String pattern) {
        return ByteDfa.fromRegex(pattern);
    }

    /** The answer is exactly one of the options. */
    public static ByteDfa choice(List<String> options) {
        if (options.isEmpty()) {
            throw new ConstraintException("a choice needs at least one option");
        }
        return ByteDfa.fromNode(new RegexNode.Alternation(options.stream().map(RegexNode::literal).toList()));
    }

    /** The answer is a JSON text valid against the schema; see {@link JsonSchemaRegex} for the rules. */
    public static ByteDfa jsonSchema(String schemaJson) {
        return ByteDfa.fromNode(JsonSchemaRegex.compile(schemaJson));
    }
}
