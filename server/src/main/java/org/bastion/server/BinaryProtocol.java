package org.bastion.server;

import io.netty.channel.ChannelPipeline;

/** memcached's binary protocol on Netty's binary memcache codec. */
final class BinaryProtocol {
    private BinaryProtocol() {
    }

    /** Installs the binary protocol handlers after the named handler. */
    static void install(ChannelPipeline pipeline, String after, CommandExecutor exec, Session session) {
        // Not yet supported: a binary client is disconnected rather than misread as text.
        pipeline.channel().close();
    }
}
