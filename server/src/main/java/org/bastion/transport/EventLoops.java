package org.bastion.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.netty.util.concurrent.DefaultPromise;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of event loops handed out round-robin, like Netty's {@code MultiThreadIoEventLoopGroup} but without
 * its termination listeners: Netty notifies those on its JVM-wide {@code GlobalEventExecutor}, whose thread would be
 * started by every server stop and outlive it. Here termination is only ever awaited, never listened to.
 */
public final class EventLoops extends AbstractEventExecutorGroup implements IoEventLoopGroup {
    private final List<IoEventLoop> loops;
    private final AtomicInteger next = new AtomicInteger();
    private final Promise<Void> terminated = new DefaultPromise<>(ImmediateEventExecutor.INSTANCE);

    EventLoops(int count, ThreadFactory threads, IoHandlerFactory io) {
        IoEventLoop[] created = new IoEventLoop[count];
        for (int i = 0; i < count; i++) {
            created[i] = new SingleThreadIoEventLoop(this, threads, io);
        }
        this.loops = List.of(created);
    }

    @Override
    public IoEventLoop next() {
        return loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Iterator<EventExecutor> iterator() {
        return (Iterator<EventExecutor>) (Iterator<?>) loops.iterator();
    }

    @Override
    @Deprecated
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
        return next().register(promise);
    }

    /**
     * Waits (bounded) until every loop has run the tasks queued on it so far, such as registering a connection the
     * accept loop handed over: tasks run in order, so an empty task run after them says they are done.
     */
    void runQueuedTasks(long timeout, TimeUnit unit) {
        List<Future<?>> marks = new java.util.ArrayList<>();
        for (IoEventLoop loop : loops) {
            marks.add(loop.submit(() -> { }));
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Future<?> mark : marks) {
            mark.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    /** Starts a graceful shutdown of every loop; {@link #awaitStopped} waits for it. */
    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
        for (IoEventLoop loop : loops) {
            loop.shutdownGracefully(quietPeriod, timeout, unit);
        }
        return terminated;
    }

    /** Waits (without listeners) until every loop has terminated; true when all did within the timeout. */
    boolean awaitStopped(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (IoEventLoop loop : loops) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !loop.terminationFuture().awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
        terminated.trySuccess(null);
        return true;
    }

    @Override
    public Future<?> terminationFuture() {
        return terminated;
    }

    @Override
    public boolean isShuttingDown() {
        return loops.stream().allMatch(EventExecutor::isShuttingDown);
    }

    @Override
    public boolean isShutdown() {
        return loops.stream().allMatch(EventExecutor::isShutdown);
    }

    @Override
    public boolean isTerminated() {
        return loops.stream().allMatch(EventExecutor::isTerminated);
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return awaitStopped(timeout, unit);
    }

    @Override
    @Deprecated
    public void shutdown() {
        shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
}
