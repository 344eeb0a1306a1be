package org.bastion.protocol;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-wide bound on input held for requests not yet complete (partial command lines and values, each already
 * bounded per connection by the line limits and {@code -I}). Translators report what they hold through their
 * {@link Account}; when the total passes the budget, the largest holders are closed until it fits again: they are the
 * ones whose release frees the most, and a connection sending whole requests holds nothing between reads, so ordinary
 * clients are never chosen while partial senders hold the budget.
 *
 * <p>A connection that holds nothing costs nothing here: {@link Account#hold} returns at once when the figure did not
 * change, so the get path stays free of atomics.
 */
public final class InputBudget {
    private final long limit;
    private final AtomicLong total = new AtomicLong();
    private final Set<Account> holders = ConcurrentHashMap.newKeySet();
    private final AtomicLong evictions = new AtomicLong();

    public InputBudget(long limitBytes) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("input budget must be positive: " + limitBytes);
        }
        this.limit = limitBytes;
    }

    /** A budget nothing reaches (tests, benchmarks). */
    public static InputBudget unlimited() {
        return new InputBudget(Long.MAX_VALUE);
    }

    public long limit() {
        return limit;
    }

    /** Bytes held now across every connection. */
    public long held() {
        return total.get();
    }

    /** Connections closed so far to bring the total back under the budget. */
    public long evictions() {
        return evictions.get();
    }

    /** An account for one connection; {@code evict} is called (from any thread) when it is chosen to be closed. */
    public Account open(Runnable evict) {
        return new Account(evict);
    }

    private void overBudget() {
        synchronized (this) {
            // Bounded: each pass removes one holder from the set, or stops.
            while (total.get() > limit) {
                Account largest = null;
                long most = 0;
                for (Account a : holders) {
                    long h = a.held;
                    if (h > most) {
                        most = h;
                        largest = a;
                    }
                }
                if (largest == null || !largest.evict()) {
                    return;
                }
            }
        }
    }

    /** What one connection holds. */
    public final class Account {
        private final Runnable evict;
        private volatile long held;
        private boolean evicted;

        private Account(Runnable evict) {
            this.evict = evict;
        }

        /** Records that the connection now holds {@code bytes} of input; may close the largest holders. */
        public void hold(long bytes) {
            if (bytes == held) {
                return;
            }
            boolean over;
            synchronized (this) {
                if (evicted) {
                    return;
                }
                long before = held;
                held = bytes;
                if (bytes == 0) {
                    holders.remove(this);
                } else if (before == 0) {
                    holders.add(this);
                }
                over = total.addAndGet(bytes - before) > limit;
            }
            if (over) {
                overBudget();
            }
        }

        /** The connection is gone: what it held is free. */
        public void release() {
            hold(0);
        }

        private boolean evict() {
            synchronized (this) {
                holders.remove(this);
                if (evicted) {
                    return true;
                }
                evicted = true;
                total.addAndGet(-held);
                held = 0;
            }
            evictions.incrementAndGet();
            evict.run();
            return true;
        }
    }
}
