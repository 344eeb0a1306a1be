package org.bastion.protocol.binary;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** First binary stage: counts the bytes of every read before Netty's codec frames them (bytes_read, partial requests). */
public final class BinaryBytesIn extends ChannelInboundHandlerAdapter {
    private final BinaryCommandHandler handler;

    BinaryBytesIn(BinaryCommandHandler handler) {
        this.handler = handler;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            handler.received(buf.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }
}
