package org.bastion.store;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to: for tests of expiry and flush. */
public final class ManualClock implements Clock {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicLong wallMillis;

    public ManualClock(long wallMillis) {
        this.wallMillis = new AtomicLong(wallMillis);
    }

    public ManualClock() {
        this(1_700_000_000_000L);
    }

    /** Moves both clocks forward. */
    public void advance(long amount, TimeUnit unit) {
        nanos.addAndGet(unit.toNanos(amount));
        wallMillis.addAndGet(unit.toMillis(amount));
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public long wallMillis() {
        return wallMillis.get();
    }
}
