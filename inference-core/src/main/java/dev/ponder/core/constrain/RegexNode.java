package dev.ponder.core.constrain;

import java.util.List;

/** The syntax tree of a pattern: what {@link RegexParser} produces and {@link Nfa} compiles. */
sealed interface RegexNode {
    /** Unbounded repetition in {@link Repeat#max()}. */
    int UNBOUNDED = -1;

    /** Matches the empty string. */
    record Empty() implements RegexNode {
    }

    /** Matches one code point of the set (as its UTF-8 bytes). */
    record Chars(CodePointSet set) implements RegexNode {
    }

    record Concat(List<RegexNode> parts) implements RegexNode {
    }

    record Alternation(List<RegexNode> options) implements RegexNode {
    }

    /** {@code min} to {@code max} repetitions ({@link #UNBOUNDED} for no upper limit). */
    record Repeat(RegexNode node, int min, int max) implements RegexNode {
    }

    /** A node matching exactly the given text. */
    static RegexNode literal(String text) {
        List<RegexNode> chars = text.codePoints().<RegexNode>mapToObj(cp -> new Chars(CodePointSet.single(cp))).toList();
        return chars.isEmpty() ? new Empty() : chars.size() == 1 ? chars.getFirst() : new Concat(chars);
    }

    /** The same pattern with every character set cut down to {@code allowed}. */
    static RegexNode restrict(RegexNode node, CodePointSet allowed) {
        return switch (node) {
            case Empty e -> e;
            case Chars c -> new Chars(c.set().intersect(allowed));
            case Concat c -> new Concat(c.parts().stream().map(p -> restrict(p, allowed)).toList());
            case Alternation a -> new Alternation(a.options().stream().map(o -> restrict(o, allowed)).toList());
            case Repeat r -> new Repeat(restrict(r.node(), allowed), r.min(), r.max());
        };
    }
}
