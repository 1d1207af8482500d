package dev.ponder.app.stream;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The jobs one instance holds, across all its tasks and stream threads: which task owns each request_id
 * (so that a duplicate id arriving on another partition of the same instance is not run twice), how many
 * jobs are held (the backpressure signal), and how many are with the engine (what a graceful shutdown waits for).
 */
public final class InFlight {
    private final ConcurrentHashMap<String, String> ownerById = new ConcurrentHashMap<>();
    private final AtomicInteger submitted = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicLong submissions = new AtomicLong();
    private final int limit;
    private volatile boolean draining;
    private final AtomicInteger leftInStores = new AtomicInteger();

    public InFlight(int limit) {
        this.limit = limit;
    }

    /** Takes {@code requestId} for {@code owner} (a task id); false when another task of this instance holds it. */
    public boolean claim(String requestId, String owner) {
        String previous = ownerById.putIfAbsent(requestId, owner);
        if (previous != null && !previous.equals(owner)) {
            return false;
        }
        peak.accumulateAndGet(ownerById.size(), Math::max);
        return true;
    }

    public void release(String requestId, String owner) {
        ownerById.remove(requestId, owner);
    }

    /** Jobs held now: accepted and not yet answered. */
    public int held() {
        return ownerById.size();
    }

    /** The most jobs held at once since start. */
    public int peakHeld() {
        return peak.get();
    }

    public int limit() {
        return limit;
    }

    /** Whether the instance should stop fetching requests: it holds its limit, or it is shutting down. */
    public boolean full() {
        return draining || ownerById.size() >= limit;
    }

    /** A fresh engine id suffix: each submission of a job gets its own, so a stale result is recognized. */
    public long nextSubmission() {
        return submissions.incrementAndGet();
    }

    public void submittedOne() {
        submitted.incrementAndGet();
    }

    public void finishedOne() {
        submitted.decrementAndGet();
    }

    /** Jobs handed to the engine whose results have not been forwarded yet. */
    public int withEngine() {
        return submitted.get();
    }

    /** Stop fetching and stop submitting (graceful shutdown); from now on {@link #leftInStores} counts. */
    public void drain() {
        leftInStores.set(0);
        draining = true;
    }

    /** A task closed with {@code jobs} unanswered jobs left in its store (for the shutdown summary). */
    public void leftInStore(int jobs) {
        leftInStores.addAndGet(jobs);
    }

    /** Unanswered jobs that tasks closed since {@link #drain} left in their stores. */
    public int leftInStores() {
        return leftInStores.get();
    }

    public boolean draining() {
        return draining;
    }
}
