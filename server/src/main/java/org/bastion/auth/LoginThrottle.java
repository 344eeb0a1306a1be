package org.bastion.auth;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Failed logins per source address: after {@link #FREE_FAILURES} failures, each further one locks the source out for
 * twice as long as the last (1 s, 2 s, 4 s ... up to {@link #MAX_LOCKOUT_NANOS}); while locked out, logins from it
 * fail unchecked. A success clears the source. The table is bounded: past {@link #MAX_SOURCES} the least recently
 * failing source is forgotten, so a flood of addresses costs bounded memory.
 */
public final class LoginThrottle {
    static final int FREE_FAILURES = 10;
    static final long FIRST_LOCKOUT_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long MAX_LOCKOUT_NANOS = TimeUnit.MINUTES.toNanos(5);
    /** A source that has not failed for this long starts afresh. */
    static final long FORGET_NANOS = TimeUnit.MINUTES.toNanos(15);
    static final int MAX_SOURCES = 10_000;

    private static final class Record {
        int failures;
        long lastFailure;
        long lockedUntil;
    }

    private final LongSupplier nanoClock;
    private final int maxSources;
    private final Map<InetAddress, Record> sources;

    public LoginThrottle() {
        this(System::nanoTime, MAX_SOURCES);
    }

    /** With the clock and bound of the caller's choosing (tests). */
    public LoginThrottle(LongSupplier nanoClock, int maxSources) {
        this.nanoClock = nanoClock;
        this.maxSources = maxSources;
        this.sources = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, Record> eldest) {
                return size() > LoginThrottle.this.maxSources;
            }
        };
    }

    /** Whether logins from this source are refused unchecked right now. */
    public synchronized boolean lockedOut(InetAddress source) {
        Record r = source == null ? null : sources.get(source);
        return r != null && nanoClock.getAsLong() - r.lockedUntil < 0;
    }

    /** Counts a failure; returns the lockout it starts in nanoseconds (0: none yet). */
    public synchronized long failed(InetAddress source) {
        if (source == null) {
            return 0;
        }
        long now = nanoClock.getAsLong();
        Record r = sources.get(source);
        if (r == null || now - r.lastFailure > FORGET_NANOS) {
            r = new Record();
            sources.put(source, r);
        }
        r.failures++;
        r.lastFailure = now;
        if (r.failures <= FREE_FAILURES) {
            return 0;
        }
        int doublings = Math.min(r.failures - FREE_FAILURES - 1, 30);
        long lockout = Math.min(MAX_LOCKOUT_NANOS, FIRST_LOCKOUT_NANOS << doublings);
        r.lockedUntil = now + lockout;
        return lockout;
    }

    /** A successful login: the source starts afresh. */
    public synchronized void succeeded(InetAddress source) {
        if (source != null) {
            sources.remove(source);
        }
    }

    /** Sources tracked now (bounded by the table's size). */
    public synchronized int tracked() {
        return sources.size();
    }
}
