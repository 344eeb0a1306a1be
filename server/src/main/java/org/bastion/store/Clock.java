package org.bastion.store;

/**
 * Time as the store sees it. Monotonic nanoseconds drive expiry; wall-clock milliseconds convert memcached's absolute
 * Unix expiry times. Tests use a {@link ManualClock} so they never sleep.
 */
public interface Clock {
    /** Monotonic time in nanoseconds, always at least one second, so small values can serve as markers. */
    long nanoTime();

    /** Wall-clock time in milliseconds since the Unix epoch. */
    long wallMillis();

    /** The system clock. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }

    /** Reads the system clocks; nanoTime is offset so it starts at one second. */
    final class SystemClock implements Clock {
        static final SystemClock INSTANCE = new SystemClock();
        private final long origin = System.nanoTime() - 1_000_000_000L;

        private SystemClock() {
        }

        @Override
        public long nanoTime() {
            return System.nanoTime() - origin;
        }

        @Override
        public long wallMillis() {
            return System.currentTimeMillis();
        }
    }
}
