package org.bastion.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import org.bastion.stats.Stats;

/**
 * Collects a connection's replies and hands them to the channel; the translator flushes once per read batch (or when it
 * pauses). Small reply parts go into a pooled direct buffer of at most about {@link #CHUNK} bytes, after which a new
 * one is started, so no buffer is ever regrown and re-copied with everything already in it (the cause of multi-get
 * replies taking time quadratic in their size). A value of {@link #LARGE_VALUE} bytes or more is copied once into a
 * pooled direct buffer of exactly its size and handed over on its own. (Wrapping the stored array instead would not
 * save that copy: the socket writes only from native memory, so the transport copies a heap buffer into a direct one
 * in {@code filterOutboundMessage}; and the wrapper would be a new object per value, where pooled buffers are
 * recycled, so the get path stays allocation-free.)
 *
 * <p>Every buffer handed over counts against the channel's write-buffer water marks, so {@link #mustPause()} tells the
 * translator when the connection's client is not taking its replies: it then stops producing and reading until the
 * channel is writable again, as memcached stops reading a connection whose replies are not being taken.
 */
public final class ReplyBuffer {
    /** The most small-part bytes collected in one buffer before it is handed to the channel. */
    public static final int CHUNK = 64 * 1024;
    /** Values from this size on are written as their own buffer rather than copied into the collecting one. */
    public static final int LARGE_VALUE = 8 * 1024;

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

    /** The buffer to append small reply parts to (a fresh one once the current holds {@link #CHUNK} bytes). */
    public ByteBuf buf() {
        if (current != null && current.readableBytes() >= CHUNK) {
            writePending();
        }
        if (current == null) {
            current = ctx.alloc().ioBuffer(512);
        }
        return current;
    }

    public void write(byte[] bytes) {
        buf().writeBytes(bytes);
    }

    /** A stored value: copied into the collecting buffer if small, else handed over as a buffer of its own. */
    public void value(byte[] value) {
        if (value.length < LARGE_VALUE) {
            buf().writeBytes(value);
            return;
        }
        writePending();
        ByteBuf own = ctx.alloc().ioBuffer(value.length, value.length);
        own.writeBytes(value);
        stats.bytesWritten.add(value.length);
        ctx.write(own, ctx.voidPromise());
    }

    /** Whether the client is behind on taking replies (the channel is past its high water mark). */
    public boolean mustPause() {
        return !ctx.channel().isWritable();
    }

    /** Hands the pending bytes to the channel without flushing. */
    public void writePending() {
        if (current != null) {
            ByteBuf pending = current;
            current = null;
            if (pending.isReadable()) {
                stats.bytesWritten.add(pending.readableBytes());
                ctx.write(pending, ctx.voidPromise());
            } else {
                pending.release();
            }
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
