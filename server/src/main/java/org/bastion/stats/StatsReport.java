package org.bastion.stats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.bastion.config.Settings;
import org.bastion.command.CommandExecutor;
import org.bastion.policy.Session;
import org.bastion.protocol.Replies;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.store.Item;
import org.bastion.store.SizeClasses;
import org.bastion.store.Store;

/** memcached's {@code stats} family rendered from the one set of counters: true values, memcached's key names. */
public final class StatsReport {
    /** Bastion's own release, reported beside the memcached version it matches. */
    static final String BASTION_VERSION = versionOfJar();

    private StatsReport() {
    }

    /** memcached's reply to {@code stats cachedump} under {@code -X}. */
    static final byte[] CACHEDUMP_DISABLED = Replies.ascii("CLIENT_ERROR stats cachedump not allowed\r\n");
    /** Bastion gates {@code stats detail dump} under {@code -X} too (memcached does not): it names key prefixes. */
    static final byte[] DETAIL_DUMP_DISABLED = Replies.ascii("CLIENT_ERROR stats detail dump not allowed\r\n");
    /** memcached stops a cachedump at 2 MB of output. */
    private static final int CACHEDUMP_MAX_BYTES = 2 * 1024 * 1024;

    /**
     * The full reply for {@code stats [sub [arg...]]}, END included, or null for a subcommand that does not exist (the
     * caller answers ERROR, as memcached does).
     */
    public static byte[] render(CommandExecutor exec, Session session, String sub, String arg) {
        return render(exec, session, sub, arg, null);
    }

    /** As {@link #render(CommandExecutor, Session, String, String)} with the third argument ({@code cachedump}'s limit). */
    public static byte[] render(CommandExecutor exec, Session session, String sub, String arg, String arg2) {
        StringBuilder out = new StringBuilder(2048);
        switch (sub) {
            case "":
                general(exec, out);
                break;
            case "settings":
                settings(exec, out);
                break;
            case "items":
                items(exec, out);
                break;
            case "slabs":
                slabs(exec, out);
                break;
            case "sizes":
                sizes(exec, out);
                break;
            case "conns":
                conns(exec, out);
                break;
            case "reset":
                exec.stats.reset();
                exec.securityLog.resetCounts();
                return Replies.RESET;
            case "cachedump":
                return cachedump(exec, arg, arg2);
            case "detail":
                return detail(exec, arg);
            default:
                return null;
        }
        out.append("END\r\n");
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    static void stat(StringBuilder out, String name, Object value) {
        out.append("STAT ").append(name).append(' ').append(value).append("\r\n");
    }

    /**
     * memcached's general set, for the features Bastion has. Keys for machinery Bastion lacks (libevent, slab
     * reassignment, LRU crawler, hash table, extstore, read buffers) are left out rather than printed as zeros.
     */
    private static void general(CommandExecutor exec, StringBuilder out) {
        Stats s = exec.stats;
        long now = System.currentTimeMillis();
        long[] cpu = cpuTimesMicros();
        stat(out, "pid", ProcessHandle.current().pid());
        stat(out, "uptime", (System.nanoTime() - s.startedAtNanos) / 1_000_000_000L);
        stat(out, "time", now / 1000);
        stat(out, "version", TextProtocolHandler.COMPATIBLE_VERSION);
        stat(out, "bastion_version", BASTION_VERSION);
        stat(out, "pointer_size", pointerSize());
        stat(out, "rusage_user", seconds(cpu[0]));
        stat(out, "rusage_system", seconds(cpu[1]));
        stat(out, "max_connections", exec.settings.maxConnections());
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
        stat(out, "bytes_read", s.bytesRead.sum());
        stat(out, "bytes_written", s.bytesWritten.sum());
        stat(out, "limit_maxbytes", exec.settings.memoryLimitBytes());
        stat(out, "accepting_conns", 1);
        stat(out, "threads", exec.control.threads());
        stat(out, "bytes", exec.store.weightedBytes());
        stat(out, "curr_items", exec.store.itemCount());
        stat(out, "total_items", s.totalItems.sum());
        stat(out, "expired_unfetched", s.expiredUnfetched.sum());
        stat(out, "evicted_unfetched", s.evictedUnfetched.sum());
        stat(out, "evictions", s.evictions.sum());
    }

    /** Every setting, under memcached's key where there is one, then Bastion's own. */
    private static void settings(CommandExecutor exec, StringBuilder out) {
        Settings st = exec.settings;
        stat(out, "maxbytes", st.memoryLimitBytes());
        stat(out, "maxconns", st.maxConnections());
        stat(out, "tcpport", exec.control.port());
        stat(out, "udpport", 0);
        stat(out, "inter", String.join(",", st.listen()));
        stat(out, "verbosity", exec.control.verbosity());
        stat(out, "evictions", st.evictionsDisabled() ? "off" : "on");
        stat(out, "domain_socket", "NULL");
        stat(out, "shutdown_command", st.shutdownEnabled() ? "yes" : "no");
        stat(out, "growth_factor", "2.00");
        stat(out, "num_threads", exec.control.threads());
        stat(out, "detail_enabled", "no");
        stat(out, "cas_enabled", "yes");
        stat(out, "tcp_backlog", 1024);
        stat(out, "binding_protocol", switch (st.protocol()) {
            case AUTO -> "auto-negotiate";
            case ASCII -> "ascii";
            case BINARY -> "binary";
        });
        stat(out, "auth_enabled_sasl", "no");
        stat(out, "auth_enabled_ascii", "no");
        stat(out, "item_size_max", st.maxItemSize());
        stat(out, "maxconns_fast", "yes");
        stat(out, "flush_enabled", st.flushAllDisabled() ? "no" : "yes");
        stat(out, "dump_enabled", st.dumpingDisabled() ? "no" : "yes");
        stat(out, "idle_timeout", st.idleTimeoutSeconds());
        stat(out, "ssl_enabled", "no");
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
        stat(out, "size_classes", new SizeClasses(st.maxItemSize()).count());
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
    }

    private static java.util.TreeMap<Integer, ClassFigures> walkClasses(Store store) {
        java.util.TreeMap<Integer, ClassFigures> classes = new java.util.TreeMap<>();
        store.forEachLive((key, item) -> {
            long weight = Store.weigh(key, item.value.length);
            ClassFigures f = classes.computeIfAbsent(SizeClasses.classOf(weight), id -> new ClassFigures());
            f.number++;
            f.bytes += weight;
            f.oldestAccess = Math.min(f.oldestAccess, item.lastAccess);
        });
        return classes;
    }

    /** As {@link #walkClasses(Store)}, adding classes that hold no items now but had evictions. */
    private static java.util.TreeMap<Integer, ClassFigures> walkClasses(CommandExecutor exec) {
        java.util.TreeMap<Integer, ClassFigures> classes = walkClasses(exec.store);
        int count = new SizeClasses(exec.settings.maxItemSize()).count();
        for (int id = 1; id <= count; id++) {
            long evicted = exec.stats.evictionsInClass(id);
            if (evicted > 0) {
                classes.computeIfAbsent(id, k -> new ClassFigures()).evicted = evicted;
            }
        }
        return classes;
    }

    /** {@code stats items}: per size class, only the figures Bastion tracks per class. */
    private static void items(CommandExecutor exec, StringBuilder out) {
        long now = exec.store.clock().nanoTime();
        walkClasses(exec).forEach((id, f) -> {
            String p = "items:" + id + ":";
            stat(out, p + "number", f.number);
            if (f.number > 0) {
                stat(out, p + "age", Math.max(0, now - f.oldestAccess) / 1_000_000_000L);
            }
            stat(out, p + "mem_requested", f.bytes);
            stat(out, p + "evicted", f.evicted);
        });
    }

    /**
     * {@code stats slabs}: per size class. One item is one chunk of exactly its weight, so total and used chunks are
     * the item count and no chunks are free; {@code total_pages} is the class's bytes in memcached's 1 MiB pages,
     * rounded up.
     */
    private static void slabs(CommandExecutor exec, StringBuilder out) {
        java.util.TreeMap<Integer, ClassFigures> classes = walkClasses(exec.store);
        classes.forEach((id, f) -> {
            String p = id + ":";
            stat(out, p + "chunk_size", SizeClasses.chunkSize(id));
            stat(out, p + "total_pages", (f.bytes + SizeClasses.PAGE - 1) / SizeClasses.PAGE);
            stat(out, p + "total_chunks", f.number);
            stat(out, p + "used_chunks", f.number);
            stat(out, p + "mem_requested", f.bytes);
        });
        stat(out, "active_slabs", classes.size());
        stat(out, "total_malloced", exec.store.weightedBytes());
    }

    /** {@code stats sizes}: item count by weight rounded up to 32 bytes, as memcached's histogram, from a walk. */
    private static void sizes(CommandExecutor exec, StringBuilder out) {
        java.util.TreeMap<Long, long[]> sizes = new java.util.TreeMap<>();
        exec.store.forEachLive((key, item) -> {
            long weight = Store.weigh(key, item.value.length);
            sizes.computeIfAbsent((weight + 31) / 32 * 32, w -> new long[1])[0]++;
        });
        sizes.forEach((size, count) -> stat(out, Long.toString(size), count[0]));
    }

    /** {@code stats conns}: listening sockets, then every open connection, numbered in place of file descriptors. */
    private static void conns(CommandExecutor exec, StringBuilder out) {
        long now = System.nanoTime();
        ConnectionRegistry registry = exec.stats.connections;
        for (ConnectionRegistry.Listener l : registry.listeners()) {
            stat(out, l.id() + ":addr", ConnectionRegistry.describe(l.address()));
            stat(out, l.id() + ":state", "conn_listening");
            stat(out, l.id() + ":secs_since_last_cmd", (now - l.sinceNanos()) / 1_000_000_000L);
        }
        registry.open().forEach((id, session) -> {
            stat(out, id + ":addr", ConnectionRegistry.describe(session.remote));
            stat(out, id + ":listen_addr", ConnectionRegistry.describe(session.local));
            stat(out, id + ":state", session.state);
            stat(out, id + ":secs_since_last_cmd", Math.max(0, now - session.lastCommandNanos) / 1_000_000_000L);
        });
    }

    /** {@code stats cachedump <class> <limit>}: keys of one size class, memcached's format; refused under -X. */
    private static byte[] cachedump(CommandExecutor exec, String classArg, String limitArg) {
        if (exec.settings.dumpingDisabled()) {
            return CACHEDUMP_DISABLED;
        }
        if (classArg == null || limitArg == null) {
            return Replies.ascii("CLIENT_ERROR bad command line\r\n");
        }
        long classId;
        long limit;
        try {
            classId = Long.parseLong(classArg);
            limit = Long.parseLong(limitArg);
        } catch (NumberFormatException e) {
            return Replies.BAD_FORMAT;
        }
        if (classId < 1 || classId > new SizeClasses(exec.settings.maxItemSize()).count() || limit < 0) {
            return Replies.ascii("CLIENT_ERROR Illegal slab id\r\n");
        }
        StringBuilder out = new StringBuilder();
        long nowNanos = exec.store.clock().nanoTime();
        long nowSeconds = exec.store.clock().wallMillis() / 1000;
        long[] listed = new long[1];
        exec.store.forEachLive((key, item) -> {
            if ((limit != 0 && listed[0] >= limit) || out.length() > CACHEDUMP_MAX_BYTES
                    || SizeClasses.classOf(Store.weigh(key, item.value.length)) != classId) {
                return;
            }
            long expires = item.expiresAt == Item.NEVER ? 0
                    : nowSeconds + Math.max(0, item.expiresAt - nowNanos) / 1_000_000_000L;
            out.append("ITEM ").append(key).append(" [").append(item.value.length).append(" b; ").append(expires)
                    .append(" s]\r\n");
            listed[0]++;
        });
        out.append("END\r\n");
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * {@code stats detail}: Bastion keeps no per-prefix figures ({@code detail_enabled no}), so {@code dump} lists none
     * and {@code on} is refused rather than pretended.
     */
    private static byte[] detail(CommandExecutor exec, String arg) {
        if ("dump".equals(arg)) {
            return exec.settings.dumpingDisabled() ? DETAIL_DUMP_DISABLED : Replies.END;
        }
        if ("off".equals(arg)) {
            return Replies.OK;
        }
        if ("on".equals(arg)) {
            return Replies.ascii("SERVER_ERROR per-prefix stats are not supported\r\n");
        }
        return Replies.ascii("CLIENT_ERROR usage: stats detail on|off|dump\r\n");
    }

    private static String seconds(long micros) {
        return String.format(Locale.ROOT, "%d.%06d", micros / 1_000_000, micros % 1_000_000);
    }

    /** User and system CPU time of this process in microseconds, from /proc on Linux or the JVM elsewhere. */
    static long[] cpuTimesMicros() {
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
