package org.bastion.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.bastion.Bastion;

/**
 * Memory and threads of one idle embedded server: heap used (after full GCs) and live threads before a server
 * starts, once it is bound and idle, and after one client has stored and read an item over one connection (which
 * starts the worker loop and Netty's buffer pools). The first server in the JVM also pays for loading classes; the
 * figures are for a second server, started after a first one was started and closed. Last, 300 more servers are
 * started, used by one client and closed, to show that closed servers leave neither heap nor threads behind.
 *
 * <p>Run after {@code mvn -B -q package -DskipTests}:
 * <pre>
 * java -cp bench/target/benchmarks.jar org.bastion.bench.EmbeddedFootprint
 * </pre>
 */
public final class EmbeddedFootprint {
    private EmbeddedFootprint() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Bastion.builder().start().close(); // load the classes once
        long heap0 = usedHeapAfterGc();
        int threads0 = Thread.activeCount();
        try (Bastion server = Bastion.builder().start()) {
            long heapIdle = usedHeapAfterGc();
            int threadsIdle = Thread.activeCount();
            oneClient(server.port());
            long heapUsed = usedHeapAfterGc();
            int threadsUsed = Thread.activeCount();
            System.out.printf("one embedded server (threads=%d, -m %d MB), %s %s%n", server.settings().threads(),
                    server.settings().memoryLimitBytes() >> 20, System.getProperty("java.vm.name"),
                    System.getProperty("java.version"));
            System.out.printf("  idle, no connection yet:   heap +%5.1f KB, threads +%d%n",
                    (heapIdle - heap0) / 1024.0, threadsIdle - threads0);
            System.out.printf("  after one client session:  heap +%5.1f KB, threads +%d%n",
                    (heapUsed - heap0) / 1024.0, threadsUsed - threads0);
        }
        System.out.printf("  after close():             heap +%5.1f KB, threads +%d%n",
                (usedHeapAfterGc() - heap0) / 1024.0, Thread.activeCount() - threads0);
        // What stays after the first session is shared and one-off (Netty's buffer pool); servers add nothing more.
        long heap1 = usedHeapAfterGc();
        for (int i = 0; i < 300; i++) {
            try (Bastion server = Bastion.builder().start()) {
                oneClient(server.port());
            }
        }
        System.out.printf("  300 more servers, each used and closed: heap %+5.1f KB, threads %+d%n",
                (usedHeapAfterGc() - heap1) / 1024.0, Thread.activeCount() - threads0);
    }

    private static void oneClient(int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = s.getOutputStream();
            out.write("set k 0 0 5\r\nhello\r\nget k\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder reply = new StringBuilder();
            while (!reply.toString().endsWith("END\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                reply.append((char) b);
            }
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        // Several rounds: a single System.gc() can leave garbage that a finaliser or cleaner frees a moment later.
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
