package org.bastion.protocol.binary;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.memcache.binary.FullBinaryMemcacheRequest;
import java.util.ArrayDeque;
import org.bastion.protocol.Turn;

/**
 * Output backpressure for the binary protocol, on whole requests. One read can hold thousands of small requests, each
 * asking for a large value; were they all answered as decoded, a client that does not read its socket would make the
 * server hold every reply. So once the channel is past its write-buffer high water mark, requests already decoded
 * wait here, unanswered, and the connection is not read; they are answered as the client takes its replies, and
 * reading resumes only when none wait. What waits is bounded by what one read brought in (small: the requests'
 * own bytes), where the replies it would have made are bounded only by {@code -I} times their count.
 *
 * <p>The command handler uses the same queue to keep replies in order while it answers one request asynchronously
 * (a {@code snapshot} that answers once its file is durable): {@link #pause} and {@link #resume}.
 *
 * <p>It also keeps one connection's turn on its event loop to {@code -R} requests ({@link Turn}): past them, the
 * requests already decoded wait here and the connection is not read until the loop has served its other sockets.
 */
final class RequestQueue extends ChannelInboundHandlerAdapter {
    private final ArrayDeque<FullBinaryMemcacheRequest> waiting = new ArrayDeque<>();
    private final BinaryCommandHandler handler;
    private ChannelHandlerContext ctx;
    /** The handler asked for its later requests to wait (it is answering one asynchronously: a snapshot). */
    private boolean paused;
    private final Turn turn;
    /** The connection used up its turn; {@link #endYield} runs once the event loop has served the others. */
    private boolean yielded;

    RequestQueue(BinaryCommandHandler handler, Turn turn) {
        this.handler = handler;
        this.turn = turn;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        FullBinaryMemcacheRequest request = (FullBinaryMemcacheRequest) msg;
        // Whole from here on, answered or waiting: not a partial request for the request timeout.
        handler.decoded(request);
        if (waiting.isEmpty() && mayAnswer()) {
            answer(request);
            return;
        }
        waiting.add(request);
        if (waiting.size() == 1) {
            ctx.channel().config().setAutoRead(false);
            // What was answered so far must reach the socket for the channel ever to drain.
            ctx.flush();
        }
    }

    private boolean mayAnswer() {
        return !paused && !yielded && ctx.channel().isWritable() && ctx.channel().isActive();
    }

    private void answer(FullBinaryMemcacheRequest request) {
        ctx.fireChannelRead(request);
        if (turn.spend()) {
            yielded = true;
            ctx.channel().config().setAutoRead(false);
            Turn.yieldThen(ctx, this::endYield);
        }
    }

    private void endYield() {
        yielded = false;
        drain();
    }

    /** Later requests wait, and the connection is not read, until {@link #resume}. */
    void pause() {
        paused = true;
        ctx.channel().config().setAutoRead(false);
        ctx.flush();
    }

    /** Answers what waited (as far as the client takes replies), then reads again if nothing is left. */
    void resume() {
        paused = false;
        drain();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        turn.renew();
        if (waiting.isEmpty() && !paused && !yielded) {
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
        drain();
    }

    private void drain() {
        boolean answered = false;
        while (!waiting.isEmpty() && mayAnswer()) {
            answer(waiting.poll());
            answered = true;
        }
        if (answered) {
            // The command handler flushes at the end of a batch; these replies are one.
            ctx.fireChannelReadComplete();
        }
        if (waiting.isEmpty() && mayAnswer()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        for (FullBinaryMemcacheRequest request; (request = waiting.poll()) != null; ) {
            request.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handlerRemoved(ctx);
        ctx.fireChannelInactive();
    }
}
