package org.bastion.protocol.binary;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Output backpressure for the binary protocol, on whole requests. One read can hold thousands of small requests, each
 * asking for a large value; were they all answered as decoded, a client that does not read its socket would make the
 * server hold every reply. So once the channel is past its write-buffer high water mark, requests already decoded
 * wait here, unanswered, and the connection is not read; they are answered as the client takes its replies, and
 * reading resumes only when none wait. What waits is bounded by what one read brought in (small: the requests'
 * own bytes), where the replies it would have made are bounded only by {@code -I} times their count.
 */
final class RequestQueue extends ChannelInboundHandlerAdapter {
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object request) {
        if (waiting.isEmpty() && ctx.channel().isWritable()) {
            ctx.fireChannelRead(request);
            return;
        }
        waiting.add(request);
        if (waiting.size() == 1) {
            ctx.channel().config().setAutoRead(false);
            // What was answered so far must reach the socket for the channel ever to drain.
            ctx.flush();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (waiting.isEmpty()) {
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ctx.fireChannelWritabilityChanged();
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false);
            return;
        }
        boolean answered = false;
        while (!waiting.isEmpty() && ctx.channel().isWritable() && ctx.channel().isActive()) {
            ctx.fireChannelRead(waiting.poll());
            answered = true;
        }
        if (answered) {
            // The command handler flushes at the end of a batch; these replies are one.
            ctx.fireChannelReadComplete();
        }
        if (waiting.isEmpty() && ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        for (Object request; (request = waiting.poll()) != null; ) {
            ReferenceCountUtil.release(request);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handlerRemoved(ctx);
        ctx.fireChannelInactive();
    }
}
