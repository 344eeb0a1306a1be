package org.bastion;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** What a stopped server may have left behind: live threads, and a port nobody else can bind. */
public final class Leaks {
    private Leaks() {
    }

    /** Names of the live threads. */
    public static Set<String> threadNames() {
        Set<String> names = new TreeSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive()) {
                names.add(t.getName());
            }
        }
        return names;
    }

    /**
     * Live threads whose names start with the prefix, such as one server's {@code bastion-3-}. (JVM-wide library
     * threads are checked in a fresh JVM by {@code NoBackgroundThreadTest}, where no other test can start them.)
     */
    public static List<String> threadsLeft(String prefix) {
        List<String> left = new ArrayList<>();
        for (String name : threadNames()) {
            if (name.startsWith(prefix)) {
                left.add(name);
            }
        }
        return left;
    }

    /** Live threads with names starting with the prefix that were not alive {@code before}. */
    public static List<String> newThreads(String prefix, Set<String> before) {
        List<String> fresh = threadsLeft(prefix);
        fresh.removeAll(before);
        return fresh;
    }

    /** Whether a new listening socket can bind the loopback port right now. */
    public static boolean canBind(int port) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (java.net.BindException e) {
            return false;
        }
    }
}
