package org.bastion.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Output backpressure for the binary protocol: while the channel is past its high water mark (its client is not
 * taking replies) the connection is not read; reading resumes once it drains below the low mark. The text translator
 * does this itself, finer grained (it also stops decoding requests already read, and produces multi-gets piecewise).
 */
@ChannelHandler.Sharable
final class Backpressure extends ChannelInboundHandlerAdapter {
    static final Backpressure INSTANCE = new Backpressure();

    private Backpressure() {
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }
}
