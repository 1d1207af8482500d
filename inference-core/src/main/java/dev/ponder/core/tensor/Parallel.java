package dev.ponder.core.tensor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
    private static final VarHandle PARKED = MethodHandles.arrayElementVarHandle(boolean[].class);

    private final int threads;
    private final Thread[] workers;
    private final float[][] scratch;
    private volatile boolean closed;

    // The current job; published by the volatile write to generation.
    private RangeTask task;
    private int total;
    private int grain;
    /** Whether worker i + 1 is parked or about to park (then it needs an unpark to see new work). */
    private final boolean[] parked;
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
        this.parked = new boolean[threads - 1];
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
        this.task = task;
        this.total = n;
        this.grain = grain;
        this.nextStart.set(0);
        this.failure.set(null);
        this.busyWorkers.set(workers.length);
        this.generation++; // volatile write: publishes the job
        for (int i = 0; i < workers.length; i++) {
            if ((boolean) PARKED.getVolatile(parked, i)) { // an unpark costs a system call; a spinning worker sees the generation by itself
                LockSupport.unpark(workers[i]);
            }
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

    /**
     * Takes chunks until none is left. A chunk is a share of what remains (guided scheduling): large while
     * much remains, so that few hand-offs are paid, and small at the end, so that a thread slowed down by
     * the machine's other work leaves the others only a short wait.
     */
    private void runChunks(int worker) {
        RangeTask job = task;
        int n = total;
        int least = grain;
        try {
            while (true) {
                int start = nextStart.get();
                if (start >= n) {
                    break;
                }
                int size = Math.max(least, (n - start) / (2 * threads));
                int end = Math.min(n, start + size);
                if (nextStart.compareAndSet(start, end)) {
                    job.run(start, end, worker);
                }
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
                    parkUntilWork(worker, seen);
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

    /**
     * Parks worker {@code worker} unless work has come. The flag is raised before the generation is checked
     * again, and forRange raises the generation before it reads the flag, so one of them always sees the
     * other: no wake-up is lost.
     */
    private void parkUntilWork(int worker, long seen) {
        PARKED.setVolatile(parked, worker - 1, true);
        if (generation == seen && !closed) {
            LockSupport.park(this);
        }
        PARKED.setVolatile(parked, worker - 1, false);
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
