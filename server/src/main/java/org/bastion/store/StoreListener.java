package org.bastion.store;

/** What the store reports as it works, for counting ({@code stats}, Micrometer); called on the caller's thread. */
public interface StoreListener {
    /** An item was stored as a new item (a set, add, create-on-miss; not an in-place update). */
    void itemLinked();

    /** The size policy evicted an item of this {@link SizeClasses size class}; {@code fetched}: it had been read. */
    void evicted(int sizeClass, boolean fetched);

    /** The same eviction, with the item, for {@code watch evictions}; called after {@link #evicted}. */
    default void evictedItem(Key key, Item item) {
    }

    /**
     * A write replaced a dead item (expired or flushed) under its key: memcached's {@code reclaimed}, in the new
     * item's {@link SizeClasses size class}; {@code fetched}: the dead item had been read (else it counts in
     * {@code expired_unfetched}, as memcached counts the dead items it reclaims).
     */
    void reclaimed(int sizeClass, boolean fetched);

    /** The sweeper removed an expired item; {@code fetched}: it had been read ({@code expired_unfetched}). */
    void sweptExpired(boolean fetched);

    /** A read found the item expired ({@code get_expired}; memcached counts no {@code expired_unfetched} there). */
    void foundExpired();

    /** A read found the item hidden by {@code flush_all}. */
    void foundFlushed();
}
