package org.bastion.stats;

import java.util.ArrayDeque;

/**
 * One {@code watch} connection's queue of log lines. Bounded by bytes ({@link #CAPACITY_BYTES}, memcached's
 * {@code watcher_logbuf_size}): a line that does not fit is dropped and counted, and the next line delivered is
 * preceded by memcached's {@code skipped=N}, so a watcher that does not read cannot grow the server's memory.
 */
public final class Watcher {
    /** Bytes of lines a watcher may have waiting, as memcached's default {@code watcher_logbuf_size}. */
    public static final int CAPACITY_BYTES = 256 * 1024;

    final int flags;
    private final int capacity;
    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private int bytes;
    private long skipped;
    private long totalSkipped;
    private volatile Runnable wakeup = () -> { };

    Watcher(int flags, int capacity) {
        this.flags = flags;
        this.capacity = capacity;
    }

    /** Called (on any thread) after lines were queued while the queue was empty: schedule {@link #poll}s. */
    public void onLines(Runnable wakeup) {
        this.wakeup = wakeup;
    }

    void offer(String line) {
        boolean wasEmpty;
        synchronized (this) {
            if (bytes + line.length() > capacity) {
                skipped++;
                totalSkipped++;
                return;
            }
            wasEmpty = lines.isEmpty();
            lines.add(line);
            bytes += line.length();
        }
        if (wasEmpty) {
            wakeup.run();
        }
    }

    /** The next line to send (with its {@code \n}), {@code skipped=N} first after drops, or null when none waits. */
    public synchronized String poll() {
        if (skipped > 0) {
            String s = "skipped=" + skipped + "\n";
            skipped = 0;
            return s;
        }
        String line = lines.poll();
        if (line != null) {
            bytes -= line.length();
        }
        return line;
    }

    /** Bytes of lines waiting. */
    public synchronized int queuedBytes() {
        return bytes;
    }

    /** Lines dropped since the watch began. */
    public synchronized long dropped() {
        return totalSkipped;
    }
}
