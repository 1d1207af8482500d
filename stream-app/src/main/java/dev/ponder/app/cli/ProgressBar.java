package dev.ponder.app.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr: {@code [#######.....]  70/100  70%  352/s  eta 1s}. On a terminal the
 * line is redrawn at most every 100 ms; elsewhere (logs, pipes) a line is printed at every 10%.
 */
final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long done;
    private long lastDrawNanos;
    private int lastDecile = -1;

    ProgressBar(PrintStream out, String label, long total, boolean terminal) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.terminal = terminal;
    }

    static ProgressBar onStderr(String label, long total) {
        return new ProgressBar(System.err, label, total, System.console() != null);
    }

    synchronized void step(long n) {
        done += n;
        long now = System.nanoTime();
        if (terminal) {
            if (now - lastDrawNanos > 100_000_000L || done >= total) {
                out.print('\r' + line(now));
                out.flush();
                lastDrawNanos = now;
            }
        } else {
            int decile = (int) (done * 10 / total);
            if (decile != lastDecile) {
                out.println(line(now));
                lastDecile = decile;
            }
        }
    }

    synchronized long done() {
        return done;
    }

    String line(long nowNanos) {
        double seconds = Math.max(1e-9, (nowNanos - startNanos) / 1e9);
        double rate = done / seconds;
        int filled = (int) Math.min(WIDTH, done * WIDTH / total);
        String eta = rate > 0 && done < total ? String.format(Locale.ROOT, "  eta %.0fs", (total - done) / rate) : "";
        return String.format(Locale.ROOT, "%s [%s%s] %d/%d %3d%% %.0f/s%s", label, "#".repeat(filled), ".".repeat(WIDTH - filled),
                done, total, done * 100 / total, rate, eta);
    }

    @Override
    public synchronized void close() {
        if (terminal) {
            out.println();
        }
        out.flush();
    }
}
