package org.bastion.protocol.binary;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.memcache.LastMemcacheContent;
import io.netty.handler.codec.memcache.MemcacheContent;
import io.netty.handler.codec.memcache.binary.BinaryMemcacheRequest;
import io.netty.handler.codec.memcache.binary.DefaultFullBinaryMemcacheRequest;
import io.netty.handler.codec.memcache.binary.FullBinaryMemcacheRequest;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.protocol.InputBudget;

/**
 * Sits between Netty's binary decoder and its aggregator so that no request ever makes the aggregator fail. A request
 * whose value is over {@code -I}, or whose header the decoder rejected, is passed on at once as a full request with an
 * empty value (the header still declares the real lengths), and its value chunks are dropped as they arrive: nothing
 * oversized is buffered, and the stream stays aligned on the next request. The command handler sees the declared
 * length and answers E2BIG, as memcached does after swallowing the value.
 * <p>
 * A value being received (up to {@code -I}) is held by the aggregator until its last byte: the memory what has arrived
 * of it keeps ({@link #pinnedBytes}) is reported to the server's {@link InputBudget}, which closes the largest holders
 * when the total passes the budget.
 * Without it, 300 connections each sending 1 MB values short of their last byte and holding ended the process with
 * {@code OutOfMemoryError} (direct memory).
 */
public final class BinaryValueLimit extends ChannelInboundHandlerAdapter {
    private final long maxValueLength;
    private final InputBudget budget;
    private final SecurityLog securityLog;
    private final Session session;
    private InputBudget.Account account;
    /** Memory kept by what has arrived of the value being aggregated ({@link #pinnedBytes}); 0 between requests. */
    private long partial;
    /** The buffer the previous chunk of this value was cut from, so a buffer cut into many chunks counts once. */
    private ByteBuf lastBuffer;
    /** Value chunks of an oversized request still to drop. */
    private boolean dropping;

    BinaryValueLimit(long maxValueLength, InputBudget budget, SecurityLog securityLog, Session session) {
        this.maxValueLength = maxValueLength;
        this.budget = budget;
        this.securityLog = securityLog;
        this.session = session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        account = budget.open(() -> ctx.executor().execute(() -> overBudget(ctx)));
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        account.release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        account.release();
        ctx.fireChannelInactive();
    }

    /** Chosen by the input budget: the largest holder is closed, what it held freed. */
    private void overBudget(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            securityLog.event(SecurityLog.Kind.OVERSIZE_VALUE, session.sourceAddress(), "closed: holding " + partial
                    + " bytes of an unfinished binary value while the server's input budget of " + budget.limit()
                    + " bytes is spent");
            ctx.close();
        }
    }

    /** The value length a request header declares: body minus key and extras, all unsigned. */
    static long declaredValueLength(BinaryMemcacheRequest request) {
        return Integer.toUnsignedLong(request.totalBodyLength()) - (request.keyLength() & 0xFFFF)
                - (request.extrasLength() & 0xFF);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MemcacheContent content && dropping) {
            dropping = !(content instanceof LastMemcacheContent);
            content.release();
            return;
        }
        if (msg instanceof BinaryMemcacheRequest request && !(msg instanceof FullBinaryMemcacheRequest)) {
            boolean failed = !request.decoderResult().isSuccess();
            if (failed || declaredValueLength(request) > maxValueLength) {
                // A failed header is followed by nothing (the decoder discards the rest of the stream).
                dropping = !failed;
                ctx.fireChannelRead(headerOnly(request));
                return;
            }
        } else if (msg instanceof MemcacheContent content) {
            // A value that arrived whole comes as one last chunk: nothing is held, and hold(0) costs a volatile read.
            if (content instanceof LastMemcacheContent) {
                partial = 0;
                lastBuffer = null;
            } else {
                partial += pinnedBytes(content.content());
            }
            account.hold(partial);
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * The memory a value chunk newly keeps until the value is complete. The decoder cuts a read's buffer into chunks
     * of at most 8 KiB, each a slice that keeps the whole buffer however little of it the read filled: the buffer's
     * capacity counts, once. Counting only the chunks' bytes undercounts partly filled read buffers: one CI run of
     * 300 partial senders against a 40 MiB budget reached the 160 MiB of direct memory and ended the process.
     */
    private long pinnedBytes(ByteBuf chunk) {
        ByteBuf buffer = chunk;
        for (int i = 0; i < 8 && buffer.unwrap() != null; i++) {
            buffer = buffer.unwrap();
        }
        if (buffer == lastBuffer) {
            return 0;
        }
        lastBuffer = buffer;
        return Math.max(chunk.readableBytes(), buffer.capacity());
    }

    /** The request's header, key and extras with an empty value; releases the original. */
    private static FullBinaryMemcacheRequest headerOnly(BinaryMemcacheRequest request) {
        ByteBuf key = request.key() == null ? null : request.key().retain();
        ByteBuf extras = request.extras() == null ? null : request.extras().retain();
        DefaultFullBinaryMemcacheRequest full = new DefaultFullBinaryMemcacheRequest(key, extras, Unpooled.EMPTY_BUFFER);
        full.setMagic(request.magic());
        full.setOpcode(request.opcode());
        full.setDataType(request.dataType());
        full.setReserved(request.reserved());
        full.setTotalBodyLength(request.totalBodyLength());
        full.setOpaque(request.opaque());
        full.setCas(request.cas());
        full.setDecoderResult(request.decoderResult());
        request.release();
        return full;
    }
}
