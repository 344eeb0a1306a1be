package org.bastion.snapshot;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * Progress of a long snapshot write or load, logged every few seconds (items and MB done, rate, time left) and as
 * totals at the end. Updated from one thread; a check of the time between log lines costs one {@code nanoTime}.
 */
final class Progress {
    static final long EVERY_NANOS = 5_000_000_000L;
    private final String what;
    private final Consumer<String> log;
    private final long totalItems;
    private final long totalBytes;
    private final long start = System.nanoTime();
    private long nextLog = start + EVERY_NANOS;

    /**
     * @param totalItems items expected, or -1 when unknown
     * @param totalBytes bytes expected (what {@link #update}'s bytes count), or -1 when unknown; time left is
     *        estimated from bytes when known, else from items
     */
    Progress(String what, long totalItems, long totalBytes, Consumer<String> log) {
        this.what = what;
        this.totalItems = totalItems;
        this.totalBytes = totalBytes;
        this.log = log;
    }

    void update(long items, long bytes) {
        long now = System.nanoTime();
        if (now < nextLog) {
            return;
        }
        nextLog = now + EVERY_NANOS;
        double seconds = (now - start) / 1e9;
        String left = "";
        if (totalBytes > 0 && bytes > 0) {
            left = String.format(Locale.ROOT, ", about %.0f s left", Math.max(0, totalBytes - bytes) * seconds / bytes);
        } else if (totalItems > 0 && items > 0) {
            left = String.format(Locale.ROOT, ", about %.0f s left", Math.max(0, totalItems - items) * seconds / items);
        }
        log.accept(String.format(Locale.ROOT, "%s: %,d items, %.1f MB, %.1f MB/s, %,.0f items/s%s", what, items,
                bytes / 1e6, bytes / 1e6 / seconds, items / seconds, left));
    }

    /** The totals line; {@code extra} is appended when not empty. */
    String done(long items, long bytes, String extra) {
        double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
        String line = String.format(Locale.ROOT, "%s: %,d items, %.1f MB in %.2f s (%.1f MB/s, %,.0f items/s)%s", what,
                items, bytes / 1e6, seconds, bytes / 1e6 / seconds, items / seconds,
                extra.isEmpty() ? "" : "; " + extra);
        log.accept(line);
        return line;
    }

    double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }
}
