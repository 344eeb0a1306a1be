package org.bastion.server;

import io.netty.buffer.ByteBuf;

/** memcached's meta commands ({@code mg ms md ma mn me}), on the same connection as the text protocol. */
final class MetaCommands {
    private static final byte[] MN = Replies.ascii("MN\r\n");

    private final CommandExecutor exec;
    private final Session session;

    MetaCommands(CommandExecutor exec, Session session) {
        this.exec = exec;
        this.session = session;
    }

    /** An {@code ms} waiting for its data block. */
    record PendingSet(int length) {
    }

    /**
     * Runs a meta command line (its first token is two bytes starting with 'm').
     *
     * @return the pending {@code ms} whose data block must be read next, or null
     */
    PendingSet process(byte[] line, int[] starts, int[] ends, int ntok, ReplyBuffer reply) {
        if (line[starts[0] + 1] == 'n') {
            reply.write(MN);
        } else {
            reply.write(Replies.ERROR);
        }
        return null;
    }

    /** Consumes {@code length + 2} bytes of an {@code ms} data block and answers it. */
    void completeSet(PendingSet set, ByteBuf in, ReplyBuffer reply) {
        in.skipBytes(set.length() + 2);
        reply.write(Replies.ERROR);
    }
}
