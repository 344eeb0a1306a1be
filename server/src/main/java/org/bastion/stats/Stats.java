package org.bastion.stats;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.bastion.store.SizeClasses;
import org.bastion.store.StoreListener;
import org.bastion.store.Store;

/**
 * Every counter the server keeps, counted once, cheaply and without locks on the event loops. {@code stats} and the
 * Micrometer meters ({@code BastionMetrics}) read the same fields, so they cannot disagree.
 */
public final class Stats implements StoreListener {
    /** Commands whose outcomes memcached's own keys do not already count (see {@link #outcome}). */
    public enum Command { SET, ADD, REPLACE, APPEND, PREPEND, CAS, INCR, DECR, FLUSH_ALL }

    /** What became of a command, as the {@code outcome} tag of {@code bastion.commands}. */
    public enum Outcome { HIT, MISS, STORED, NOT_STORED, EXISTS, ERROR }

    final long startedAtMillis = System.currentTimeMillis();
    final long startedAtNanos = System.nanoTime();

    // connections
    public final AtomicLong currConnections = new AtomicLong();
    public final LongAdder totalConnections = new LongAdder();
    public final LongAdder rejectedConnections = new LongAdder();
    public final LongAdder deniedConnections = new LongAdder();
    /** Closed by {@code -o idle_timeout} (memcached's name). */
    public final LongAdder idleKicks = new LongAdder();
    /** Closed by {@code --request-timeout} with a request unfinished. */
    public final LongAdder requestTimeouts = new LongAdder();
    /** Turns a connection gave up after {@code -R} requests so others on its event loop were served (memcached's). */
    public final LongAdder connYields = new LongAdder();
    public final LongAdder bytesRead = new LongAdder();
    public final LongAdder bytesWritten = new LongAdder();
    /** TLS handshakes that failed (memcached's {@code ssl_handshake_errors}). */
    public final LongAdder sslHandshakeErrors = new LongAdder();
    /** When the TLS certificates were last loaded (nanoTime), for {@code time_since_server_cert_refresh}. */
    public volatile long certRefreshedAtNanos = System.nanoTime();

    // commands
    public final LongAdder cmdGet = new LongAdder();
    public final LongAdder cmdSet = new LongAdder();
    public final LongAdder cmdFlush = new LongAdder();
    public final LongAdder cmdTouch = new LongAdder();
    public final LongAdder getHits = new LongAdder();
    public final LongAdder getMisses = new LongAdder();
    public final LongAdder getExpired = new LongAdder();
    public final LongAdder getFlushed = new LongAdder();
    public final LongAdder deleteHits = new LongAdder();
    public final LongAdder deleteMisses = new LongAdder();
    public final LongAdder incrHits = new LongAdder();
    public final LongAdder incrMisses = new LongAdder();
    public final LongAdder decrHits = new LongAdder();
    public final LongAdder decrMisses = new LongAdder();
    public final LongAdder casHits = new LongAdder();
    public final LongAdder casMisses = new LongAdder();
    public final LongAdder casBadval = new LongAdder();
    public final LongAdder touchHits = new LongAdder();
    public final LongAdder touchMisses = new LongAdder();
    public final LongAdder cmdMeta = new LongAdder();
    public final LongAdder storeTooLarge = new LongAdder();
    public final LongAdder storeNoMemory = new LongAdder();
    /** Logins tried (memcached's {@code auth_cmds}: text and SASL, success or not) and failed ({@code auth_errors}). */
    public final LongAdder authCmds = new LongAdder();
    public final LongAdder authErrors = new LongAdder();

    /**
     * Outcomes memcached has no key for (set stored/not stored, incr on a non-number, ...), one cell per command and
     * outcome. Outcomes memcached does count (get_hits, cas_badval, ...) are not counted here a second time.
     */
    private final LongAdder[] outcomes = new LongAdder[Command.values().length * Outcome.values().length];

    /** memcached's {@code -vv} log; its level is the server's verbosity. */
    public final VerboseLog verbose = new VerboseLog(0);
    /** {@code watch}: the attached watchers and their log lines. */
    public final LogWatchers watchers = new LogWatchers();

    /** {@code stats detail}: per-prefix counts, off until {@code stats detail on}. */
    public final PrefixStats prefixes = new PrefixStats();
    /**
     * {@code stats sizes_enable}/{@code sizes_disable}. On from the start, unlike memcached's: Bastion's histogram
     * costs nothing until asked for (it walks the store), so there is nothing to save by leaving it off.
     */
    public volatile boolean sizesEnabled = true;

    // store
    public final LongAdder totalItems = new LongAdder();
    public final LongAdder evictions = new LongAdder();
    /** Writes that took the place of a dead (expired or flushed) item under their key: memcached's name. */
    public final LongAdder reclaimed = new LongAdder();
    public final LongAdder expiredUnfetched = new LongAdder();
    public final LongAdder evictedUnfetched = new LongAdder();

    /**
     * Server-side latency per read batch ({@code BatchLatencyHandler}), or null when no meter registry is bound: then
     * nothing is timed at all. Set once before the server accepts connections.
     */
    public volatile io.micrometer.core.instrument.Timer batchLatency;
    /** The latency timer times a connection's first read batch, then one in this many. */
    public static final int LATENCY_SAMPLE_EVERY = 64;

    /** The open connections and listening sockets, for {@code stats conns}. */
    public final ConnectionRegistry connections = new ConnectionRegistry();

    public Stats() {
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] = new LongAdder();
        }
        for (int i = 0; i < evictionsByClass.length; i++) {
            evictionsByClass[i] = new LongAdder();
            reclaimedByClass[i] = new LongAdder();
        }
    }

    /** The counter of one command's outcome. */
    public LongAdder outcome(Command command, Outcome outcome) {
        return outcomes[command.ordinal() * Outcome.values().length + outcome.ordinal()];
    }

    /** Evictions per size class ({@link SizeClasses}), index = class id; {@code stats items}' {@code evicted}. */
    private final LongAdder[] evictionsByClass = new LongAdder[64];
    /** {@link #reclaimed} per size class of the new item; {@code stats items}' {@code reclaimed}. */
    private final LongAdder[] reclaimedByClass = new LongAdder[64];

    /** Counts an eviction in the size class of an item of this weight (the total is {@link #evictions}). */
    @Override
    public void itemLinked() {
        totalItems.increment();
    }

    @Override
    public void evictedItem(org.bastion.store.Key key, org.bastion.store.Item item) {
        watchers.eviction(key, item);
    }

    @Override
    public void evicted(int sizeClass, boolean fetched) {
        evictions.increment();
        if (sizeClass > 0) {
            evictionsByClass[sizeClass].increment();
        }
        if (!fetched) {
            evictedUnfetched.increment();
        }
    }

    @Override
    public void reclaimed(int sizeClass, boolean fetched) {
        reclaimed.increment();
        reclaimedByClass[sizeClass].increment();
        if (!fetched) {
            expiredUnfetched.increment();
        }
    }

    @Override
    public void sweptExpired(boolean fetched) {
        if (!fetched) {
            expiredUnfetched.increment();
        }
    }

    @Override
    public void foundExpired() {
        getExpired.increment();
    }

    @Override
    public void foundFlushed() {
        getFlushed.increment();
    }

    /** Evictions from one size class since start or {@code stats reset}. */
    long evictionsInClass(int id) {
        return evictionsByClass[id].sum();
    }

    /** Writes that reclaimed a dead item, by the new item's size class, since start or {@code stats reset}. */
    long reclaimedInClass(int id) {
        return reclaimedByClass[id].sum();
    }

    /** The storage command behind a store mode. */
    public static Command command(Store.Mode mode) {
        return switch (mode) {
            case SET -> Command.SET;
            case ADD -> Command.ADD;
            case REPLACE -> Command.REPLACE;
            case APPEND -> Command.APPEND;
            case PREPEND -> Command.PREPEND;
            case CAS -> Command.CAS;
        };
    }

    /** Counts one outcome of a command: an array index and a LongAdder increment, nothing more. */
    public void count(Command command, Outcome outcome) {
        outcome(command, outcome).increment();
    }

    /** {@code stats reset}: zeroes the counters memcached resets; gauges (connections, items) stay. */
    public void reset() {
        for (LongAdder a : new LongAdder[] {totalConnections, rejectedConnections, deniedConnections, idleKicks,
                requestTimeouts, connYields, bytesRead,
                bytesWritten, cmdGet, cmdSet, cmdFlush, cmdTouch, getHits, getMisses, getExpired, getFlushed,
                deleteHits, deleteMisses, incrHits, incrMisses, decrHits, decrMisses, casHits, casMisses, casBadval,
                touchHits, touchMisses, cmdMeta, storeTooLarge, storeNoMemory, authCmds, authErrors, totalItems, evictions, expiredUnfetched,
                evictedUnfetched, reclaimed}) {
            a.reset();
        }
        sslHandshakeErrors.reset();
        for (LongAdder a : outcomes) {
            a.reset();
        }
        for (int i = 0; i < evictionsByClass.length; i++) {
            evictionsByClass[i].reset();
            reclaimedByClass[i].reset();
        }
    }
}
