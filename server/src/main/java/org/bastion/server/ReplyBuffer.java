package org.bastion.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;

/**
 * Collects one read batch's replies in a pooled buffer and writes them with one flush. Large values go out as
 * wrapped arrays, so stored bytes are never copied.
 */
final class ReplyBuffer {
    /** Values at least this long are written without copying. */
    static final int ZERO_COPY_THRESHOLD = 1024;

    private final ChannelHandlerContext ctx;
    private final Stats stats;
    private ByteBuf current;

    ReplyBuffer(ChannelHandlerContext ctx, Stats stats) {
        this.ctx = ctx;
        this.stats = stats;
    }

    /** The buffer to append small reply parts to. */
    ByteBuf buf() {
        if (current == null) {
            current = ctx.alloc().ioBuffer(512);
        }
        return current;
    }

    void write(byte[] bytes) {
        buf().writeBytes(bytes);
    }

    /** A stored value: copied when small, wrapped when large. */
    void value(byte[] value) {
        if (value.length >= ZERO_COPY_THRESHOLD) {
            writePending();
            stats.bytesWritten.add(value.length);
            ctx.write(Unpooled.wrappedBuffer(value), ctx.voidPromise());
        } else {
            buf().writeBytes(value);
        }
    }

    /** Hands the pending bytes to the channel without flushing. */
    void writePending() {
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
    void flush() {
        writePending();
        ctx.flush();
    }

    /** Drops anything not yet written (the connection is going away). */
    void discard() {
        if (current != null) {
            current.release();
            current = null;
        }
    }
}
