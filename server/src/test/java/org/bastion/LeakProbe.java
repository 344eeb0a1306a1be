package org.bastion;

import java.util.Set;
import java.util.TreeSet;
import org.bastion.testing.WireClient;

/**
 * Run in a fresh JVM by {@link NoBackgroundThreadTest}: starts, uses and closes servers of every kind, then prints
 * one line per thread alive now that was not alive before the first start. Nothing else runs in that JVM, so any
 * line is a thread the servers left behind or made a library start.
 */
public final class LeakProbe {
    private LeakProbe() {
    }

    public static void main(String[] args) throws Exception {
        Set<String> before = Leaks.threadNames();
        for (boolean nativeTransport : new boolean[] {false, true}) {
            try (Bastion a = Bastion.builder().settings(s -> s.threads(2)).nativeTransport(nativeTransport).start();
                    Bastion b = Bastion.builder().nativeTransport(nativeTransport).start()) {
                for (Bastion server : new Bastion[] {a, b}) {
                    WireClient.set(server.port(), "k", "v".repeat(10_000));
                    WireClient.get(server.port(), "k");
                    WireClient.call(server.port(), "stats\r\n", "END\r\n");
                    server.flushAll();
                }
            }
        }
        Bastion.builder().settings(s -> s.shutdownEnabled(true)).start().close();
        Bastion stopped = Bastion.builder().settings(s -> s.shutdownEnabled(true)).start();
        WireClient.call(stopped.port(), "shutdown\r\n", "");
        stopped.awaitTermination();
        Set<String> left = new TreeSet<>(Leaks.threadNames());
        left.removeAll(before);
        for (String name : left) {
            System.out.println("left: " + name);
        }
        System.out.println("done");
    }
}
