package org.bastion.policy;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code -c} and {@code --max-conns-per-ip}: slots taken when a connection is admitted and given back when it closes,
 * so a freed slot can be used at once. A refused connection never holds a slot, so a flood of refusals cannot crowd
 * out the clients that are admitted.
 */
public final class ConnectionLimits {
    /** The outcome of asking for a slot. */
    enum Verdict { ADMITTED, OVER_TOTAL, OVER_SOURCE }

    private final int maxTotal;
    private final int maxPerSource;
    private final AtomicLong open;
    private final ConcurrentHashMap<InetAddress, Integer> bySource = new ConcurrentHashMap<>();

    /**
     * @param open the gauge of open connections, shared with {@code stats} so there is one count
     * @param maxPerSource 0 for no per-source limit
     */
    public ConnectionLimits(int maxTotal, int maxPerSource, AtomicLong open) {
        this.maxTotal = maxTotal;
        this.maxPerSource = maxPerSource;
        this.open = open;
    }

    Verdict tryAcquire(InetAddress source) {
        long current;
        do {
            current = open.get();
            if (current >= maxTotal) {
                return Verdict.OVER_TOTAL;
            }
        } while (!open.compareAndSet(current, current + 1));
        if (maxPerSource > 0 && source != null) {
            boolean[] over = new boolean[1];
            bySource.compute(source, (k, n) -> {
                int held = n == null ? 0 : n;
                if (held >= maxPerSource) {
                    over[0] = true;
                    return n;
                }
                return held + 1;
            });
            if (over[0]) {
                open.decrementAndGet();
                return Verdict.OVER_SOURCE;
            }
        }
        return Verdict.ADMITTED;
    }

    /** Gives back the slot of an admitted connection that has closed. */
    void release(InetAddress source) {
        if (maxPerSource > 0 && source != null) {
            bySource.computeIfPresent(source, (k, n) -> n <= 1 ? null : n - 1);
        }
        open.decrementAndGet();
    }

    /** Connections this source holds now. */
    int heldBy(InetAddress source) {
        return bySource.getOrDefault(source, 0);
    }
}
