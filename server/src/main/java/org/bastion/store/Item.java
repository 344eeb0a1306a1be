package org.bastion.store;

/**
 * One stored value. Immutable apart from access bookkeeping: every mutation stores a new Item, so the weight Caffeine
 * recorded at write time stays exact.
 */
public final class Item {
    /** {@link #expiresAt} for an item that never expires. */
    public static final long NEVER = 0;
    /** {@link #expiresAt} for an item that was already expired when written. */
    static final long EXPIRED = 1;
    private static final byte[] EMPTY = new byte[0];

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
    /** Clock nanos of the last read; racy by design (a hint for meta's {@code l} flag). */
    public long lastAccess;
    /** Whether the item has been read since it was written (meta's {@code h} flag). */
    public boolean fetched;
    /** Marked stale by an invalidation (meta's {@code md I}, {@code ms I}): readers see {@code X}. */
    public final boolean stale;
    /** A client has already been told it won the right to recache this item (readers see {@code Z}). */
    final boolean winSent;
    /** The key was sent base64-encoded (meta's {@code b}), so it is echoed back encoded. */
    public final boolean binaryKey;

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
        this.lastAccess = storedAt;
        this.stale = stale;
        this.winSent = winSent;
        this.binaryKey = binaryKey;
    }

    /** The same value under new metadata; access bookkeeping carries over. */
    Item withState(long newCas, long newExpiresAt, boolean newStale, boolean newWinSent) {
        Item copy = new Item(value, flags, newCas, newExpiresAt, storedAt, newStale, newWinSent, binaryKey);
        copy.fetched = fetched;
        copy.lastAccess = lastAccess;
        return copy;
    }

    /**
     * What the store keeps of this item when it was written already expired: no value, and expired since {@code now},
     * the write's clock time, so that the sweeper's grace runs from the write as for any other expired item.
     */
    Item expiredAt(long now) {
        return new Item(EMPTY, flags, cas, now, storedAt, stale, winSent, binaryKey);
    }

    boolean isExpired(long now) {
        return expiresAt != NEVER && now >= expiresAt;
    }

    /** Unsigned 32-bit client flags as a decimal number. */
    public long flagsUnsigned() {
        return flags & 0xFFFF_FFFFL;
    }
}
