package org.bastion.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * A client that does not read its socket, for {@code EmbeddedChannel}s: placed at the head of the pipeline, it holds
 * what is written as unflushed output (counted against the channel's water marks, as a socket nobody reads would)
 * until the test lets the client "read" it with {@link #take}.
 */
public final class SlowReader extends ChannelDuplexHandler {
    private PendingWriteQueue queue;
    /** Writes of at least this many bytes fail (a reply that cannot be completed); 0 for none. */
    public int failWritesFrom;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        queue = new PendingWriteQueue(ctx);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (failWritesFrom > 0 && msg instanceof ByteBuf buf && buf.readableBytes() >= failWritesFrom) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new IOException("the write failed (test)"));
            return;
        }
        queue.add(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        // The client is not reading: nothing leaves.
    }

    /** Bytes held, not yet taken by the client. */
    public long held() {
        return queue.bytes();
    }

    /** The client reads everything held so far. */
    public void take(ChannelHandlerContext ctx) {
        queue.removeAndWriteAll();
        ctx.flush();
    }
}
