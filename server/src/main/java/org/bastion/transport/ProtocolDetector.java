package org.bastion.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.bastion.config.Protocol;
import org.bastion.command.CommandExecutor;
import org.bastion.policy.Session;
import org.bastion.protocol.binary.BinaryProtocol;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.stats.ConnectionRegistry;

/**
 * memcached's {@code -B auto}: the first byte of a connection decides its protocol (0x80 is a binary request, anything
 * else text and meta), then this handler replaces itself with that protocol's handlers.
 */
public final class ProtocolDetector extends ByteToMessageDecoder {
    static final int BINARY_REQUEST_MAGIC = 0x80;

    private final CommandExecutor exec;
    private final Session session;
    private final Protocol protocol;

    ProtocolDetector(CommandExecutor exec, Session session, Protocol protocol) {
        this.exec = exec;
        this.session = session;
        this.protocol = protocol;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // Registered for `stats conns` while the connection is open, whatever protocol it turns out to speak.
        ConnectionRegistry registry = exec.stats.connections;
        long id = registry.add(session);
        ctx.channel().closeFuture().addListener(f -> registry.remove(id));
        io.micrometer.core.instrument.Timer latency = exec.stats.batchLatency;
        if (latency != null) {
            ctx.pipeline().addBefore(ctx.name(), "latency", new BatchLatencyHandler(latency));
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        boolean binary = switch (protocol) {
            case BINARY -> true;
            case ASCII -> false;
            case AUTO -> in.getUnsignedByte(in.readerIndex()) == BINARY_REQUEST_MAGIC;
        };
        if (binary) {
            BinaryProtocol.install(ctx.pipeline(), ctx.name(), exec, session);
        } else {
            ctx.pipeline().addAfter(ctx.name(), "text", new TextProtocolHandler(exec, session));
        }
        // Removing this decoder hands the bytes it holds to the handler just installed.
        ctx.pipeline().remove(this);
    }
}
