package org.bastion.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.bastion.policy.SecurityLog;

/**
 * The server-wide bound on replies held for clients that do not take them. Each connection already holds at most its
 * write-buffer high water mark plus one value (it stops reading and answering past the mark), but a thousand
 * connections that never read would still hold a thousand times that. Checked every {@link #PERIOD_MILLIS} ms: when
 * the output held across connections passes the budget, the connections holding the most that are not taking their
 * replies (past their high mark) are closed until it fits again. A client that reads its replies drains below the mark
 * and is never chosen.
 */
final class OutputGuard {
    static final long PERIOD_MILLIS = 100;

    private final long limit;
    private final SecurityLog securityLog;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final AtomicLong closed = new AtomicLong();

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
        ch.closeFuture().addListener(f -> channels.remove(ch));
    }

    /** Output bytes a connection holds that its client has not taken. */
    static long held(Channel ch) {
        ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    /** One check: closes stalled connections, largest first, while the total is over the budget. Any thread. */
    void check() {
        long total = 0;
        for (Channel ch : channels) {
            total += held(ch);
        }
        // Bounded: each pass closes one connection (and forgets it) or stops.
        while (total > limit) {
            Channel largest = null;
            long most = 0;
            for (Channel ch : channels) {
                long h = held(ch);
                if (h > most && !ch.isWritable() && ch.isOpen()) {
                    most = h;
                    largest = ch;
                }
            }
            if (largest == null) {
                return;
            }
            channels.remove(largest);
            closed.incrementAndGet();
            securityLog.event(SecurityLog.Kind.STALLED_OUTPUT, source(largest), "closed: holding " + most
                    + " bytes of replies it does not read while the server's output budget of " + limit
                    + " bytes is spent");
            largest.close();
            total -= most;
        }
    }

    private static java.net.InetAddress source(Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }
}
