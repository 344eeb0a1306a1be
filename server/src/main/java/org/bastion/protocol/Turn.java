package org.bastion.protocol;

import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One connection's share of its event loop: memcached's {@code -R} ({@code reqs_per_event}). A client that pipelines
 * thousands of requests in one write would otherwise have them all answered before any other connection on the same
 * event loop is read; after {@code -R} requests in one turn the connection yields, counted in {@code conn_yields}.
 *
 * <p>The yield resumes from a <em>scheduled</em> task, not an executed one. Netty runs the tasks a task adds in the
 * same pass (for up to a second), so a resume that re-adds itself would keep the loop from its sockets; a scheduled
 * task is only taken up after the loop has polled its sockets again, so every connection ready by then is served
 * first. Its delay is a nanosecond rather than zero: due either way by the time the loop has polled, but a test on a
 * frozen clock can then run one turn at a time.
 */
public final class Turn {
    private final int requests;
    private final LongAdder yields;
    private int left;

    /** A turn of {@code requests} requests (at least 1); each yield adds one to {@code yields}. */
    public Turn(int requests, LongAdder yields) {
        if (requests < 1) {
            throw new IllegalArgumentException("requests per turn must be positive: " + requests);
        }
        this.requests = requests;
        this.yields = yields;
        this.left = requests;
    }

    /** Counts one request answered; true when that used up the turn (the caller yields). */
    public boolean spend() {
        if (--left > 0) {
            return false;
        }
        left = requests;
        yields.increment();
        return true;
    }

    /** A new turn: the connection's reads ended, or it was resumed. */
    public void renew() {
        left = requests;
    }

    /** Runs {@code resume} on the connection's event loop once the loop has served its other sockets. */
    public static void yieldThen(ChannelHandlerContext ctx, Runnable resume) {
        ctx.executor().schedule(resume, 1, TimeUnit.NANOSECONDS);
    }
}
