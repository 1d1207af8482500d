package dev.ponder.core.constrain;

import java.util.Arrays;
import java.util.List;

/**
 * A Thompson automaton over bytes: each state has byte-range edges and empty (epsilon) edges. Character
 * sets become their UTF-8 byte sequences, so the automaton reads exactly the UTF-8 encodings of the
 * texts the pattern matches.
 */
final class Nfa {
    /** The most states a pattern may compile to; large counted repetitions are what reach it. */
    static final int MAX_STATES = 200_000;

    private int stateCount;
    /** Per state: byte edges as triples lo, hi, target. */
    private int[][] edges = new int[64][];
    private int[] edgeCounts = new int[64];
    private int[][] epsilons = new int[64][];
    private int[] epsilonCounts = new int[64];
    private int start;
    private int accept;

    static Nfa compile(RegexNode node) {
        Nfa nfa = new Nfa();
        nfa.start = nfa.newState();
        nfa.accept = nfa.newState();
        nfa.build(node, nfa.start, nfa.accept);
        return nfa;
    }

    int start() {
        return start;
    }

    int accept() {
        return accept;
    }

    int stateCount() {
        return stateCount;
    }

    int edgeCount(int state) {
        return edgeCounts[state];
    }

    int edgeLo(int state, int edge) {
        return edges[state][3 * edge];
    }

    int edgeHi(int state, int edge) {
        return edges[state][3 * edge + 1];
    }

    int edgeTarget(int state, int edge) {
        return edges[state][3 * edge + 2];
    }

    int epsilonCount(int state) {
        return epsilonCounts[state];
    }

    int epsilonTarget(int state, int i) {
        return epsilons[state][i];
    }

    /** Adds states and edges so that the texts of {@code node} lead from {@code from} to {@code to}. */
    private void build(RegexNode node, int from, int to) {
        switch (node) {
            case RegexNode.Empty e -> epsilon(from, to);
            case RegexNode.Chars c -> buildChars(c.set(), from, to);
            case RegexNode.Concat c -> {
                List<RegexNode> parts = c.parts();
                if (parts.isEmpty()) {
                    epsilon(from, to);
                }
                int current = from;
                for (int i = 0; i < parts.size(); i++) {
                    int next = i == parts.size() - 1 ? to : newState();
                    build(parts.get(i), current, next);
                    current = next;
                }
            }
            case RegexNode.Alternation a -> {
                for (RegexNode option : a.options()) {
                    build(option, from, to);
                }
            }
            case RegexNode.Repeat r -> buildRepeat(r, from, to);
        }
    }

    private void buildChars(CodePointSet set, int from, int to) {
        for (int[] sequence : Utf8Ranges.of(set)) {
            int current = from;
            int length = sequence.length / 2;
            for (int i = 0; i < length; i++) {
                int next = i == length - 1 ? to : newState();
                edge(current, sequence[2 * i], sequence[2 * i + 1], next);
                current = next;
            }
        }
    }

    /** The mandatory copies, then either a loop or a chain of optional copies. */
    private void buildRepeat(RegexNode.Repeat r, int from, int to) {
        int current = from;
        for (int i = 0; i < r.min(); i++) {
            int next = newState();
            build(r.node(), current, next);
            current = next;
        }
        if (r.max() == RegexNode.UNBOUNDED) {
            // A fresh loop state, so that the loop's edges do not leak into the states before it.
            int loop = newState();
            epsilon(current, loop);
            build(r.node(), loop, loop);
            epsilon(loop, to);
            return;
        }
        for (int i = r.min(); i < r.max(); i++) {
            int next = newState();
            epsilon(current, to);
            build(r.node(), current, next);
            current = next;
        }
        epsilon(current, to);
    }

    private int newState() {
        if (stateCount == MAX_STATES) {
            throw new ConstraintException("the pattern needs more than " + MAX_STATES
                    + " automaton states (the limit); large counted repetitions such as {500} multiply its size");
        }
        if (stateCount == edges.length) {
            int size = stateCount * 2;
            edges = Arrays.copyOf(edges, size);
            edgeCounts = Arrays.copyOf(edgeCounts, size);
            epsilons = Arrays.copyOf(epsilons, size);
            epsilonCounts = Arrays.copyOf(epsilonCounts, size);
        }
        edges[stateCount] = new int[0];
        epsilons[stateCount] = new int[0];
        return stateCount++;
    }

    private void edge(int from, int lo, int hi, int to) {
        int n = edgeCounts[from];
        if (3 * n + 3 > edges[from].length) {
            edges[from] = Arrays.copyOf(edges[from], Math.max(6, edges[from].length * 2));
        }
        edges[from][3 * n] = lo;
        edges[from][3 * n + 1] = hi;
        edges[from][3 * n + 2] = to;
        edgeCounts[from]++;
    }

    private void epsilon(int from, int to) {
        int n = epsilonCounts[from];
        if (n == epsilons[from].length) {
            epsilons[from] = Arrays.copyOf(epsilons[from], Math.max(2, n * 2));
        }
        epsilons[from][n] = to;
        epsilonCounts[from]++;
    }
}
