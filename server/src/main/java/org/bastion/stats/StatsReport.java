package org.bastion.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bastion.config.Settings;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.SizeClasses;
import org.bastion.store.Store;

/**
 * memcached's {@code stats} family from the one set of counters: true values under memcached's key names, as
 * protocol-neutral name/value pairs that each protocol formats its own way.
 *
 * <p>Long because memcached's {@code stats} has eight families (general, settings, items, slabs, sizes, conns, detail,
 * reset), each a list of names in memcached's order; kept together they read as the reference's one table.
 */
public final class StatsReport {
    /** Bastion's own release, reported beside the memcached version it matches. */
    public static final String BASTION_VERSION = versionOfJar();
    /** memcached's version Bastion matches; clients and tools choose behaviour by it. */
    public static final String COMPATIBLE_VERSION = "1.6.18";
    /** memcached stops a cachedump at 2 MB of output. */
    private static final int CACHEDUMP_MAX_BYTES = 2 * 1024 * 1024;

    private final Store store;
    private final Stats stats;
    private final Settings settings;
    private final ServerFacts facts;

    public StatsReport(Store store, Stats stats, Settings settings, ServerFacts facts) {
        this.store = store;
        this.stats = stats;
        this.settings = settings;
        this.facts = facts;
    }

    private static void stat(List<Stat> out, String name, Object value) {
        out.add(new Stat(name, String.valueOf(value)));
    }

    /**
     * memcached's general set, for the features Bastion has. Keys for machinery Bastion lacks (libevent, slab
     * reassignment, LRU crawler, hash table, extstore, read buffers) are left out rather than printed as zeros.
     */
    public void general(List<Stat> out) {
        Stats s = stats;
        long now = System.currentTimeMillis();
        long[] cpu = cpuTimesMicros();
        stat(out, "pid", ProcessHandle.current().pid());
        stat(out, "uptime", (System.nanoTime() - s.startedAtNanos) / 1_000_000_000L);
        stat(out, "time", now / 1000);
        stat(out, "version", COMPATIBLE_VERSION);
        stat(out, "bastion_version", BASTION_VERSION);
        stat(out, "pointer_size", pointerSize());
        stat(out, "rusage_user", seconds(cpu[0]));
        stat(out, "rusage_system", seconds(cpu[1]));
        stat(out, "max_connections", settings.maxConnections());
        stat(out, "curr_connections", s.currConnections.get());
        stat(out, "total_connections", s.totalConnections.sum());
        stat(out, "rejected_connections", s.rejectedConnections.sum());
        stat(out, "denied_connections", s.deniedConnections.sum());
        stat(out, "idle_kicks", s.idleKicks.sum());
        stat(out, "request_timeouts", s.requestTimeouts.sum());
        stat(out, "cmd_get", s.cmdGet.sum());
        stat(out, "cmd_set", s.cmdSet.sum());
        stat(out, "cmd_flush", s.cmdFlush.sum());
        stat(out, "cmd_touch", s.cmdTouch.sum());
        stat(out, "cmd_meta", s.cmdMeta.sum());
        stat(out, "get_hits", s.getHits.sum());
        stat(out, "get_misses", s.getMisses.sum());
        stat(out, "get_expired", s.getExpired.sum());
        stat(out, "get_flushed", s.getFlushed.sum());
        stat(out, "delete_misses", s.deleteMisses.sum());
        stat(out, "delete_hits", s.deleteHits.sum());
        stat(out, "incr_misses", s.incrMisses.sum());
        stat(out, "incr_hits", s.incrHits.sum());
        stat(out, "decr_misses", s.decrMisses.sum());
        stat(out, "decr_hits", s.decrHits.sum());
        stat(out, "cas_misses", s.casMisses.sum());
        stat(out, "cas_hits", s.casHits.sum());
        stat(out, "cas_badval", s.casBadval.sum());
        stat(out, "touch_hits", s.touchHits.sum());
        stat(out, "touch_misses", s.touchMisses.sum());
        stat(out, "store_too_large", s.storeTooLarge.sum());
        stat(out, "store_no_memory", s.storeNoMemory.sum());
        stat(out, "auth_cmds", s.authCmds.sum());
        stat(out, "auth_errors", s.authErrors.sum());
        stat(out, "bytes_read", s.bytesRead.sum());
        stat(out, "bytes_written", s.bytesWritten.sum());
        stat(out, "limit_maxbytes", store.limitBytes());
        stat(out, "accepting_conns", 1);
        stat(out, "threads", facts.threads());
        stat(out, "conn_yields", s.connYields.sum());
        stat(out, "log_watchers", s.watchers.count());
        if (settings.tls().enabled()) {
            stat(out, "ssl_handshake_errors", s.sslHandshakeErrors.sum());
            stat(out, "time_since_server_cert_refresh", (System.nanoTime() - s.certRefreshedAtNanos) / 1_000_000_000L);
        }
        for (String[] figure : facts.snapshotFigures()) {
            stat(out, figure[0], figure[1]);
        }
        stat(out, "bytes", store.weightedBytes());
        stat(out, "curr_items", store.itemCount());
        stat(out, "total_items", s.totalItems.sum());
        stat(out, "expired_unfetched", s.expiredUnfetched.sum());
        stat(out, "evicted_unfetched", s.evictedUnfetched.sum());
        stat(out, "evictions", s.evictions.sum());
        stat(out, "reclaimed", s.reclaimed.sum());
    }

    /** Every setting, under memcached's key where there is one, then Bastion's own. */
    public void settings(List<Stat> out) {
        Settings st = settings;
        stat(out, "maxbytes", store.limitBytes());
        stat(out, "maxconns", st.maxConnections());
        stat(out, "tcpport", facts.port());
        stat(out, "udpport", 0);
        stat(out, "inter", String.join(",", st.listen()));
        stat(out, "verbosity", facts.verbosity());
        stat(out, "evictions", st.evictionsDisabled() ? "off" : "on");
        stat(out, "domain_socket", st.unixSocket() == null ? "NULL" : st.unixSocket().toString());
        stat(out, "umask", Integer.toOctalString(st.unixMask()));
        stat(out, "shutdown_command", st.shutdownEnabled() ? "yes" : "no");
        // The size classes the stats report are memcached's default ones (SizeClasses): these are their parameters.
        stat(out, "growth_factor", "1.25");
        stat(out, "chunk_size", 48);
        stat(out, "num_threads", facts.threads());
        stat(out, "stat_key_prefix", st.prefixDelimiter());
        stat(out, "detail_enabled", stats.prefixes.enabled() ? "yes" : "no");
        stat(out, "reqs_per_event", st.reqsPerEvent());
        stat(out, "cas_enabled", st.casDisabled() ? "no" : "yes");
        stat(out, "tcp_backlog", st.listenBacklog());
        stat(out, "watch_enabled", st.watchDisabled() ? "no" : "yes");
        stat(out, "binding_protocol", switch (st.protocol()) {
            case AUTO -> "auto-negotiate";
            case ASCII -> "ascii";
            case BINARY -> "binary";
        });
        // memcached prints -Y's file name for ascii; with a users file Bastion requires a login in every protocol.
        stat(out, "auth_enabled_sasl", st.usersFile() == null ? "no" : "yes");
        stat(out, "auth_enabled_ascii", st.usersFile() == null ? "no" : st.usersFile().toString());
        stat(out, "item_size_max", st.maxItemSize());
        stat(out, "maxconns_fast", "yes");
        stat(out, "slab_chunk_max", SizeClasses.chunkSize(SizeClasses.count()));
        stat(out, "flush_enabled", st.flushAllDisabled() ? "no" : "yes");
        stat(out, "dump_enabled", st.dumpingDisabled() ? "no" : "yes");
        stat(out, "idle_timeout", st.idleTimeoutSeconds());
        for (String[] tls : st.tls().describe(facts.tlsEngine())) {
            stat(out, tls[0], tls[1]);
        }
        for (String[] figure : facts.budget()) {
            stat(out, figure[0], figure[1]);
        }
        // Bastion's own. shutdown_enabled repeats shutdown_command under the name Bastion used first (audit tools read it).
        stat(out, "shutdown_enabled", st.shutdownEnabled() ? "yes" : "no");
        stat(out, "request_timeout", st.requestTimeoutSeconds());
        stat(out, "allow_rules", st.allow().size());
        stat(out, "allow", st.allow().isEmpty() ? "loopback" : joined(st.allow()));
        stat(out, "allow_file", st.allowFile() == null ? "NULL" : st.allowFile());
        stat(out, "max_conns_per_ip", st.maxConnectionsPerSource());
        stat(out, "read_only_rules", st.readOnlyFrom().size());
        stat(out, "read_only_from", st.readOnlyFrom().isEmpty() ? "NULL" : joined(st.readOnlyFrom()));
        stat(out, "metrics_listen", st.metricsListen() == null ? "NULL" : st.metricsListen());
        stat(out, "size_classes", SizeClasses.count());
    }

    private static String joined(java.util.List<?> rules) {
        StringBuilder s = new StringBuilder();
        for (Object r : rules) {
            s.append(s.length() == 0 ? "" : ",").append(r);
        }
        return s.toString();
    }

    /** Per size class figures from one walk over the store. */
    private static final class ClassFigures {
        long number;
        long bytes;
        long oldestAccess = Long.MAX_VALUE;
        long evicted;
        long reclaimed;
    }

    private static java.util.TreeMap<Integer, ClassFigures> walkClasses(Store store) {
        java.util.TreeMap<Integer, ClassFigures> classes = new java.util.TreeMap<>();
        store.forEachLive((key, item) -> {
            long weight = Store.weigh(key, item.value.length);
            ClassFigures f = classes.computeIfAbsent(SizeClasses.of(key, item), id -> new ClassFigures());
            f.number++;
            f.bytes += weight;
            f.oldestAccess = Math.min(f.oldestAccess, item.lastAccess());
        });
        return classes;
    }

    /** As {@link #walkClasses(Store)}, adding classes that hold no items now but had evictions or reclaims. */
    private java.util.TreeMap<Integer, ClassFigures> classesWithCounts() {
        java.util.TreeMap<Integer, ClassFigures> classes = walkClasses(store);
        int count = SizeClasses.count();
        for (int id = 1; id <= count; id++) {
            long evicted = stats.evictionsInClass(id);
            long reclaimed = stats.reclaimedInClass(id);
            if (evicted > 0 || reclaimed > 0) {
                ClassFigures f = classes.computeIfAbsent(id, k -> new ClassFigures());
                f.evicted = evicted;
                f.reclaimed = reclaimed;
            }
        }
        return classes;
    }

    /** {@code stats items}: per size class, only the figures Bastion tracks per class. */
    public void items(List<Stat> out) {
        long now = store.clock().nanoTime();
        classesWithCounts().forEach((id, f) -> {
            String p = "items:" + id + ":";
            stat(out, p + "number", f.number);
            if (f.number > 0) {
                stat(out, p + "age", Math.max(0, now - f.oldestAccess) / 1_000_000_000L);
            }
            stat(out, p + "mem_requested", f.bytes);
            stat(out, p + "evicted", f.evicted);
            // memcached prints evicted_nonzero, evicted_time, outofmemory and tailrepairs in between.
            stat(out, p + "reclaimed", f.reclaimed);
        });
    }

    /**
     * {@code stats slabs}: per size class. One item is one chunk of exactly its weight, so total and used chunks are
     * the item count and no chunks are free; {@code total_pages} is the class's bytes in memcached's 1 MiB pages,
     * rounded up.
     */
    public void slabs(List<Stat> out) {
        java.util.TreeMap<Integer, ClassFigures> classes = walkClasses(store);
        classes.forEach((id, f) -> {
            String p = id + ":";
            stat(out, p + "chunk_size", SizeClasses.chunkSize(id));
            stat(out, p + "total_pages", (f.bytes + SizeClasses.PAGE - 1) / SizeClasses.PAGE);
            stat(out, p + "total_chunks", f.number);
            stat(out, p + "used_chunks", f.number);
            stat(out, p + "mem_requested", f.bytes);
        });
        stat(out, "active_slabs", classes.size());
        stat(out, "total_malloced", store.weightedBytes());
    }

    /** {@code stats sizes}: item count by weight rounded up to 32 bytes, as memcached's histogram, from a walk. */
    public void sizes(List<Stat> out) {
        if (!stats.sizesEnabled) {
            stat(out, "sizes_status", "disabled");
            return;
        }
        java.util.TreeMap<Long, long[]> sizes = new java.util.TreeMap<>();
        store.forEachLive((key, item) -> {
            long weight = Store.weigh(key, item.value.length);
            sizes.computeIfAbsent((weight + 31) / 32 * 32, w -> new long[1])[0]++;
        });
        sizes.forEach((size, count) -> stat(out, Long.toString(size), count[0]));
    }

    /** {@code stats conns}: listening sockets, then every open connection, numbered in place of file descriptors. */
    public void conns(List<Stat> out) {
        long now = System.nanoTime();
        ConnectionRegistry registry = stats.connections;
        for (ConnectionRegistry.Listener l : registry.listeners()) {
            stat(out, l.id() + ":addr", ConnectionRegistry.describe(l.address()));
            stat(out, l.id() + ":state", "conn_listening");
            stat(out, l.id() + ":secs_since_last_cmd", (now - l.sinceNanos()) / 1_000_000_000L);
        }
        registry.open().forEach((id, session) -> {
            stat(out, id + ":addr", ConnectionRegistry.describe(session.remote()));
            stat(out, id + ":listen_addr", ConnectionRegistry.describe(session.listenAddress()));
            stat(out, id + ":state", session.state());
            stat(out, id + ":secs_since_last_cmd", Math.max(0, now - session.lastCommandNanos()) / 1_000_000_000L);
        });
    }

    /**
     * {@code stats cachedump <class> <limit>}: keys of one size class in memcached's format, the reply's lines with
     * END; or the one error line memcached gives for bad arguments. Whether dumping is allowed ({@code -X}) is policy's
     * decision, made before this is called.
     */
    public List<String> cachedump(String classArg, String limitArg) {
        if (classArg == null || limitArg == null) {
            return List.of("CLIENT_ERROR bad command line");
        }
        long classId;
        long limit;
        try {
            classId = Long.parseLong(classArg);
            limit = Long.parseLong(limitArg);
        } catch (NumberFormatException e) {
            return List.of("CLIENT_ERROR bad command line format");
        }
        if (classId < 1 || classId > SizeClasses.count() || limit < 0) {
            return List.of("CLIENT_ERROR Illegal slab id");
        }
        List<String> out = new ArrayList<>();
        long nowNanos = store.clock().nanoTime();
        long nowSeconds = store.clock().wallMillis() / 1000;
        long[] bytes = new long[1];
        store.forEachLive((key, item) -> {
            if ((limit != 0 && out.size() >= limit) || bytes[0] > CACHEDUMP_MAX_BYTES
                    || SizeClasses.of(key, item) != classId) {
                return;
            }
            long expires = item.expiresAt == Item.NEVER ? 0
                    : nowSeconds + Math.max(0, item.expiresAt - nowNanos) / 1_000_000_000L;
            String line = "ITEM " + key + " [" + item.value.length + " b; " + expires + " s]";
            bytes[0] += line.length() + 2;
            out.add(line);
        });
        out.add("END");
        return out;
    }

    /**
     * {@code lru_crawler metadump}: one line per live item in memcached's format ({@code key=<url-encoded key>
     * exp=<unix time or -1> la=<unix time> cas=<cas> fetch=<yes|no> cls=<class> size=<bytes>}), where the class is
     * memcached's ({@link SizeClasses}) and the size Bastion's weight (what {@code -m} counts). {@code classes} is
     * {@code all}, {@code hash} or comma-separated class ids; null when an id is not a class. The lines are made as
     * they are asked for: the caller writes them as its client takes them, never a copy of the whole store.
     */
    public java.util.Iterator<String> metadump(String classes) {
        int count = SizeClasses.count();
        boolean[] wanted = new boolean[count + 1];
        if (classes.equals("all") || classes.equals("hash")) {
            java.util.Arrays.fill(wanted, true);
        } else {
            for (String id : classes.split(",")) {
                int c;
                try {
                    c = Integer.parseInt(id);
                } catch (NumberFormatException e) {
                    return null;
                }
                if (c < 1 || c > count) {
                    return null;
                }
                wanted[c] = true;
            }
        }
        java.util.Iterator<java.util.Map.Entry<Key, Item>> entries = store.liveEntries();
        return java.util.stream.StreamSupport.stream(
                java.util.Spliterators.spliteratorUnknownSize(entries, java.util.Spliterator.ORDERED), false)
                .map(e -> line(e.getKey(), e.getValue(), count, wanted))
                .filter(java.util.Objects::nonNull)
                .iterator();
    }

    /** One item's metadump line, or null when its class is not among {@code wanted}. */
    private String line(Key key, Item item, int count, boolean[] wanted) {
        long weight = Store.weigh(key, item.value.length);
        int cls = SizeClasses.of(key, item);
        if (cls > count || !wanted[cls]) {
            return null;
        }
        long nowNanos = store.clock().nanoTime();
        long nowSeconds = store.clock().wallMillis() / 1000;
        long exp = item.expiresAt == Item.NEVER ? -1
                : nowSeconds + Math.max(0, item.expiresAt - nowNanos) / 1_000_000_000L;
        long lastAccess = nowSeconds - Math.max(0, nowNanos - item.lastAccess()) / 1_000_000_000L;
        return "key=" + uriEncode(key.bytes()) + " exp=" + exp + " la=" + lastAccess + " cas="
                + Long.toUnsignedString(item.cas) + " fetch=" + (item.fetched() ? "yes" : "no") + " cls=" + cls
                + " size=" + weight;
    }

    /** memcached's {@code uriencode}: letters, digits and {@code -._~} as they are, every other byte as %XX. */
    static String uriEncode(byte[] key) {
        StringBuilder s = new StringBuilder(key.length);
        for (byte b : key) {
            char c = (char) (b & 0xFF);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                s.append(c);
            } else {
                s.append('%').append(String.format("%02X", (int) c));
            }
        }
        return s.toString();
    }

    /** {@code stats detail on|off|dump}, answered as memcached 1.6.18 answers them. */
    public List<String> detail(String arg) {
        if ("dump".equals(arg)) {
            return stats.prefixes.dump();
        }
        if ("on".equals(arg) || "off".equals(arg)) {
            stats.prefixes.enabled("on".equals(arg));
            return List.of("OK");
        }
        return List.of("CLIENT_ERROR usage: stats detail on|off|dump");
    }

    private static String seconds(long micros) {
        return String.format(Locale.ROOT, "%d.%06d", micros / 1_000_000, micros % 1_000_000);
    }

    /** User and system CPU time of this process in microseconds, from /proc on Linux or the JVM elsewhere. */
    public static long[] cpuTimesMicros() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // Fields after the command name (which may contain spaces) start after the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticksPerSecond = 100; // USER_HZ, fixed at 100 on Linux for /proc
            long utime = Long.parseLong(f[11]);
            long stime = Long.parseLong(f[12]);
            return new long[] {utime * 1_000_000 / ticksPerSecond, stime * 1_000_000 / ticksPerSecond};
        } catch (IOException | RuntimeException e) {
            java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long total = os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() / 1000 : 0;
            return new long[] {total, 0};
        }
    }

    private static int pointerSize() {
        String model = System.getProperty("sun.arch.data.model", "64");
        try {
            return Integer.parseInt(model);
        } catch (NumberFormatException e) {
            return 64;
        }
    }

    private static String versionOfJar() {
        String v = StatsReport.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }
}
