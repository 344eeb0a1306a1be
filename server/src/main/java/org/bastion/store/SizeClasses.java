package org.bastion.store;

/**
 * Bastion's stand-in for memcached's slab classes in {@code stats items}, {@code stats slabs}, {@code stats cachedump},
 * {@code lru_crawler metadump} and {@code watch}. Bastion has no slabs: each item takes exactly its weight (key + value
 * + per-item overhead, what {@code -m} counts, and what the per-class byte figures add up). An item is put in the class
 * memcached 1.6 would give it, with memcached's defaults, so a class number means the same on both servers: by the
 * size memcached would allocate for it ({@link #memcachedSize}), in classes of 96 bytes ({@code -n 48} plus memcached's
 * 48-byte item header), each 1.25 times the one before ({@code -f 1.25}) rounded up to 8 bytes, and last a class of
 * 512 KiB (half of memcached's 1 MiB page) that also holds every larger item, as memcached's largest class holds the
 * chunks of large items. {@code -f}, {@code -n} and {@code -C} do not change the classes.
 */
public final class SizeClasses {
    /** memcached's page size, the unit of {@code total_pages}. */
    public static final long PAGE = 1024 * 1024;
    /** memcached's {@code sizeof(item)} on 64-bit plus its default {@code -n 48}: the smallest chunk. */
    static final int SMALLEST = 48 + 48;
    /** memcached's default {@code -f}. */
    static final double FACTOR = 1.25;
    /** memcached's {@code slab_chunk_max}: half a page. */
    static final int LARGEST = (int) (PAGE / 2);
    /** Chunk size by class id; index 0 is unused, as memcached's class 0. */
    private static final int[] CHUNK = table();

    private SizeClasses() {
    }

    /** memcached's {@code slabs_init} with its defaults: grow by the factor, align to 8, stop below the largest. */
    private static int[] table() {
        int[] sizes = new int[64];
        int n = 0;
        int size = SMALLEST;
        while (size < LARGEST / FACTOR) {
            if (size % 8 != 0) {
                size += 8 - size % 8;
            }
            sizes[++n] = size;
            size = (int) (size * FACTOR);
        }
        sizes[++n] = LARGEST;
        return java.util.Arrays.copyOf(sizes, n + 1);
    }

    /** Number of classes; class ids run from 1 to this (39, as memcached's). */
    public static int count() {
        return CHUNK.length - 1;
    }

    /** The chunk size of class {@code id}: the largest item size it holds; the last class holds all larger ones. */
    public static long chunkSize(int id) {
        return CHUNK[id];
    }

    /**
     * What memcached 1.6 allocates for an item: its 48-byte header, the key and a NUL, the client flags unless they
     * are 0, the value with its CR LF, and the CAS.
     */
    public static long memcachedSize(int keyLength, int flags, int valueLength) {
        return 48 + keyLength + 1 + (flags != 0 ? 4 : 0) + valueLength + 2 + 8;
    }

    /** The class of an item under {@code key} with these flags and this many value bytes. */
    public static int of(Key key, int flags, int valueLength) {
        return classOf(memcachedSize(key.length(), flags, valueLength));
    }

    public static int of(Key key, Item item) {
        return of(key, item.flags, item.value.length);
    }

    /** The class of an item of this (memcached) size: the smallest whose chunk holds it, else the largest. */
    public static int classOf(long size) {
        int id = 1;
        while (id < count() && CHUNK[id] < size) {
            id++;
        }
        return id;
    }
}
