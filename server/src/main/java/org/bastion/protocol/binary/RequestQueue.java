package org.bastion.protocol.binary;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.memcache.binary.FullBinaryMemcacheRequest;
import java.util.ArrayDeque;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.protocol.InputBudget;
import org.bastion.protocol.Turn;

/**
 * Output backpressure for the binary protocol, on whole requests. One read can hold thousands of small requests, each
 * asking for a large value; were they all answered as decoded, a client that does not read its socket would make the
 * server hold every reply. So once the channel is past its write-buffer high water mark, requests already decoded
 * wait here, unanswered, and the connection is not read; they are answered as the client takes its replies, and
 * reading resumes only when none wait. What waits is bounded by what one read brought in, where the replies it would
 * have made are bounded only by {@code -I} times their count. On the heap a decoded request is far larger than its
 * bytes (about 300 B for a 25-byte GetK), so what waits counts against the server's input budget: 250 connections
 * pipelining GetK without reading held 95 MB this way and ended a server with a 160 MB heap before it did.
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

    /** Heap a waiting request costs beyond its key, extras and value: Netty's request object, its slices, the deque. */
    static final int HEAP_PER_REQUEST = 320;
    private final InputBudget budget;
    private final SecurityLog securityLog;
    private final Session session;
    private InputBudget.Account account;
    /** What the waiting requests cost, as counted against the budget. */
    private long held;

    RequestQueue(BinaryCommandHandler handler, Turn turn, InputBudget budget, SecurityLog securityLog,
            Session session) {
        this.handler = handler;
        this.turn = turn;
        this.budget = budget;
        this.securityLog = securityLog;
        this.session = session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        account = budget.open(() -> ctx.executor().execute(this::overBudget));
    }

    /** Chosen by the input budget as its largest holder: the connection is closed and what waited is freed. */
    private void overBudget() {
        if (ctx.channel().isActive()) {
            securityLog.event(SecurityLog.Kind.STALLED_OUTPUT, session.sourceAddress(), "closed: " + waiting.size()
                    + " binary requests (" + held + " bytes of heap) waiting for a client that does not read its"
                    + " replies, while the server's input budget of " + budget.limit() + " bytes is spent");
            ctx.close();
        }
    }

    private static long cost(FullBinaryMemcacheRequest request) {
        return HEAP_PER_REQUEST + (request.key() == null ? 0 : request.key().readableBytes())
                + (request.extras() == null ? 0 : request.extras().readableBytes()) + request.content().readableBytes();
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
        held += cost(request);
        account.hold(held);
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
            FullBinaryMemcacheRequest request = waiting.poll();
            held -= cost(request); // before answering: the handler releases the request
            answer(request);
            answered = true;
        }
        if (answered) {
            account.hold(held);
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
        held = 0;
        account.release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handlerRemoved(ctx);
        ctx.fireChannelInactive();
    }
}
