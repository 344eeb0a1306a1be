package org.bastion.server;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One line per security event (denied source, caps reached, read-only violation, timeouts, oversize input), at most
 * once per rate window per source and kind, so a flood cannot fill the disk.
 */
final class SecurityLog {
    /** What happened. */
    enum Kind {
        DENIED_SOURCE, CONNECTION_CAP, PER_SOURCE_CAP, READ_ONLY_VIOLATION, REQUEST_TIMEOUT, IDLE_TIMEOUT,
        OVERSIZE_LINE, OVERSIZE_VALUE, AUTH_FAILURE
    }

    private static final System.Logger LOG = System.getLogger("org.bastion.security");
    static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Beyond this many tracked sources the table is cleared rather than grown: a spoofed-source flood stays bounded. */
    private static final int MAX_TRACKED = 10_000;

    private final ConcurrentHashMap<String, Long> lastLogged = new ConcurrentHashMap<>();
    private final long windowNanos;

    SecurityLog() {
        this(WINDOW_NANOS);
    }

    SecurityLog(long windowNanos) {
        this.windowNanos = windowNanos;
    }

    /** Logs the event unless the same kind from the same source was logged within the window; true when logged. */
    boolean event(Kind kind, InetAddress source, String detail) {
        String key = kind + "/" + (source == null ? "-" : source.getHostAddress());
        long now = System.nanoTime();
        Long last = lastLogged.get(key);
        if (last != null && now - last < windowNanos) {
            return false;
        }
        if (lastLogged.size() >= MAX_TRACKED) {
            lastLogged.clear();
        }
        lastLogged.put(key, now);
        LOG.log(System.Logger.Level.WARNING, "security event=" + kind.name().toLowerCase(java.util.Locale.ROOT)
                + " source=" + (source == null ? "-" : source.getHostAddress()) + " " + detail);
        return true;
    }
}
