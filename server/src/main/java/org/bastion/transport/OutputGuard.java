package org.bastion.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.bastion.policy.SecurityLog;

/**
 * The server-wide bound on replies held for clients that do not take them. Each connection already holds at most its
 * write-buffer high water mark plus one value (it stops reading and answering past the mark), but a thousand
 * connections that never read would still hold a thousand times that. When the output held across connections passes
 * the budget, the connections holding the most that are not taking their replies (past their high mark) are closed
 * until it fits again; only when none is past its mark (many clients each holding a little under it) are the largest
 * holders closed whatever their mark. A client that reads its replies drains below the mark and is not chosen while
 * a stalled one is.
 * <p>
 * Checked as each connection passes its high mark ({@link #stage()}), on that connection's event loop, and every
 * {@link #PERIOD_MILLIS} ms. The periodic check alone was not enough: 200 clients that never read, connected at once,
 * filled 16 MiB of direct memory within one period and the process died of {@code OutOfMemoryError} (the budget must
 * hold before memory runs out, since running out ends the process).
 */
final class OutputGuard {
    static final long PERIOD_MILLIS = 100;

    private final long limit;
    private final SecurityLog securityLog;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    /**
     * Connections this guard closed that still hold their output: a connection closed from another event loop's
     * check lets go of its buffers only when its own loop gets to it, and until then its bytes still count.
     */
    private final Set<Channel> closing = ConcurrentHashMap.newKeySet();
    private final AtomicLong closed = new AtomicLong();
    private final ChannelHandler stage = new PastHighMark();

    OutputGuard(long limitBytes, SecurityLog securityLog) {
        this.limit = limitBytes;
        this.securityLog = securityLog;
    }

    long limit() {
        return limit;
    }

    /** Connections closed so far to bring the output held back under the budget. */
    long closed() {
        return closed.get();
    }

    /** Watches a connection until it closes. */
    void watch(Channel ch) {
        channels.add(ch);
        ch.closeFuture().addListener(f -> {
            channels.remove(ch);
            closing.remove(ch);
        });
    }

    /** The pipeline stage that runs a check whenever its connection passes its high water mark. */
    ChannelHandler stage() {
        return stage;
    }

    @ChannelHandler.Sharable
    private final class PastHighMark extends ChannelInboundHandlerAdapter {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (!ctx.channel().isWritable()) {
                check();
            }
            ctx.fireChannelWritabilityChanged();
        }
    }

    /** Output bytes a connection holds that its client has not taken. */
    static long held(Channel ch) {
        ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    /**
     * One check: closes connections, largest stalled first, while the total is over the budget. Any thread; one at a
     * time, so that two event loops passing their marks together do not both close for the same excess.
     */
    synchronized void check() {
        long total = 0;
        for (Channel ch : channels) {
            total += held(ch);
        }
        // Bounded: each pass closes one connection (no longer a candidate) or stops.
        while (total > limit) {
            // Stalled before merely slow; on this thread's event loop before others, because a connection closed from
            // another loop lets go of its buffers only when that loop gets round to it, which under a flood of
            // resumed replies was seen to be too late (the closed ones' bytes piled up to the direct-memory limit).
            Channel largest = largest(true, true);
            if (largest == null) {
                largest = largest(true, false);
            }
            if (largest == null) {
                largest = largest(false, false);
            }
            if (largest == null) {
                return;
            }
            long most = held(largest);
            closing.add(largest);
            closed.incrementAndGet();
            securityLog.event(SecurityLog.Kind.STALLED_OUTPUT, source(largest), "closed: holding " + most
                    + " bytes of replies it does not read while the server's output budget of " + limit
                    + " bytes is spent");
            closeAbruptly(largest);
            total -= most;
        }
    }

    /**
     * Closes from the guard's own stage, below TLS: the TLS stage would first try to send its close_notify, and with
     * a client that does not read it waits up to three seconds for that to be written, holding every buffer the
     * connection has meanwhile. Seen: 90 of 93 TLS connections the guard had closed still open and holding their
     * replies, and the process dead of {@code OutOfMemoryError} with 100 such clients against 32 MiB.
     */
    private void closeAbruptly(Channel ch) {
        ChannelHandlerContext below = ch.pipeline().context(stage);
        if (below != null) {
            below.close();
        } else {
            ch.close();
        }
    }

    /**
     * The open connection holding the most output, only among those past their high mark if {@code stalled}, and only
     * among those served by the calling thread's event loop if {@code local}.
     */
    private Channel largest(boolean stalled, boolean local) {
        Channel largest = null;
        long most = 0;
        for (Channel ch : channels) {
            long h = held(ch);
            if (h > most && ch.isOpen() && !closing.contains(ch) && !(stalled && ch.isWritable())
                    && !(local && !ch.eventLoop().inEventLoop())) {
                most = h;
                largest = ch;
            }
        }
        return largest;
    }

    private static java.net.InetAddress source(Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }
}
