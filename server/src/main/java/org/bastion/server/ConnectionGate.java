package org.bastion.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * First in every pipeline: decides in {@code channelActive}, before a single byte is read, whether the connection is
 * served. Channels start with auto-read off, so a refused client never has its bytes read or executed.
 */
@ChannelHandler.Sharable
final class ConnectionGate extends ChannelInboundHandlerAdapter {
    private final CommandExecutor exec;
    private final java.util.function.Function<Session, ChannelHandler> protocolStage;

    ConnectionGate(CommandExecutor exec, java.util.function.Function<Session, ChannelHandler> protocolStage) {
        this.exec = exec;
        this.protocolStage = protocolStage;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Stats stats = exec.stats;
        stats.totalConnections.increment();
        long current = stats.currConnections.incrementAndGet();
        ctx.channel().closeFuture().addListener(f -> stats.currConnections.decrementAndGet());
        if (current > exec.settings.maxConnections()) {
            stats.rejectedConnections.increment();
            ctx.writeAndFlush(Unpooled.wrappedBuffer(Replies.TOO_MANY_CONNECTIONS)).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        Session session = new Session(ctx.channel().remoteAddress(), ctx.channel().localAddress());
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
