package org.bastion.policy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;
import org.bastion.config.Settings;
import org.bastion.stats.Stats;

/**
 * First in every pipeline: decides in {@code channelActive}, before a single byte is read, whether the connection is
 * served. Channels start with auto-read off, so a refused client never has its bytes read or executed.
 *
 * <p>Order of the checks: the source policy first (a denied source is closed without a byte written, so it learns
 * nothing, not even that a memcached-like server is there), then the connection caps (an allowed client over a cap
 * gets memcached's {@code ERROR Too many open connections}, which tells it to back off rather than retry blindly).
 */
@ChannelHandler.Sharable
public final class ConnectionGate extends ChannelInboundHandlerAdapter {
    /** memcached's reply to a connection over a cap. */
    private static final byte[] TOO_MANY_CONNECTIONS =
            "ERROR Too many open connections\r\n".getBytes(StandardCharsets.US_ASCII);

    private final SourcePolicy policy;
    private final ConnectionLimits limits;
    private final Stats stats;
    private final SecurityLog securityLog;
    private final Settings settings;
    private final BiConsumer<ChannelPipeline, Session> admitted;

    /**
     * @param admitted adds the stages an admitted connection needs after this one (the transport's pipeline knows
     *     which); called before the gate removes itself and turns reading on
     */
    public ConnectionGate(SourcePolicy policy, ConnectionLimits limits, Stats stats, SecurityLog securityLog,
            Settings settings, BiConsumer<ChannelPipeline, Session> admitted) {
        this.policy = policy;
        this.limits = limits;
        this.stats = stats;
        this.securityLog = securityLog;
        this.settings = settings;
        this.admitted = admitted;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetAddress source = ctx.channel().remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
        // A Unix socket (-s) has no source address: the socket file's permissions (-a) already chose who connects.
        boolean unixSocket = ctx.channel() instanceof DomainSocketChannel;
        if (!unixSocket && !policy.admits(source)) {
            stats.deniedConnections.increment();
            securityLog.event(SecurityLog.Kind.DENIED_SOURCE, source, policy.listedOnly()
                    ? "not in --allow/--allow-file: closed unread" : "not loopback and no --allow rule: closed unread");
            ctx.close();
            return;
        }
        stats.totalConnections.increment();
        ConnectionLimits.Verdict verdict = limits.tryAcquire(source);
        if (verdict != ConnectionLimits.Verdict.ADMITTED) {
            stats.rejectedConnections.increment();
            Settings s = settings;
            if (verdict == ConnectionLimits.Verdict.OVER_TOTAL) {
                securityLog.event(SecurityLog.Kind.CONNECTION_CAP, source,
                        "refused: " + s.maxConnections() + " connections open (-c)");
            } else {
                securityLog.event(SecurityLog.Kind.PER_SOURCE_CAP, source,
                        "refused: source holds " + s.maxConnectionsPerSource() + " connections (--max-conns-per-ip)");
            }
            ctx.writeAndFlush(Unpooled.wrappedBuffer(TOO_MANY_CONNECTIONS)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.channel().closeFuture().addListener(f -> limits.release(source));
        Session session = new Session(ctx.channel().remoteAddress(), ctx.channel().localAddress(),
                policy.readOnly(source), settings.usersFile() != null);
        ctx.channel().closeFuture().addListener(f -> session.gone());
        admitted.accept(ctx.pipeline(), session);
        ctx.pipeline().remove(this);
        ctx.channel().config().setAutoRead(true);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // Only reachable for a refused connection whose bytes arrived anyway: never executed.
        ReferenceCountUtil.release(msg);
    }
}
