package org.bastion.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.function.BiConsumer;
import org.bastion.config.Protocol;

/**
 * memcached's {@code -B auto}: the first byte of a connection decides its protocol (0x80 is a binary request, anything
 * else text and meta); the {@link Pipeline} installs that protocol's stages after this one, which then removes itself.
 * Under {@code -B binary} a first byte that is not 0x80 closes the connection at once; {@code -B ascii} reads any
 * bytes as text lines, as memcached does.
 */
final class ProtocolDetector extends ByteToMessageDecoder {
    static final int BINARY_REQUEST_MAGIC = 0x80;

    private final Protocol protocol;
    /** Installs the protocol's stages after this handler (given its context); true for binary. */
    private final BiConsumer<ChannelHandlerContext, Boolean> install;

    ProtocolDetector(Protocol protocol, BiConsumer<ChannelHandlerContext, Boolean> install) {
        this.protocol = protocol;
        this.install = install;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        if (protocol == Protocol.BINARY && in.getUnsignedByte(in.readerIndex()) != BINARY_REQUEST_MAGIC) {
            // Pinned to binary and this is not a binary request: nothing this connection sends can be answered.
            // memcached closes once it has a 24-byte header with the wrong magic; the first byte already says so.
            in.skipBytes(in.readableBytes());
            ctx.close();
            return;
        }
        boolean binary = switch (protocol) {
            case BINARY -> true;
            case ASCII -> false;
            case AUTO -> in.getUnsignedByte(in.readerIndex()) == BINARY_REQUEST_MAGIC;
        };
        install.accept(ctx, binary);
        // Removing this decoder hands the bytes it holds to the handler just installed.
        ctx.pipeline().remove(this);
    }
}
