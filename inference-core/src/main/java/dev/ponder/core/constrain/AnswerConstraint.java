package dev.ponder.core.constrain;

import java.util.List;
import java.util.Objects;

/**
 * What a request asks its answer (the text after the thought) to be: a whole match of a regular expression,
 * one of a list of choices, or a JSON text valid against a JSON Schema. A value type: equal constraints
 * compile to equal automata, so an engine may cache the compiled grammar by the constraint itself.
 *
 * <p>Leading whitespace: models write a blank line after {@code </think>} ({@code "\n\n"} for Qwen), so
 * {@link #compile()} lets the answer start with up to {@value #MAX_LEADING_WHITESPACE} whitespace characters
 * (space, tab, CR, LF) before the constrained text. The bound keeps a model from spending its tokens on
 * blank lines; the result's answer text has its leading newlines stripped as usual.
 */
public sealed interface AnswerConstraint {
    /** How many whitespace characters may come before the constrained text. */
    int MAX_LEADING_WHITESPACE = 4;

    /** The answer matches the pattern as a whole (see {@link RegexParser} for the syntax). */
    record Regex(String pattern) implements AnswerConstraint {
        public Regex {
            Objects.requireNonNull(pattern, "pattern");
        }

        @Override
        public String describe() {
            return "regex " + pattern;
        }
    }

    /** The answer is exactly one of the options. */
    record Choice(List<String> options) implements AnswerConstraint {
        public Choice {
            options = List.copyOf(options);
        }

        @Override
        public String describe() {
            return "choice of " + options.size();
        }
    }

    /** The answer is a JSON text valid against the schema (see {@link JsonSchemaRegex} for the subset). */
    record JsonSchema(String schemaJson) implements AnswerConstraint {
        public JsonSchema {
            Objects.requireNonNull(schemaJson, "schemaJson");
        }

        @Override
        public String describe() {
            return "JSON schema";
        }
    }

    /** A short label for logs and messages. */
    String describe();

    /**
     * The automaton of the answers this constraint allows, with the optional leading whitespace. Throws
     * {@link ConstraintException} (or {@link UnsupportedSchemaException}) naming what is wrong,
     * unsupported, or too big.
     */
    default ByteDfa compile() {
        RegexNode body = switch (this) {
            case Regex r -> RegexParser.parse(r.pattern());
            case Choice c -> {
                if (c.options().isEmpty()) {
                    throw new ConstraintException("a choice needs at least one option");
                }
                yield new RegexNode.Alternation(c.options().stream().map(RegexNode::literal).toList());
            }
            case JsonSchema s -> JsonSchemaRegex.compile(s.schemaJson());
        };
        RegexNode leading = new RegexNode.Repeat(new RegexNode.Chars(CodePointSet.ofChars(" \t\r\n")), 0,
                MAX_LEADING_WHITESPACE);
        return ByteDfa.fromNode(new RegexNode.Concat(List.of(leading, body)));
    }
}
