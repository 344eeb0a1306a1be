package org.bastion.protocol.text;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.bastion.command.Outcome;
import org.bastion.stats.LogWatchers;
import org.bastion.stats.Watcher;

/**
 * A connection in {@code watch} mode: parses memcached's stream names, and sends the watcher's lines on the
 * connection's event loop. Lines wait in the watcher's bounded queue, never in Netty's outbound buffer beyond one
 * chunk: while the socket is not writable the sender backs off and the queue fills and drops (counted, and reported
 * to the watcher as memcached's {@code skipped=N}).
 */
final class WatchStream implements Runnable {
    /** Most bytes handed to the socket per turn of the event loop. */
    private static final int CHUNK = 64 * 1024;

    private final ChannelHandlerContext ctx;
    private final Watcher watcher;
    private final java.util.List<String> lines = new java.util.ArrayList<>();

    private WatchStream(ChannelHandlerContext ctx, Watcher watcher) {
        this.ctx = ctx;
        this.watcher = watcher;
    }

    /**
     * The stream bits of {@code watch}'s arguments (fetchers alone when none), 0 for none that streams anything
     * Bastion has, or -1 for a name memcached 1.6.18 does not know (it answers {@code ERROR}).
     */
    static int flags(String[] names) {
        if (names.length == 0) {
            return LogWatchers.FETCHERS;
        }
        int flags = 0;
        for (String name : names) {
            switch (name) {
                case "fetchers" -> flags |= LogWatchers.FETCHERS;
                case "mutations" -> flags |= LogWatchers.MUTATIONS;
                case "evictions" -> flags |= LogWatchers.EVICTIONS;
                case "connevents" -> flags |= LogWatchers.CONNEVENTS;
                // memcached's streams of machinery Bastion does not have: accepted, and silent
                case "rawcmds", "sysevents", "proxyreqs", "proxyevents", "proxyuser" -> { }
                default -> {
                    return -1;
                }
            }
        }
        return flags;
    }

    /** Starts streaming: the connection keeps the watcher until it closes. */
    static void start(ChannelHandlerContext ctx, Outcome.Watching watching) {
        Channel channel = ctx.channel();
        WatchStream stream = new WatchStream(ctx, watching.watcher());
        channel.closeFuture().addListener(f -> watching.detach().run());
        watching.watcher().onLines(() -> channel.eventLoop().execute(stream));
        channel.eventLoop().execute(stream);
    }

    @Override
    public void run() {
        Channel channel = ctx.channel();
        if (!channel.isActive()) {
            return;
        }
        if (!channel.isWritable()) {
            channel.eventLoop().schedule(this, 20, TimeUnit.MILLISECONDS);
            return;
        }
        // Lines first, then one buffer of exactly their size: a buffer grown by doubling would hold up to twice that.
        lines.clear();
        int bytes = 0;
        String line;
        while (bytes < CHUNK && (line = watcher.poll()) != null) {
            lines.add(line);
            bytes += line.length();
        }
        if (bytes > 0) {
            ByteBuf buf = ctx.alloc().buffer(bytes, bytes);
            for (String l : lines) {
                buf.writeCharSequence(l, StandardCharsets.ISO_8859_1);
            }
            lines.clear();
            ctx.writeAndFlush(buf, ctx.voidPromise());
            if (watcher.queuedBytes() > 0) {
                channel.eventLoop().execute(this);
            }
        }
    }
}
