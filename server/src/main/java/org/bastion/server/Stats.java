package org.bastion.server;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every counter the server keeps, counted once, cheaply and without locks on the event loops. {@code stats} and any
 * metrics exporter read the same fields, so they cannot disagree.
 */
final class Stats {
    final long startedAtMillis = System.currentTimeMillis();
    final long startedAtNanos = System.nanoTime();

    // connections
    final AtomicLong currConnections = new AtomicLong();
    final LongAdder totalConnections = new LongAdder();
    final LongAdder rejectedConnections = new LongAdder();
    final LongAdder deniedConnections = new LongAdder();
    /** Closed by {@code -o idle_timeout} (memcached's name). */
    final LongAdder idleKicks = new LongAdder();
    /** Closed by {@code --request-timeout} with a request unfinished. */
    final LongAdder requestTimeouts = new LongAdder();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();

    // commands
    final LongAdder cmdGet = new LongAdder();
    final LongAdder cmdSet = new LongAdder();
    final LongAdder cmdFlush = new LongAdder();
    final LongAdder cmdTouch = new LongAdder();
    final LongAdder getHits = new LongAdder();
    final LongAdder getMisses = new LongAdder();
    final LongAdder getExpired = new LongAdder();
    final LongAdder getFlushed = new LongAdder();
    final LongAdder deleteHits = new LongAdder();
    final LongAdder deleteMisses = new LongAdder();
    final LongAdder incrHits = new LongAdder();
    final LongAdder incrMisses = new LongAdder();
    final LongAdder decrHits = new LongAdder();
    final LongAdder decrMisses = new LongAdder();
    final LongAdder casHits = new LongAdder();
    final LongAdder casMisses = new LongAdder();
    final LongAdder casBadval = new LongAdder();
    final LongAdder touchHits = new LongAdder();
    final LongAdder touchMisses = new LongAdder();
    final LongAdder cmdMeta = new LongAdder();
    final LongAdder storeTooLarge = new LongAdder();
    final LongAdder storeNoMemory = new LongAdder();
    final LongAdder authCmds = new LongAdder();
    final LongAdder authErrors = new LongAdder();

    // store
    final LongAdder totalItems = new LongAdder();
    final LongAdder evictions = new LongAdder();
    final LongAdder expiredUnfetched = new LongAdder();
    final LongAdder evictedUnfetched = new LongAdder();

    /** {@code stats reset}: zeroes the counters memcached resets; gauges (connections, items) stay. */
    void reset() {
        for (LongAdder a : new LongAdder[] {totalConnections, rejectedConnections, deniedConnections, idleKicks,
                requestTimeouts, bytesRead,
                bytesWritten, cmdGet, cmdSet, cmdFlush, cmdTouch, getHits, getMisses, getExpired, getFlushed,
                deleteHits, deleteMisses, incrHits, incrMisses, decrHits, decrMisses, casHits, casMisses, casBadval,
                touchHits, touchMisses, cmdMeta, storeTooLarge, storeNoMemory, authCmds, authErrors, totalItems, evictions, expiredUnfetched,
                evictedUnfetched}) {
            a.reset();
        }
    }
}
