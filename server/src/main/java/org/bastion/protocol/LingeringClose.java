package org.bastion.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection after its last reply (after {@code quit}, or an error that ends the connection) so that the
 * replies reach the client: first every reply, then the end of the output (a FIN, after TLS's close_notify), and then
 * whatever the client still sends is read and dropped until it closes its side, for at most {@link #LINGER_MILLIS}
 * and {@link #DISCARD_LIMIT} bytes. A socket closed with input still unread makes the kernel answer with a reset
 * instead, which throws away replies not yet delivered: a client that pipelined two large gets, a quit and a few
 * more requests lost the second reply that way (found by a differential fuzzer). memcached closes at once and loses
 * replies the same way once more than its read buffer follows the quit.
 */
public final class LingeringClose {
    /** The longest a closing connection waits for the client to close its side. */
    static final long LINGER_MILLIS = 2_000;
    /** The most input a closing connection reads and drops before it closes anyway. */
    static final long DISCARD_LIMIT = 1 << 20;

    private LingeringClose() {
    }

    /** Sends what is pending, then closes as described above; later input is never decoded. */
    public static void afterReplies(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (!written.isSuccess() || !ch.isActive() || !(ch instanceof DuplexChannel duplex)) {
                ch.close();
                return;
            }
            ch.pipeline().addFirst(new Discard());
            SslHandler tls = ch.pipeline().get(SslHandler.class);
            ChannelFuture said = tls == null ? ch.newSucceededFuture() : tls.closeOutbound();
            said.addListener(done -> endOutput(duplex));
        });
    }

    private static void endOutput(DuplexChannel ch) {
        if (!ch.isActive()) {
            return;
        }
        ch.shutdownOutput().addListener(shut -> {
            if (!shut.isSuccess()) {
                ch.close();
                return;
            }
            ch.eventLoop().schedule(() -> ch.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
            ch.config().setAutoRead(true);
            ch.read();
        });
    }

    /** First in the pipeline of a closing connection: reads are counted and dropped, never decoded. */
    private static final class Discard extends ChannelInboundHandlerAdapter {
        private long dropped;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf) {
                dropped += buf.readableBytes();
            }
            ReferenceCountUtil.release(msg);
            if (dropped > DISCARD_LIMIT) {
                ctx.close();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // Nothing was passed on, so there is nothing to flush.
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
