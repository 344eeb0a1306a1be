package org.bastion.policy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.Function;
import org.bastion.config.Settings;
import org.bastion.command.CommandExecutor;
import org.bastion.protocol.Replies;
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
    private final CommandExecutor exec;
    private final SourcePolicy policy;
    private final ConnectionLimits limits;
    private final Function<Session, ChannelHandler> protocolStage;

    public ConnectionGate(CommandExecutor exec, SourcePolicy policy, ConnectionLimits limits,
            Function<Session, ChannelHandler> protocolStage) {
        this.exec = exec;
        this.policy = policy;
        this.limits = limits;
        this.protocolStage = protocolStage;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Stats stats = exec.stats;
        InetAddress source = ctx.channel().remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
        if (!policy.admits(source)) {
            stats.deniedConnections.increment();
            exec.securityLog.event(SecurityLog.Kind.DENIED_SOURCE, source, policy.listedOnly()
                    ? "not in --allow/--allow-file: closed unread" : "not loopback and no --allow rule: closed unread");
            ctx.close();
            return;
        }
        stats.totalConnections.increment();
        ConnectionLimits.Verdict verdict = limits.tryAcquire(source);
        if (verdict != ConnectionLimits.Verdict.ADMITTED) {
            stats.rejectedConnections.increment();
            Settings s = exec.settings;
            if (verdict == ConnectionLimits.Verdict.OVER_TOTAL) {
                exec.securityLog.event(SecurityLog.Kind.CONNECTION_CAP, source,
                        "refused: " + s.maxConnections() + " connections open (-c)");
            } else {
                exec.securityLog.event(SecurityLog.Kind.PER_SOURCE_CAP, source,
                        "refused: source holds " + s.maxConnectionsPerSource() + " connections (--max-conns-per-ip)");
            }
            ctx.writeAndFlush(Unpooled.wrappedBuffer(Replies.TOO_MANY_CONNECTIONS)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.channel().closeFuture().addListener(f -> limits.release(source));
        Session session = new Session(ctx.channel().remoteAddress(), ctx.channel().localAddress());
        session.readOnly = policy.readOnly(source);
        int idle = exec.settings.idleTimeoutSeconds();
        int request = exec.settings.requestTimeoutSeconds();
        if (TimeoutHandler.needed(idle, request)) {
            ctx.pipeline().addLast("timeouts", new TimeoutHandler(idle, request, exec.securityLog, stats, session));
        }
        ctx.pipeline().addLast("protocol", protocolStage.apply(session));
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
