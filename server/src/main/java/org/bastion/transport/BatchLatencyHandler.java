package org.bastion.transport;

import org.bastion.stats.Stats;

import io.micrometer.core.instrument.Timer;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;

/**
 * Samples the server-side latency of read batches: from the first bytes of a batch arriving to its replies being
 * flushed (the protocol handler behind this one flushes on {@code channelReadComplete}). A client that waits for each
 * reply sends one command per batch, so for it this is command latency; a pipelining client's batch is timed whole.
 *
 * <p>Only the first batch of a connection and then one in {@link Stats#LATENCY_SAMPLE_EVERY} are timed. Timing every batch would
 * cost two clock reads and a percentile-histogram update, about 450 ns on the build machine (measured by
 * {@code MetricsGetSetBenchmark}), more than a whole {@code get} miss; a sample keeps the percentiles representative
 * at a cost per batch of one decrement and one branch. The timer's count and sum are therefore those of the sample.
 */
public final class BatchLatencyHandler extends ChannelInboundHandlerAdapter {
    /** One batch in this many is timed, per connection. */

    private final Timer timer;
    private boolean inBatch;
    private int untilSample = 1;
    private long sampleStart;

    public BatchLatencyHandler(Timer timer) {
        this.timer = timer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!inBatch) {
            inBatch = true;
            if (--untilSample == 0) {
                untilSample = Stats.LATENCY_SAMPLE_EVERY;
                sampleStart = System.nanoTime();
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.fireChannelReadComplete();
        inBatch = false;
        long start = sampleStart;
        if (start != 0) {
            sampleStart = 0;
            timer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }
}
