package org.bastion.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import org.bastion.protocol.Faults;

/**
 * The end of every admitted connection's pipeline: a failure no stage handled (before the protocol is known, say, or
 * in a stage that only passes failures on) closes the connection, and a fatal error (out of memory) goes to the
 * thread's uncaught-exception handler ({@link Faults}) rather than to Netty's "reached the tail" warning, after which
 * the server would go on half-alive.
 */
@ChannelHandler.Sharable
final class LastStage extends ChannelInboundHandlerAdapter {
    static final LastStage INSTANCE = new LastStage();
    private static final System.Logger LOG = System.getLogger(LastStage.class.getName());

    private LastStage() {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!Faults.escalate(cause) && !(cause instanceof IOException)) {
            LOG.log(System.Logger.Level.WARNING, "closing " + ctx.channel().remoteAddress() + ": " + cause);
        }
        ctx.close();
    }
}
