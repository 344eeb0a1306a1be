package org.bastion.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import org.bastion.stats.Stats;

/**
 * Collects one read batch's replies in a pooled direct buffer and writes them with one flush. Stored values are copied
 * once, into that buffer: the socket can only write from native memory, so a wrapped heap array would be copied by
 * the transport anyway (Netty's {@code filterOutboundMessage}), into an extra buffer and an extra iovec.
 */
public final class ReplyBuffer {
    private final ChannelHandlerContext ctx;
    private final Stats stats;
    private ByteBuf current;

    public ReplyBuffer(ChannelHandlerContext ctx, Stats stats) {
        this.ctx = ctx;
        this.stats = stats;
    }

    /** The connection's context, for replies that outlive a read batch ({@code watch}). */
    public ChannelHandlerContext context() {
        return ctx;
    }

    /** The buffer to append small reply parts to. */
    public ByteBuf buf() {
        if (current == null) {
            current = ctx.alloc().ioBuffer(512);
        }
        return current;
    }

    public void write(byte[] bytes) {
        buf().writeBytes(bytes);
    }

    /** A stored value, copied once into the pooled direct buffer the socket writes from. */
    public void value(byte[] value) {
        ByteBuf buf = buf();
        // Room for the value and its CRLF in one step: at most one resize, not a chain of doublings.
        buf.ensureWritable(value.length + 2);
        buf.writeBytes(value);
    }

    /** Hands the pending bytes to the channel without flushing. */
    public void writePending() {
        if (current != null) {
            if (current.isReadable()) {
                stats.bytesWritten.add(current.readableBytes());
                ctx.write(current, ctx.voidPromise());
            } else {
                current.release();
            }
            current = null;
        }
    }

    /** Writes and flushes everything collected. */
    public void flush() {
        writePending();
        ctx.flush();
    }

    /** Drops anything not yet written (the connection is going away). */
    public void discard() {
        if (current != null) {
            current.release();
            current = null;
        }
    }
}
