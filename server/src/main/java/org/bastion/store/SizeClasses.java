package org.bastion.store;

/**
 * Bastion's stand-in for memcached's slab classes in {@code stats items}, {@code stats slabs} and
 * {@code stats cachedump}. Bastion has no slabs: each item takes exactly its weight (key + value + per-item overhead,
 * what {@code -m} counts). Items are grouped by that weight into classes that double in size: class 1 holds weights up
 * to 256 bytes, class 2 up to 512, and so on up to the class that holds the largest item {@code -I} allows.
 */
public final class SizeClasses {
    static final int SMALLEST = 256;
    /** memcached's page size, the unit of {@code total_pages}. */
    public static final long PAGE = 1024 * 1024;

    private final int count;

    public SizeClasses(int maxItemSize) {
        long largest = Store.weigh(Key.of(new byte[Key.MAX_LENGTH]), maxItemSize);
        int n = 1;
        while (chunkSize(n) < largest) {
            n++;
        }
        this.count = n;
    }

    /** Number of classes; class ids run from 1 to this. */
    public int count() {
        return count;
    }

    /** The largest weight class {@code id} holds. */
    public static long chunkSize(int id) {
        return (long) SMALLEST << (id - 1);
    }

    /** The class of an item of this weight. */
    public static int classOf(long weight) {
        int id = 1;
        while (chunkSize(id) < weight) {
            id++;
        }
        return id;
    }
}
