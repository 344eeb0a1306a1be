package org.bastion.store;

/**
 * One stored value. Immutable apart from access bookkeeping: every mutation stores a new Item, so the weight Caffeine
 * recorded at write time stays exact.
 *
 * <p>48 bytes of heap (64-bit JVM, compressed oops): the header, the value reference, the flags, three longs and one
 * int, {@link #access}, which holds the last read to the second and the four yes/no marks. With the marks and the
 * read time as fields of their own the object was 56 bytes, 3% of a 100-byte item.
 */
public final class Item {
    /** {@link #expiresAt} for an item that never expires. */
    public static final long NEVER = 0;
    /** {@link #expiresAt} for an item that was already expired when written. */
    static final long EXPIRED = 1;
    private static final byte[] EMPTY = new byte[0];
    private static final long SECOND = 1_000_000_000L;

    /** Bits of {@link #access}: the item has been read since it was written (meta's {@code h} flag). */
    private static final int FETCHED = 1;
    /** Marked stale by an invalidation (meta's {@code md I}, {@code ms I}): readers see {@code X}. */
    private static final int STALE = 2;
    /** A client has already been told it won the right to recache this item (readers see {@code Z}). */
    private static final int WIN_SENT = 4;
    /** The key was sent base64-encoded (meta's {@code b}), so it is echoed back encoded. */
    private static final int BINARY_KEY = 8;
    private static final int MARK_BITS = 4;
    private static final int MARKS = (1 << MARK_BITS) - 1;
    /** The last read's second is kept in 28 bits: it stops moving after 8.5 years of uptime (see {@link #second}). */
    private static final long MAX_SECOND = (1L << (Integer.SIZE - MARK_BITS)) - 1;

    public final byte[] value;
    public final int flags;
    public final long cas;
    /** Clock nanos at which the item stops being visible, or {@link #NEVER}. */
    public final long expiresAt;
    /**
     * The store stamp of the write (clock nanos, strictly increasing across writes): flush_all compares it, now or
     * after a delay, never the CAS, which a client may choose.
     */
    final long storedAt;
    /**
     * The clock's second of the last read (of the write until one), shifted past the marks, which are set when the
     * item is made and never change apart from {@link #FETCHED}. Written by readers without a lock, like memcached's
     * item time: two racing readers write the same marks, and either second is a fair answer.
     */
    private int access;

    Item(byte[] value, int flags, long cas, long expiresAt, long storedAt) {
        this(value, flags, cas, expiresAt, storedAt, false, false, false);
    }

    Item(byte[] value, int flags, long cas, long expiresAt, long storedAt, boolean stale, boolean winSent,
            boolean binaryKey) {
        this.value = value;
        this.flags = flags;
        this.cas = cas;
        this.expiresAt = expiresAt;
        this.storedAt = storedAt;
        this.access = second(storedAt) << MARK_BITS | (stale ? STALE : 0) | (winSent ? WIN_SENT : 0)
                | (binaryKey ? BINARY_KEY : 0);
    }

    /** The same value under new metadata; access bookkeeping carries over. */
    Item withState(long newCas, long newExpiresAt, boolean newStale, boolean newWinSent) {
        Item copy = new Item(value, flags, newCas, newExpiresAt, storedAt, newStale, newWinSent, binaryKey());
        copy.accessLike(this, fetched());
        return copy;
    }

    /**
     * What the store keeps of this item when it was written already expired: no value, and expired since {@code now},
     * the write's clock time, so that the sweeper's grace runs from the write as for any other expired item.
     */
    Item expiredAt(long now) {
        return new Item(EMPTY, flags, cas, now, storedAt, stale(), winSent(), binaryKey());
    }

    boolean isExpired(long now) {
        return expiresAt != NEVER && now >= expiresAt;
    }

    /** Unsigned 32-bit client flags as a decimal number. */
    public long flagsUnsigned() {
        return flags & 0xFFFF_FFFFL;
    }

    /** Whether the item has been read since it was written (meta's {@code h} flag). */
    public boolean fetched() {
        return (access & FETCHED) != 0;
    }

    /** Clock nanos of the start of the second of the last read, or of the write when unread. */
    public long lastAccess() {
        return (long) (access >>> MARK_BITS) * SECOND;
    }

    /** Marked stale by an invalidation: readers see {@code X}. */
    public boolean stale() {
        return (access & STALE) != 0;
    }

    /** The key was sent base64-encoded, so it is echoed back encoded. */
    public boolean binaryKey() {
        return (access & BINARY_KEY) != 0;
    }

    boolean winSent() {
        return (access & WIN_SENT) != 0;
    }

    /**
     * A read at clock nanos {@code now}: marks the item fetched and records the second. The field is written only when
     * that changes it, so a hot item's cache line stays clean on the other cores for the rest of the second.
     */
    void accessedAt(long now) {
        int was = access;
        int is = second(now) << MARK_BITS | (was & MARKS) | FETCHED;
        if (is != was) {
            access = is;
        }
    }

    /** Takes another item's last read, keeping its own marks; only before this item is stored. */
    void accessLike(Item other, boolean fetched) {
        access = (other.access & ~MARKS) | (access & MARKS & ~FETCHED) | (fetched ? FETCHED : 0);
    }

    private static int second(long nanos) {
        return (int) Math.min(Math.max(nanos, 0) / SECOND, MAX_SECOND);
    }
}
