package org.bastion.policy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.bastion.stats.Stats;

/**
 * {@code -o idle_timeout} and {@code --request-timeout}, for any protocol. Sits in front of the protocol handlers,
 * sees every read, and asks whichever handler implements {@link RequestProgress} whether a request is half-read.
 *
 * <p>The request timeout runs from the first byte of the unfinished request, not from the last byte received, so a
 * client that drips one byte a second still loses its slot after the timeout. A client pipelining many requests is
 * not affected: each completed request restarts the clock.
 */
public final class TimeoutHandler extends ChannelInboundHandlerAdapter {
    private final long idleNanos;
    private final long requestNanos;
    private final SecurityLog securityLog;
    private final Stats stats;
    private final Session session;

    private long lastReadNanos;
    /** When the unfinished request began, or 0 when there is none. */
    private long requestStartNanos;
    private RequestProgress progress;
    private ScheduledFuture<?> tick;

    /** Either timeout may be 0 (off), but not both: then the handler is not installed at all. */
    public TimeoutHandler(int idleSeconds, int requestSeconds, SecurityLog securityLog, Stats stats, Session session) {
        this.idleNanos = TimeUnit.SECONDS.toNanos(idleSeconds);
        this.requestNanos = TimeUnit.SECONDS.toNanos(requestSeconds);
        this.securityLog = securityLog;
        this.stats = stats;
        this.session = session;
    }

    public static boolean needed(int idleSeconds, int requestSeconds) {
        return idleSeconds > 0 || requestSeconds > 0;
    }

    /** How often the clock is checked: a quarter of the shorter timeout, kept between 50 ms and 1 s. */
    long tickNanos() {
        long shortest = Long.MAX_VALUE;
        if (idleNanos > 0) {
            shortest = idleNanos;
        }
        if (requestNanos > 0) {
            shortest = Math.min(shortest, requestNanos);
        }
        return Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(TimeUnit.SECONDS.toNanos(1), shortest / 4));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        lastReadNanos = System.nanoTime();
        long period = tickNanos();
        tick = ctx.executor().scheduleAtFixedRate(() -> check(ctx), period, period, TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long now = System.nanoTime();
        lastReadNanos = now;
        RequestProgress before = progress(ctx);
        long completedBefore = before == null ? 0 : before.completedRequests();
        if (requestStartNanos == 0) {
            requestStartNanos = now;
        }
        // The protocol handlers decode synchronously, so afterwards they know whether this read left a request open.
        ctx.fireChannelRead(msg);
        RequestProgress after = progress(ctx);
        if (after == null || !after.hasPartialRequest()) {
            requestStartNanos = 0;
        } else if (after.completedRequests() != completedBefore) {
            requestStartNanos = now;
        }
    }

    private void check(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            cancel();
            return;
        }
        long now = System.nanoTime();
        if (idleNanos > 0 && now - lastReadNanos >= idleNanos && !receivesOnly(ctx)) {
            stats.idleKicks.increment();
            session.closeFor(Session.CloseReason.IDLE_TIMEOUT);
            securityLog.event(SecurityLog.Kind.IDLE_TIMEOUT, session.sourceAddress(),
                    "closed after " + TimeUnit.NANOSECONDS.toSeconds(idleNanos) + "s without a request (-o idle_timeout)");
            cancel();
            ctx.close();
            return;
        }
        if (requestNanos > 0 && requestStartNanos != 0 && now - requestStartNanos >= requestNanos) {
            RequestProgress p = progress(ctx);
            if (p != null && p.hasPartialRequest()) {
                stats.requestTimeouts.increment();
                session.closeFor(Session.CloseReason.IDLE_TIMEOUT);
                securityLog.event(SecurityLog.Kind.REQUEST_TIMEOUT, session.sourceAddress(),
                        "closed with a request unfinished after " + TimeUnit.NANOSECONDS.toSeconds(requestNanos)
                                + "s (--request-timeout)");
                cancel();
                ctx.close();
            }
        }
    }

    private boolean receivesOnly(ChannelHandlerContext ctx) {
        RequestProgress p = progress(ctx);
        return p != null && p.onlyReceives();
    }

    /** The protocol handler now in the pipeline; looked up again if the protocol stage was replaced. */
    private RequestProgress progress(ChannelHandlerContext ctx) {
        if (progress instanceof ChannelHandler h && ctx.pipeline().context(h) != null) {
            return progress;
        }
        progress = null;
        for (Map.Entry<String, ChannelHandler> e : ctx.pipeline()) {
            if (e.getValue() instanceof RequestProgress p) {
                progress = p;
                break;
            }
        }
        return progress;
    }

    private void cancel() {
        if (tick != null) {
            tick.cancel(false);
            tick = null;
        }
    }
}
