package org.bastion.transport;

import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Creates and remembers every thread of one server, named {@code bastion-<id>-<role>-<n>}, so that closing the
 * server can wait until each of them has really ended (Netty's termination future completes a moment before its
 * thread exits). Threads are daemons: an embedded server someone forgot to close does not keep the JVM alive.
 */
public final class ServerThreads {
    private static final AtomicInteger IDS = new AtomicInteger();

    private final String prefix;
    private final List<Thread> started = new ArrayList<>();

    ServerThreads() {
        this.prefix = "bastion-" + IDS.incrementAndGet() + "-";
    }

    /** The prefix every thread name of this server starts with, for example {@code bastion-3-}. */
    String prefix() {
        return prefix;
    }

    /** A factory for one role (accept, worker, ...); its threads are numbered from 1. */
    ThreadFactory factory(String role) {
        AtomicInteger next = new AtomicInteger();
        return task -> newThread(task, prefix + role + "-" + next.incrementAndGet());
    }

    /** An unstarted thread with this server's name prefix that {@link #join} will wait for. */
    Thread newThread(Runnable task, String name) {
        // FastThreadLocalThread cleans up Netty's thread-locals (buffer caches) when the task returns.
        Thread t = new FastThreadLocalThread(task, name);
        t.setDaemon(true);
        synchronized (started) {
            started.add(t);
        }
        return t;
    }

    /**
     * Waits up to the timeout for every thread made here to end, except the calling thread itself.
     *
     * @return whether all of them ended
     */
    boolean join(long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<Thread> threads;
        synchronized (started) {
            threads = new ArrayList<>(started);
        }
        boolean interrupted = false;
        try {
            for (Thread t : threads) {
                if (t == Thread.currentThread()) {
                    continue;
                }
                while (t.isAlive()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    try {
                        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
