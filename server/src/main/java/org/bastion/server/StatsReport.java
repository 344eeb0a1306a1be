package org.bastion.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.bastion.config.Settings;

/** memcached's {@code stats} family rendered from the one set of counters: true values, memcached's key names. */
final class StatsReport {
    /** Bastion's own release, reported beside the memcached version it matches. */
    static final String BASTION_VERSION = versionOfJar();

    private StatsReport() {
    }

    /**
     * The full reply for {@code stats [sub [arg]]}, END included, or null for a subcommand that does not exist (the
     * caller answers ERROR, as memcached does).
     */
    static byte[] render(CommandExecutor exec, Session session, String sub, String arg) {
        StringBuilder out = new StringBuilder(2048);
        switch (sub) {
            case "":
                general(exec, out);
                break;
            case "settings":
                settings(exec, out);
                break;
            case "reset":
                exec.stats.reset();
                return Replies.RESET;
            default:
                return null;
        }
        out.append("END\r\n");
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    static void stat(StringBuilder out, String name, Object value) {
        out.append("STAT ").append(name).append(' ').append(value).append("\r\n");
    }

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
        stat(out, "auth_cmds", s.authCmds.sum());
        stat(out, "auth_errors", s.authErrors.sum());
        stat(out, "bytes_read", s.bytesRead.sum());
        stat(out, "bytes_written", s.bytesWritten.sum());
        stat(out, "limit_maxbytes", exec.settings.memoryLimitBytes());
        stat(out, "threads", exec.control.threads());
        stat(out, "bytes", exec.store.weightedBytes());
        stat(out, "curr_items", exec.store.itemCount());
        stat(out, "total_items", s.totalItems.sum());
        stat(out, "expired_unfetched", s.expiredUnfetched.sum());
        stat(out, "evicted_unfetched", s.evictedUnfetched.sum());
        stat(out, "evictions", s.evictions.sum());
    }

    private static void settings(CommandExecutor exec, StringBuilder out) {
        Settings st = exec.settings;
        stat(out, "maxbytes", st.memoryLimitBytes());
        stat(out, "maxconns", st.maxConnections());
        stat(out, "tcpport", exec.control.port());
        stat(out, "udpport", 0);
        stat(out, "inter", String.join(",", st.listen()));
        stat(out, "verbosity", exec.control.verbosity());
        stat(out, "evictions", st.evictionsDisabled() ? "off" : "on");
        stat(out, "num_threads", exec.control.threads());
        stat(out, "cas_enabled", "yes");
        stat(out, "binding_protocol", switch (st.protocol()) {
            case AUTO -> "auto-negotiate";
            case ASCII -> "ascii";
            case BINARY -> "binary";
        });
        stat(out, "auth_enabled_sasl", "no");
        stat(out, "item_size_max", st.maxItemSize());
        stat(out, "flush_enabled", st.flushAllDisabled() ? "no" : "yes");
        stat(out, "shutdown_enabled", st.shutdownEnabled() ? "yes" : "no");
        stat(out, "dump_enabled", st.dumpingDisabled() ? "no" : "yes");
        stat(out, "idle_timeout", st.idleTimeoutSeconds());
        stat(out, "request_timeout", st.requestTimeoutSeconds());
        stat(out, "allow_rules", st.allow().size());
        stat(out, "max_conns_per_ip", st.maxConnectionsPerSource());
        stat(out, "read_only_rules", st.readOnlyFrom().size());
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
