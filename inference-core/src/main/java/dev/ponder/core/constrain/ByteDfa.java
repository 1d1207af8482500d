package dev.ponder.core.constrain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deterministic automaton over bytes, built eagerly from an {@link Nfa} by subset construction and
 * cut down to its live states: every state it keeps can still reach an accepting state, so a byte that
 * leads to {@link #DEAD} is exactly a byte after which no completion of the text can match. Immutable
 * and thread-safe.
 */
public final class ByteDfa {
    /** The transition target meaning "no continuation of this text can match". */
    public static final int DEAD = -1;
    /** The most states a constraint may compile to; also bounds the per-state token mask cache. */
    public static final int MAX_STATES = 4096;

    private final int[] next;
    private final boolean[] accepting;
    private final int start;
    /** Per state, the fewest bytes that complete a match from it (0 in an accepting state). */
    private final int[] bytesToAccept;

    private ByteDfa(int[] next, boolean[] accepting, int start) {
        this.next = next;
        this.accepting = accepting;
        this.start = start;
        this.bytesToAccept = shortestCompletions(next, accepting);
    }

    /**
     * Breadth first from the accepting states over reversed transitions. Every kept state is live, so every
     * state gets a finite distance.
     */
    private static int[] shortestCompletions(int[] next, boolean[] accepting) {
        int states = accepting.length;
        int[] distance = new int[states];
        Arrays.fill(distance, Integer.MAX_VALUE);
        List<List<Integer>> predecessors = new ArrayList<>(states);
        for (int s = 0; s < states; s++) {
            predecessors.add(new ArrayList<>());
        }
        for (int s = 0; s < states; s++) {
            for (int b = 0; b < 256; b++) {
                int t = next[(s << 8) | b];
                if (t != DEAD) {
                    predecessors.get(t).add(s);
                }
            }
        }
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int s = 0; s < states; s++) {
            if (accepting[s]) {
                distance[s] = 0;
                queue.add(s);
            }
        }
        while (!queue.isEmpty()) {
            int t = queue.poll();
            for (int s : predecessors.get(t)) {
                if (distance[s] == Integer.MAX_VALUE) {
                    distance[s] = distance[t] + 1;
                    queue.add(s);
                }
            }
        }
        return distance;
    }

    /** The fewest bytes that, read from {@code state}, complete a match (0 when it is accepting). */
    public int bytesToAccept(int state) {
        return bytesToAccept[state];
    }

    /** Compiles a pattern (see {@link RegexParser} for the syntax); throws {@link ConstraintException}. */
    public static ByteDfa fromRegex(String pattern) {
        return fromNode(RegexParser.parse(pattern));
    }

    static ByteDfa fromNode(RegexNode node) {
        return new SubsetConstruction(Nfa.compile(node)).build();
    }

    public int start() {
        return start;
    }

    public int stateCount() {
        return accepting.length;
    }

    /** The state after reading {@code b} in {@code state}, or {@link #DEAD}. */
    public int next(int state, int b) {
        return next[(state << 8) | (b & 0xFF)];
    }

    public boolean isAccepting(int state) {
        return accepting[state];
    }

    /** The state after reading all of {@code bytes} from {@code state}, or {@link #DEAD}. */
    public int walk(int state, byte[] bytes) {
        int s = state;
        for (int i = 0; i < bytes.length && s != DEAD; i++) {
            s = next(s, bytes[i]);
        }
        return s;
    }

    public boolean matches(byte[] bytes) {
        int end = walk(start, bytes);
        return end != DEAD && accepting[end];
    }

    public boolean matches(String text) {
        return matches(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether some byte leads on from {@code state} (false: the text can only end here). */
    public boolean canContinue(int state) {
        for (int b = 0; b < 256; b++) {
            if (next(state, b) != DEAD) {
                return true;
            }
        }
        return false;
    }

    /** Subset construction over byte classes (bytes no NFA edge tells apart share one column). */
    private static final class SubsetConstruction {
        private final Nfa nfa;
        private final int[] byteClass = new int[256];
        private final int[] classRepresentative;
        private final Map<Key, Integer> ids = new HashMap<>();
        private final List<int[]> sets = new ArrayList<>();
        private final int[] mark;
        private int markStamp;

        SubsetConstruction(Nfa nfa) {
            this.nfa = nfa;
            this.mark = new int[nfa.stateCount()];
            boolean[] boundary = new boolean[257];
            boundary[0] = true;
            for (int s = 0; s < nfa.stateCount(); s++) {
                for (int e = 0; e < nfa.edgeCount(s); e++) {
                    boundary[nfa.edgeLo(s, e)] = true;
                    boundary[nfa.edgeHi(s, e) + 1] = true;
                }
            }
            List<Integer> representatives = new ArrayList<>();
            for (int b = 0; b < 256; b++) {
                if (boundary[b]) {
                    representatives.add(b);
                }
                byteClass[b] = representatives.size() - 1;
            }
            classRepresentative = representatives.stream().mapToInt(Integer::intValue).toArray();
        }

        ByteDfa build() {
            int classes = classRepresentative.length;
            List<int[]> classTransitions = new ArrayList<>();
            int startId = idOf(closure(new int[] {nfa.start()}));
            ArrayDeque<Integer> work = new ArrayDeque<>(List.of(startId));
            while (!work.isEmpty()) {
                int id = work.poll();
                int[] set = sets.get(id);
                int[] row = new int[classes];
                for (int c = 0; c < classes; c++) {
                    int[] moved = step(set, classRepresentative[c]);
                    if (moved.length == 0) {
                        row[c] = DEAD;
                        continue;
                    }
                    int before = sets.size();
                    row[c] = idOf(closure(moved));
                    if (sets.size() > before) {
                        work.add(row[c]);
                    }
                }
                while (classTransitions.size() <= id) {
                    classTransitions.add(null);
                }
                classTransitions.set(id, row);
            }
            return pruned(classTransitions);
        }

        private int idOf(int[] set) {
            Key key = new Key(set);
            Integer id = ids.get(key);
            if (id != null) {
                return id;
            }
            if (sets.size() == MAX_STATES) {
                throw new ConstraintException("the constraint needs more than " + MAX_STATES
                        + " automaton states (the limit); simplify it (fewer optional parts, smaller counts)");
            }
            ids.put(key, sets.size());
            sets.add(set);
            return sets.size() - 1;
        }

        private int[] step(int[] set, int b) {
            List<Integer> targets = new ArrayList<>();
            for (int s : set) {
                for (int e = 0; e < nfa.edgeCount(s); e++) {
                    if (b >= nfa.edgeLo(s, e) && b <= nfa.edgeHi(s, e)) {
                        targets.add(nfa.edgeTarget(s, e));
                    }
                }
            }
            return targets.stream().mapToInt(Integer::intValue).toArray();
        }

        /** The states reachable by empty edges, kept only if they read bytes or accept (sorted). */
        private int[] closure(int[] from) {
            markStamp++;
            ArrayDeque<Integer> stack = new ArrayDeque<>();
            List<Integer> kept = new ArrayList<>();
            for (int s : from) {
                if (mark[s] != markStamp) {
                    mark[s] = markStamp;
                    stack.push(s);
                }
            }
            while (!stack.isEmpty()) {
                int s = stack.pop();
                if (nfa.edgeCount(s) > 0 || s == nfa.accept()) {
                    kept.add(s);
                }
                for (int i = 0; i < nfa.epsilonCount(s); i++) {
                    int t = nfa.epsilonTarget(s, i);
                    if (mark[t] != markStamp) {
                        mark[t] = markStamp;
                        stack.push(t);
                    }
                }
            }
            int[] set = kept.stream().mapToInt(Integer::intValue).toArray();
            Arrays.sort(set);
            return set;
        }

        /** Drops the states that cannot reach acceptance, renumbers the rest, and expands classes to bytes. */
        private ByteDfa pruned(List<int[]> classTransitions) {
            int n = sets.size();
            boolean[] live = new boolean[n];
            boolean changed = true;
            for (int s = 0; s < n; s++) {
                live[s] = Arrays.binarySearch(sets.get(s), nfa.accept()) >= 0;
            }
            while (changed) {
                changed = false;
                for (int s = 0; s < n; s++) {
                    if (!live[s]) {
                        for (int t : classTransitions.get(s)) {
                            if (t != DEAD && live[t]) {
                                live[s] = true;
                                changed = true;
                                break;
                            }
                        }
                    }
                }
            }
            if (!live[0]) {
                throw new ConstraintException("the constraint matches no text at all");
            }
            int[] newId = new int[n];
            int kept = 0;
            for (int s = 0; s < n; s++) {
                newId[s] = live[s] ? kept++ : DEAD;
            }
            int[] next = new int[kept << 8];
            boolean[] accepting = new boolean[kept];
            for (int s = 0; s < n; s++) {
                if (!live[s]) {
                    continue;
                }
                int[] row = classTransitions.get(s);
                for (int b = 0; b < 256; b++) {
                    int t = row[byteClass[b]];
                    next[(newId[s] << 8) | b] = t == DEAD ? DEAD : newId[t];
                }
                accepting[newId[s]] = Arrays.binarySearch(sets.get(s), nfa.accept()) >= 0;
            }
            return new ByteDfa(next, accepting, newId[0]);
        }
    }

    private record Key(int[] states) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && Arrays.equals(states, other.states);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(states);
        }
    }
}
