package org.bastion.protocol.binary;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.memcache.binary.BinaryMemcacheObjectAggregator;
import io.netty.handler.codec.memcache.binary.BinaryMemcacheServerCodec;
import org.bastion.command.CommandExecutor;
import org.bastion.policy.Session;

/** memcached's binary protocol on Netty's binary memcache codec. */
public final class BinaryProtocol {
    private BinaryProtocol() {
    }

    /**
     * Installs the binary protocol handlers after the named handler, in this order: {@link BinaryBytesIn} counts raw
     * bytes; Netty's codec frames requests (header, extras and key whole, the value in chunks) and encodes responses;
     * {@link BinaryValueLimit} answers values over {@code -I} without buffering them; Netty's aggregator joins the
     * value chunks (its bound counts value bytes only, key and extras travel in the request itself, so {@code -I} is
     * the exact bound); then {@link BinaryCommandHandler} executes.
     */
    public static void install(ChannelPipeline pipeline, String after, CommandExecutor exec, Session session) {
        int maxValue = exec.settings.maxItemSize();
        BinaryCommandHandler handler = new BinaryCommandHandler(exec, session);
        pipeline.addAfter(after, "binary-bytes-in", new BinaryBytesIn(handler));
        pipeline.addAfter("binary-bytes-in", "binary-codec", new BinaryMemcacheServerCodec());
        pipeline.addAfter("binary-codec", "binary-value-limit", new BinaryValueLimit(maxValue));
        pipeline.addAfter("binary-value-limit", "binary-aggregator", new BinaryMemcacheObjectAggregator(maxValue));
        pipeline.addAfter("binary-aggregator", "binary", handler);
    }
}
