package org.bastion.protocol.binary;

import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.memcache.binary.BinaryMemcacheObjectAggregator;
import io.netty.handler.codec.memcache.binary.BinaryMemcacheServerCodec;
import org.bastion.command.Executor;
import org.bastion.config.Settings;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.protocol.InputBudget;
import org.bastion.protocol.Turn;
import org.bastion.stats.Stats;

/** memcached's binary protocol on Netty's binary memcache codec: the stages one connection needs. */
public final class BinaryProtocol {
    private BinaryProtocol() {
    }

    /**
     * One connection's binary stages, in pipeline order: {@link BinaryBytesIn} counts raw bytes; Netty's codec frames
     * requests (header, extras and key whole, the value in chunks) and encodes responses; {@link BinaryValueLimit}
     * answers values over {@code -I} without buffering them and counts a value being received against the input
     * budget; Netty's aggregator joins the value chunks (its bound
     * counts value bytes only, key and extras travel in the request itself, so {@code -I} is the exact bound);
     * {@link RequestQueue} holds whole requests while the client is not taking its replies, or while the connection
     * yields its turn after {@code -R} requests; then
     * {@link BinaryCommandHandler} translates requests into commands.
     */
    public record Stages(ChannelHandler bytesIn, ChannelHandler codec, ChannelHandler valueLimit,
            ChannelHandler aggregator, ChannelHandler queue, ChannelHandler handler) {
        /** Every stage, in pipeline order. */
        public ChannelHandler[] all() {
            return new ChannelHandler[] {bytesIn, codec, valueLimit, aggregator, queue, handler};
        }
    }

    public static Stages stages(Executor exec, Stats stats, Session session, int maxValue) {
        return stages(exec, stats, session, maxValue, InputBudget.unlimited(), new SecurityLog(),
                new Turn(Settings.DEFAULT_REQS_PER_EVENT, stats.connYields));
    }

    /**
     * As the server builds them: partial values and requests waiting for a slow reader count against the server-wide
     * {@code inputBudget}; {@code turn} is {@code -R}.
     */
    public static Stages stages(Executor exec, Stats stats, Session session, int maxValue, InputBudget inputBudget,
            SecurityLog securityLog, Turn turn) {
        BinaryCommandHandler handler = new BinaryCommandHandler(exec, stats, session);
        RequestQueue queue = new RequestQueue(handler, turn, inputBudget, securityLog, session);
        handler.queue(queue);
        return new Stages(new BinaryBytesIn(handler), new BinaryMemcacheServerCodec(),
                new BinaryValueLimit(maxValue, inputBudget, securityLog, session),
                new BinaryMemcacheObjectAggregator(maxValue), queue, handler);
    }
}
