package org.bastion.policy;

import java.net.InetAddress;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per security event (denied source, caps reached, read-only violation, timeouts, oversize input), at most
 * once per rate window per source and kind, so a flood cannot fill the disk. Every event is counted, logged or not:
 * the counts are the {@code bastion.denied} meter.
 *
 * <p>Lines go to the SLF4J logger {@value #LOGGER_NAME} at WARN. The CLI jar ships slf4j-simple (stderr by default;
 * {@code -Dorg.slf4j.simpleLogger.logFile=...} sends it to a file); an embedding application routes it with its own
 * SLF4J backend.
 */
public final class SecurityLog {
    /** What happened. */
    public enum Kind {
        DENIED_SOURCE, CONNECTION_CAP, PER_SOURCE_CAP, READ_ONLY_VIOLATION, REQUEST_TIMEOUT, IDLE_TIMEOUT,
        OVERSIZE_LINE, OVERSIZE_VALUE, AUTH_FAILURE, AUTH_LOCKOUT, ROLE_VIOLATION, PREFIX_VIOLATION, STALLED_OUTPUT,
        /** A TLS handshake failed: a plain client on a TLS listener, no or an untrusted client certificate. */
        TLS_HANDSHAKE;

        /** The name in log lines and in the meter's {@code reason} tag. */
        public String label() {
            return switch (this) {
                case DENIED_SOURCE -> "allowlist";
                case CONNECTION_CAP -> "global_cap";
                case PER_SOURCE_CAP -> "per_source_cap";
                case READ_ONLY_VIOLATION -> "read_only";
                case REQUEST_TIMEOUT -> "timeout";
                case ROLE_VIOLATION -> "role";
                case PREFIX_VIOLATION -> "key_prefix";
                default -> name().toLowerCase(Locale.ROOT);
            };
        }
    }

    static final String LOGGER_NAME = "org.bastion.security";
    static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Beyond this many tracked sources the table is cleared rather than grown: a spoofed-source flood stays bounded. */
    private static final int MAX_TRACKED = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

    private final ConcurrentHashMap<String, Long> lastLogged = new ConcurrentHashMap<>();
    private final LongAdder[] counts = new LongAdder[Kind.values().length];
    private final long windowNanos;
    private final LongSupplier nanoClock;
    private final Consumer<String> sink;

    public SecurityLog() {
        this(WINDOW_NANOS);
    }

    public SecurityLog(long windowNanos) {
        this(windowNanos, System::nanoTime, LOG::warn);
    }

    /** With the window, clock and output of the caller's choosing (tests). */
    public SecurityLog(long windowNanos, LongSupplier nanoClock, Consumer<String> sink) {
        this.windowNanos = windowNanos;
        this.nanoClock = nanoClock;
        this.sink = sink;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /**
     * Counts the event and logs it unless the same kind from the same source was logged within the window; true when
     * logged.
     */
    public boolean event(Kind kind, InetAddress source, String detail) {
        counts[kind.ordinal()].increment();
        String from = source == null ? "-" : source.getHostAddress();
        String key = kind.ordinal() + "/" + from;
        long now = nanoClock.getAsLong();
        Long last = lastLogged.get(key);
        if (last != null && now - last < windowNanos) {
            return false;
        }
        if (lastLogged.size() >= MAX_TRACKED) {
            lastLogged.clear();
        }
        // Two threads may both pass the check above for one source; put-if-newer keeps that to one line.
        if (last == null ? lastLogged.putIfAbsent(key, now) != null : !lastLogged.replace(key, last, now)) {
            return false;
        }
        sink.accept("security event=" + kind.name().toLowerCase(Locale.ROOT) + " source=" + from + " " + detail);
        return true;
    }

    /** {@code stats reset}: the event counts are counters like the others. */
    public void resetCounts() {
        for (LongAdder a : counts) {
            a.reset();
        }
    }

    /** How many events of this kind happened (logged or suppressed by the rate limit). */
    public LongAdder count(Kind kind) {
        return counts[kind.ordinal()];
    }
}
