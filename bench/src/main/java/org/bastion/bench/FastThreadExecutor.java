package org.bastion.bench;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * JMH's worker threads as Netty's {@code FastThreadLocalThread}s, the kind of thread the server's event loops are:
 * Netty 4.2 recycles buffers and write entries only on such threads, so on plain threads a benchmark would count
 * allocations the server never makes. Selected with {@code -Djmh.executor=CUSTOM
 * -Djmh.executor.class=org.bastion.bench.FastThreadExecutor}.
 */
public final class FastThreadExecutor extends ThreadPoolExecutor {
    public FastThreadExecutor(int maxThreads, String prefix) {
        super(maxThreads, maxThreads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory(prefix, true));
    }
}
