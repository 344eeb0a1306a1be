package org.bastion.stats;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.bastion.store.Key;

/**
 * {@code stats detail}: gets, hits, sets and deletes per key prefix (the key up to memcached's {@code -D} delimiter),
 * counted only while {@code stats detail on}. Off, a record call is one volatile read and allocates nothing.
 *
 * <p>memcached tracks every prefix it sees; Bastion tracks at most {@link #MAX_PREFIXES}. Once that many are tracked,
 * keys with a new prefix are not counted (the tracked ones go on counting) and {@link #untracked()} counts the misses,
 * so a client that makes a prefix of every key cannot grow the server's memory. {@code dump} lists prefixes in
 * memcached's order (its 256-bucket hash table: murmur3 of the prefix, newest first within a bucket).
 */
public final class PrefixStats {
    /**
     * The most prefixes tracked at once. A dump is built whole (binary sends it as one value), about 300 bytes a
     * prefix at worst: at 10,000, 100 clients asking for dumps they never read ran the server out of direct memory;
     * 1,000 keeps a dump under 300 KB, and real caches have a handful of namespaces.
     */
    public static final int MAX_PREFIXES = 1_000;
    private static final int BUCKETS = 256;

    private volatile boolean enabled;
    private final ConcurrentHashMap<String, Counts> prefixes = new ConcurrentHashMap<>();
    private final AtomicLong order = new AtomicLong();
    private final LongAdder untracked = new LongAdder();

    private static final class Counts {
        final long seq;
        final int bucket;
        final LongAdder gets = new LongAdder();
        final LongAdder hits = new LongAdder();
        final LongAdder sets = new LongAdder();
        final LongAdder deletes = new LongAdder();

        Counts(long seq, int bucket) {
            this.seq = seq;
            this.bucket = bucket;
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /** {@code stats detail on|off}. Turning it off keeps what was counted, as memcached does, for a later dump. */
    public void enabled(boolean on) {
        enabled = on;
    }

    /** A get (hit or miss) of {@code key}. */
    public void get(Key key, char delimiter, boolean hit) {
        if (enabled) {
            Counts c = counts(key, delimiter);
            if (c != null) {
                c.gets.increment();
                if (hit) {
                    c.hits.increment();
                }
            }
        }
    }

    /** A text storage command of {@code key}, counted before it runs whatever its result. */
    public void set(Key key, char delimiter) {
        if (enabled) {
            Counts c = counts(key, delimiter);
            if (c != null) {
                c.sets.increment();
            }
        }
    }

    /** A text {@code delete} of {@code key}, whatever its result. */
    public void delete(Key key, char delimiter) {
        if (enabled) {
            Counts c = counts(key, delimiter);
            if (c != null) {
                c.deletes.increment();
            }
        }
    }

    /** Keys not counted because {@link #MAX_PREFIXES} prefixes were already tracked. */
    public long untracked() {
        return untracked.sum();
    }

    private Counts counts(Key key, char delimiter) {
        String text = key.toString();
        int end = text.indexOf(delimiter);
        if (end < 0) {
            return null; // memcached counts only keys that have the delimiter
        }
        String prefix = text.substring(0, end);
        Counts c = prefixes.get(prefix);
        if (c != null) {
            return c;
        }
        if (prefixes.size() >= MAX_PREFIXES) {
            untracked.increment();
            return null;
        }
        return prefixes.computeIfAbsent(prefix,
                p -> new Counts(order.incrementAndGet(), Integer.remainderUnsigned(murmur3(p.getBytes(StandardCharsets.ISO_8859_1), end), BUCKETS)));
    }

    /** {@code stats detail dump}: memcached's lines, then {@code END}. */
    public List<String> dump() {
        List<java.util.Map.Entry<String, Counts>> entries = new ArrayList<>(prefixes.entrySet());
        entries.sort(Comparator.<java.util.Map.Entry<String, Counts>>comparingInt(e -> e.getValue().bucket)
                .thenComparing(e -> -e.getValue().seq));
        List<String> out = new ArrayList<>(entries.size() + 1);
        for (java.util.Map.Entry<String, Counts> e : entries) {
            Counts c = e.getValue();
            out.add("PREFIX " + e.getKey() + " get " + c.gets.sum() + " hit " + c.hits.sum() + " set " + c.sets.sum()
                    + " del " + c.deletes.sum());
        }
        out.add("END");
        return out;
    }

    /** memcached's default hash (MurmurHash3 x86 32-bit, seed 0) of the first {@code len} bytes. */
    static int murmur3(byte[] data, int len) {
        int h = 0;
        int c1 = 0xcc9e2d51;
        int c2 = 0x1b873593;
        int blocks = len / 4;
        for (int i = 0; i < blocks; i++) {
            int k = (data[i * 4] & 0xff) | (data[i * 4 + 1] & 0xff) << 8 | (data[i * 4 + 2] & 0xff) << 16
                    | (data[i * 4 + 3] & 0xff) << 24;
            k *= c1;
            k = Integer.rotateLeft(k, 15);
            k *= c2;
            h ^= k;
            h = Integer.rotateLeft(h, 13);
            h = h * 5 + 0xe6546b64;
        }
        int k = 0;
        int tail = blocks * 4;
        switch (len & 3) {
            case 3:
                k ^= (data[tail + 2] & 0xff) << 16;
                // fall through
            case 2:
                k ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                k ^= data[tail] & 0xff;
                k *= c1;
                k = Integer.rotateLeft(k, 15);
                k *= c2;
                h ^= k;
                break;
            default:
                break;
        }
        h ^= len;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
