package org.bastion.stats;

import java.net.InetSocketAddress;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.SizeClasses;
import org.bastion.store.Store;

/**
 * memcached's {@code watch}: the attached watchers and the log lines they asked for, in memcached 1.6.18's formats.
 * Each emitter first checks {@link #wants} (one volatile read); with no watcher attached nothing else runs and
 * nothing is allocated.
 */
public final class LogWatchers {
    public static final int FETCHERS = 1;
    public static final int MUTATIONS = 2;
    public static final int EVICTIONS = 4;
    public static final int CONNEVENTS = 8;
    /** Streams that name keys. */
    public static final int KEYED = FETCHERS | MUTATIONS | EVICTIONS;

    private static final String[] STORE_STATUS = {"stored", "not_stored", "exists", "not_found", "no_memory"};

    private final CopyOnWriteArrayList<Watcher> watchers = new CopyOnWriteArrayList<>();
    private final AtomicLong gid = new AtomicLong();
    private volatile int mask;

    /** Whether any watcher asked for one of {@code flags}. */
    public boolean wants(int flags) {
        return (mask & flags) != 0;
    }

    /**
     * At most this many watchers at once, memcached's {@code WATCHER_LIMIT}: each holds a queue of up to
     * {@link Watcher#CAPACITY_BYTES} on the heap, and 900 watchers that never read were seen to fill a 160 MB heap.
     */
    public static final int LIMIT = 20;

    /** Attaches a watcher of {@code flags} with a queue of {@code capacityBytes}; null when {@link #LIMIT} are. */
    public Watcher attach(int flags, int capacityBytes) {
        Watcher w = new Watcher(flags, capacityBytes);
        synchronized (this) {
            if (watchers.size() >= LIMIT) {
                return null;
            }
            watchers.add(w);
            mask |= flags;
        }
        return w;
    }

    /** Watchers attached now: memcached's {@code log_watchers}. */
    public int count() {
        return watchers.size();
    }

    public void detach(Watcher w) {
        synchronized (this) {
            watchers.remove(w);
            int m = 0;
            for (Watcher each : watchers) {
                m |= each.flags;
            }
            mask = m;
        }
    }

    private void emit(int flag, String rest) {
        java.time.Instant now = java.time.Instant.now();
        // memcached prints the microseconds without zero padding ("%d.%d")
        String line = "ts=" + now.getEpochSecond() + "." + now.getNano() / 1000 + " gid=" + gid.incrementAndGet() + " "
                + rest + "\n";
        for (Watcher w : watchers) {
            if ((w.flags & flag) != 0) {
                w.offer(line);
            }
        }
    }

    /** A fetch: {@code item} null for a miss. */
    public void itemGet(Key key, Item item, long connection) {
        if (wants(FETCHERS)) {
            emit(FETCHERS, "type=item_get key=" + uriEncode(key.toString()) + " status="
                    + (item == null ? "not_found clsid=0" : "found clsid=" + classOf(key, item)) + " cfd=" + connection
                    + " size=" + (item == null ? 0 : item.value.length));
        }
    }

    /** A storage command's result; {@code command} is memcached's name (set, add, ..., cas). */
    public void itemStore(Key key, Store.StoreResult result, String command, long ttlSeconds, int flags, int length,
            long connection) {
        if (wants(MUTATIONS)) {
            int clsid = SizeClasses.of(key, flags, length); // the new item's class, whatever became of it
            emit(MUTATIONS, "type=item_store key=" + uriEncode(key.toString()) + " status="
                    + STORE_STATUS[result.ordinal()] + " cmd=" + command + " ttl=" + ttlSeconds
                    + " clsid=" + clsid + " cfd=" + connection + " size=" + length);
        }
    }

    /** An item evicted by the size limit. */
    public void eviction(Key key, Item item) {
        if (wants(EVICTIONS) && key != null && item != null) {
            long now = System.nanoTime();
            long ttl = item.expiresAt == Item.NEVER ? -1 : Math.max(0, (item.expiresAt - now) / 1_000_000_000L);
            emit(EVICTIONS, "type=eviction key=" + uriEncode(key.toString())
                    + " fetch=" + (item.fetched() ? "yes" : "no")
                    + " ttl=" + ttl + " la=" + Math.max(0, (now - item.lastAccess()) / 1_000_000_000L) + " clsid="
                    + classOf(key, item) + " size=" + item.value.length);
        }
    }

    /** A connection admitted. */
    public void connNew(InetSocketAddress remote, long connection) {
        if (wants(CONNEVENTS)) {
            emit(CONNEVENTS, "type=conn_new " + address(remote) + " cfd=" + connection);
        }
    }

    /**
     * A connection closed, with memcached's reason: {@code error}, {@code normal}, {@code idle_timeout} or
     * {@code shutdown}.
     */
    public void connClose(InetSocketAddress remote, long connection, String reason) {
        if (wants(CONNEVENTS)) {
            emit(CONNEVENTS, "type=conn_close " + address(remote) + " reason=" + reason + " cfd=" + connection);
        }
    }

    /** memcached's endpoint fields; a connection with no network address came in over the Unix socket (-s). */
    private static String address(InetSocketAddress remote) {
        if (remote == null || remote.getAddress() == null) {
            return "rip=unix rport=0 transport=local";
        }
        return "rip=" + remote.getAddress().getHostAddress() + " rport=" + remote.getPort() + " transport=tcp";
    }

    private static int classOf(Key key, Item item) {
        return SizeClasses.of(key, item);
    }

    /** memcached's {@code uriencode}, as {@code lru_crawler metadump} prints keys. */
    static String uriEncode(String key) {
        return StatsReport.uriEncode(key.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    }
}
