package dev.ponder.core.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of threads for the engine's data-parallel loops (matrix rows, attention heads). The
 * calling thread works too, so {@code threads} counts it. Work is handed out in chunks from a shared
 * counter, which balances load on a noisy machine; each index is processed by exactly one thread, so
 * results do not depend on the split.
 *
 * <p>Why not a ForkJoinPool: a decode step makes hundreds of short parallel calls; idle workers here
 * spin briefly before parking, which keeps the hand-off at a few microseconds while steps are flowing.
 */
public final class Parallel implements AutoCloseable {

    /** The body of a parallel loop over {@code [start, end)}; {@code worker} in [0, threads) names per-thread scratch. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end, int worker);
    }

    private static final int SPINS_BEFORE_PARK = 50_000;

    private final int threads;
    private final Thread[] workers;
    private final float[][] scratch;
    private volatile boolean closed;

    // The current job; published by the volatile write to generation.
    private RangeTask task;
    private int total;
    private int chunk;
    private final AtomicInteger nextStart = new AtomicInteger();
    private final AtomicInteger busyWorkers = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile long generation;

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, not " + threads);
        }
        this.threads = threads;
        this.scratch = new float[threads][];
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int worker = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("ponder-compute-" + worker).unstarted(() -> workLoop(worker));
            workers[i].start();
        }
    }

    /** A pool with one thread per available core. */
    public static Parallel ofAvailableCores() {
        return new Parallel(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /** A float scratch buffer of at least {@code size} for the given worker, kept between calls. */
    public float[] scratch(int worker, int size) {
        float[] s = scratch[worker];
        if (s == null || s.length < size) {
            s = new float[size];
            scratch[worker] = s;
        }
        return s;
    }

    /**
     * Runs {@code task} over {@code [0, n)} in chunks of at least {@code grain} indices and returns when
     * all are done. Not reentrant: one loop at a time (the engine has one scheduler thread).
     */
    public void forRange(int n, int grain, RangeTask task) {
        if (n <= 0) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("the compute pool is closed");
        }
        if (threads == 1 || n <= grain) {
            task.run(0, n, 0);
            return;
        }
        int chunkSize = Math.max(grain, (n + threads * 4 - 1) / (threads * 4));
        this.task = task;
        this.total = n;
        this.chunk = chunkSize;
        this.nextStart.set(0);
        this.failure.set(null);
        this.busyWorkers.set(workers.length);
        this.generation++; // volatile write: publishes the job
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        runChunks(0);
        while (busyWorkers.get() > 0) {
            Thread.onSpinWait();
        }
        this.task = null;
        Throwable t = failure.get();
        if (t != null) {
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }

    private void runChunks(int worker) {
        RangeTask job = task;
        int n = total;
        int size = chunk;
        try {
            for (int start = nextStart.getAndAdd(size); start < n; start = nextStart.getAndAdd(size)) {
                job.run(start, Math.min(n, start + size), worker);
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
            nextStart.set(n); // stop handing out work
        }
    }

    private void workLoop(int worker) {
        long seen = 0;
        while (true) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins < SPINS_BEFORE_PARK) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            runChunks(worker);
            busyWorkers.decrementAndGet();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
