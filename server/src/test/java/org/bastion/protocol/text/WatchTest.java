package org.bastion.protocol.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.bastion.config.Settings;
import org.bastion.stats.LogWatchers;
import org.bastion.stats.Watcher;
import org.bastion.testing.MemcachedProcess;
import org.bastion.testing.WireClient;
import org.bastion.testing.PolicyServers;
import org.bastion.transport.Server;
import org.junit.jupiter.api.Test;

/**
 * {@code watch}: memcached 1.6.18's line formats (timestamps, ids and connection numbers masked), read-only and
 * {@code -X} refusals, and the bound on what a watcher that does not read can make the server hold.
 */
class WatchTest {
    private static final String[][] SESSION = {
        {"set a:1 5 0 2\r\nhi\r\n", "\r\n"},
        {"get a:1\r\n", "END\r\n"},
        {"get nokey b%x\r\n", "END\r\n"},
        {"add a:1 0 0 1\r\nx\r\n", "\r\n"},
        {"touch a:1 100\r\n", "\r\n"},
        {"delete a:1\r\n", "\r\n"},
        {"delete a:1\r\n", "\r\n"},
        {"set t 0 100 3\r\nabc\r\n", "\r\n"},
    };

    /** How long the watch stream must be silent for a session's lines to be taken as complete. */
    private static final int QUIET_MS = 1000;

    private static String watchSession(int port, String watch) throws Exception {
        try (Socket w = new Socket()) {
            w.connect(new InetSocketAddress("127.0.0.1", port));
            // Generous: a loaded machine (CI) was seen to take more than 300 ms for the first reply.
            w.setSoTimeout(5000);
            w.getOutputStream().write(("watch " + watch + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String first = read(w.getInputStream(), 4);
            try (WireClient c = WireClient.connect(port)) {
                for (String[] step : SESSION) {
                    c.call(step[0], step[1]);
                }
            }
            // Every line is in once the stream has been quiet this long (a fixed 300 ms wait lost lines under load).
            w.setSoTimeout(QUIET_MS);
            String lines = first + readAll(w.getInputStream());
            return lines.replaceAll("ts=\\d+\\.\\d+ gid=\\d+", "ts=T gid=G").replaceAll("cfd=\\d+", "cfd=C")
                    .replaceAll("rport=\\d+", "rport=P");
        }
    }

    private static String read(InputStream in, int n) throws Exception {
        return new String(in.readNBytes(n), StandardCharsets.ISO_8859_1);
    }

    private static String readAll(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = new byte[65536];
        try {
            int n;
            while ((n = in.read(b)) > 0) {
                out.write(b, 0, n);
            }
        } catch (SocketTimeoutException done) {
            // nothing more
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void sameLinesAsMemcached() throws Exception {
        for (String watch : new String[] {"fetchers", "mutations", "fetchers mutations", "connevents", "bogus"}) {
            String expected;
            try (MemcachedProcess memcached = MemcachedProcess.start()) {
                // The start-up probe's connection is handed to a memcached worker thread asynchronously; let its
                // conn_new/conn_close happen before the watch starts, or connevents sees a connection too many.
                Thread.sleep(300);
                expected = watchSession(memcached.port(), watch);
            }
            Server server = Server.start(Settings.builder().port(0).threads(2).build());
            try {
                assertEquals(expected, watchSession(server.port(), watch), "watch " + watch);
            } finally {
                server.close();
            }
        }
    }

    /**
     * The connevents lines of one connection that sends {@code input} and is closed by the server, masked as
     * {@link #watchSession}'s.
     */
    private static String closedConnection(int port, String input) throws Exception {
        try (Socket w = new Socket()) {
            w.connect(new InetSocketAddress("127.0.0.1", port));
            w.setSoTimeout(5000);
            w.getOutputStream().write("watch connevents\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String first = read(w.getInputStream(), 4);
            try (WireClient c = WireClient.connect(port)) {
                c.send(input);
                assertTrue(c.closedByPeer(), "the server closes the connection");
            }
            w.setSoTimeout(QUIET_MS);
            return (first + readAll(w.getInputStream())).replaceAll("ts=\\d+\\.\\d+ gid=\\d+", "ts=T gid=G")
                    .replaceAll("cfd=\\d+", "cfd=C").replaceAll("rport=\\d+", "rport=P");
        }
    }

    @Test
    void aConnectionClosedForAProtocolErrorIsLoggedWithReasonError() throws Exception {
        // memcached's t/watcher.t sends the HTTP line; a line too long without a newline is the same kind of close.
        for (String input : new String[] {"GET / HTTP/1.1\r\n", "x".repeat(3000)}) {
            String expected;
            try (MemcachedProcess memcached = MemcachedProcess.start()) {
                Thread.sleep(300); // the start-up probe's conn_close first (see sameLinesAsMemcached)
                expected = closedConnection(memcached.port(), input);
            }
            assertTrue(expected.contains(" reason=error "), expected);
            Server server = Server.start(Settings.builder().port(0).threads(2).build());
            try {
                assertEquals(expected, closedConnection(server.port(), input), input.substring(0, 10));
            } finally {
                server.close();
            }
        }
    }

    @Test
    void aConnectionClosedByTheIdleTimeoutIsLoggedWithReasonIdleTimeout() throws Exception {
        String expected;
        try (MemcachedProcess memcached = MemcachedProcess.start("-o", "idle_timeout=1")) {
            Thread.sleep(300); // the start-up probe's conn_close first (see sameLinesAsMemcached)
            expected = closedConnection(memcached.port(), "version\r\n");
        }
        assertTrue(expected.contains(" reason=idle_timeout "), expected);
        Server server = Server.start(Settings.builder().port(0).threads(2).idleTimeoutSeconds(1).build());
        try {
            assertEquals(expected, closedConnection(server.port(), "version\r\n"));
        } finally {
            server.close();
        }
    }

    @Test
    void theConnectionThatAsksForShutdownIsLoggedWithReasonShutdown() throws Exception {
        Server server = Server.start(Settings.builder().port(0).threads(2).shutdownEnabled(true).build());
        try (Socket w = new Socket()) {
            w.connect(new InetSocketAddress("127.0.0.1", server.port()));
            w.setSoTimeout(5000);
            w.getOutputStream().write("watch connevents\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String first = read(w.getInputStream(), 4);
            try (WireClient c = WireClient.connect(server.port())) {
                c.send("shutdown\r\n");
                assertTrue(c.closedByPeer(), "the server closes the connection");
            }
            w.setSoTimeout(QUIET_MS);
            String lines = first + readAll(w.getInputStream());
            assertTrue(lines.matches(
                    "(?s).*type=conn_close rip=127\\.0\\.0\\.1 rport=\\d+ transport=tcp reason=shutdown .*"), lines);
        } finally {
            server.close();
        }
    }

    /**
     * {@code log_watchers} with one watcher, with two, then once both have closed. Each is asked until it is the
     * expected figure, bounded: memcached's logger thread counts a watcher a moment after its {@code OK}.
     */
    private static java.util.List<String> watcherCounts(int port) throws Exception {
        java.util.List<String> counts = new java.util.ArrayList<>();
        try (WireClient stats = WireClient.connect(port)) {
            try (WireClient first = WireClient.connect(port); WireClient second = WireClient.connect(port)) {
                assertEquals("OK", first.call("watch fetchers\r\n"));
                counts.add(watchers(stats, "1"));
                assertEquals("OK", second.call("watch fetchers\r\n"));
                counts.add(watchers(stats, "2"));
            }
            counts.add(watchers(stats, "0"));
        }
        return counts;
    }

    /** {@code log_watchers} once it reads {@code wanted}, or as it last read after a second. */
    private static String watchers(WireClient stats, String wanted) throws Exception {
        String now = stats.stats("").get("log_watchers");
        for (int i = 0; i < 50 && !now.equals(wanted); i++) {
            Thread.sleep(20);
            now = stats.stats("").get("log_watchers");
        }
        return now;
    }

    @Test
    void logWatchersCountsTheAttachedWatchersAsMemcached() throws Exception {
        java.util.List<String> expected;
        try (MemcachedProcess memcached = MemcachedProcess.start()) {
            expected = watcherCounts(memcached.port());
        }
        assertEquals(java.util.List.of("1", "2", "0"), expected, "memcached's t/watcher.t");
        Server server = Server.start(Settings.builder().port(0).threads(2).build());
        try {
            assertEquals(expected, watcherCounts(server.port()));
        } finally {
            server.close();
        }
    }

    /** What the watch after {@link LogWatchers#LIMIT} open watchers is answered, and after one of them closed. */
    private static String[] watchPastTheLimit(int port) throws Exception {
        java.util.List<WireClient> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < LogWatchers.LIMIT; i++) {
                WireClient w = WireClient.connect(port);
                open.add(w);
                assertEquals("OK", w.call("watch mutations\r\n"), "watcher " + i);
            }
            String refused;
            try (WireClient extra = WireClient.connect(port)) {
                refused = extra.call("watch mutations\r\n");
            }
            open.remove(0).close();
            // The watcher is let go when its connection is seen closed: ask until it is (bounded).
            String again = "";
            for (int i = 0; i < 50 && !again.equals("OK"); i++) {
                Thread.sleep(20);
                try (WireClient extra = WireClient.connect(port)) {
                    again = extra.call("watch mutations\r\n");
                }
            }
            return new String[] {refused, again};
        } finally {
            for (WireClient w : open) {
                w.close();
            }
        }
    }

    @Test
    void atMostTwentyWatchersAsMemcached() throws Exception {
        String[] expected;
        try (MemcachedProcess memcached = MemcachedProcess.start()) {
            expected = watchPastTheLimit(memcached.port());
        }
        assertEquals("WATCHER_TOO_MANY log watcher limit reached", expected[0], "memcached 1.6.18's reply");
        Server server = Server.start(Settings.builder().port(0).threads(2).build());
        try {
            String[] got = watchPastTheLimit(server.port());
            assertEquals(expected[0], got[0]);
            assertEquals(expected[1], got[1], "a closed watcher's place is free again");
            assertEquals("OK", got[1]);
        } finally {
            server.close();
        }
    }

    @Test
    void keyStreamsAreRefusedToReadOnlySourcesAndAllIsOffUnderX() throws Exception {
        Server server = Server.start(PolicyServers.settings().readOnlyFrom("127.0.0.2/32").build());
        try {
            for (String watch : new String[] {"", " fetchers", " mutations", " evictions", " connevents fetchers"}) {
                try (WireClient reader = WireClient.connect(server.port(), WireClient.OTHER_SOURCE)) {
                    assertEquals("CLIENT_ERROR access denied", reader.call("watch" + watch + "\r\n"), watch);
                }
            }
            try (WireClient reader = WireClient.connect(server.port(), WireClient.OTHER_SOURCE)) {
                assertEquals("OK", reader.call("watch connevents\r\n"));
            }
        } finally {
            server.close();
        }
        server = Server.start(PolicyServers.settings().dumpingDisabled(true).build());
        try {
            for (String watch : new String[] {"", " connevents", " mutations"}) {
                try (WireClient c = WireClient.connect(server.port())) {
                    assertEquals("CLIENT_ERROR watch not allowed", c.call("watch" + watch + "\r\n"), watch);
                }
            }
        } finally {
            server.close();
        }
    }

    @Test
    void aFullQueueDropsAndCountsLines() {
        LogWatchers hub = new LogWatchers();
        assertTrue(!hub.wants(LogWatchers.FETCHERS));
        Watcher w = hub.attach(LogWatchers.FETCHERS, 1000);
        org.bastion.store.Key key = org.bastion.store.Key.of("k".getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < 100; i++) {
            hub.itemGet(key, null, 1);
        }
        assertTrue(w.queuedBytes() <= 1000);
        long kept = 0;
        String line = w.poll();
        assertTrue(line.startsWith("skipped="), line);
        long skipped = Long.parseLong(line.substring(8).trim());
        while ((line = w.poll()) != null) {
            kept++;
        }
        assertEquals(100, kept + skipped);
        assertEquals(skipped, w.dropped());
        hub.detach(w);
        assertTrue(!hub.wants(LogWatchers.FETCHERS));
    }

    @Test
    void aWatcherThatDoesNotReadGetsSkippedLinesNotServerMemory() throws Exception {
        Server server = Server.start(Settings.builder().port(0).threads(2).build());
        try (Socket w = new Socket()) {
            w.setReceiveBufferSize(4096);
            w.connect(new InetSocketAddress("127.0.0.1", server.port()));
            w.getOutputStream().write("watch fetchers\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals("OK\r\n", read(w.getInputStream(), 4));
            StringBuilder batch = new StringBuilder("get");
            for (int i = 0; i < 100; i++) {
                batch.append(" some:key:").append(i);
            }
            batch.append("\r\n");
            try (WireClient c = WireClient.connect(server.port())) {
                for (int i = 0; i < 1000; i++) { // 100,000 lines, ~9 MB: far over the 256 KB queue
                    c.call(batch.toString(), "END\r\n");
                }
            }
            w.setSoTimeout(1000);
            String got = readAll(w.getInputStream());
            // What arrives is the 256 KB queue plus what the kernel's socket buffers held, not the 9 MB of lines.
            assertTrue(got.length() < 5 * 1024 * 1024, "received " + got.length() + " bytes");
            assertTrue(got.contains("\nskipped="), "no skipped=N line");
        } finally {
            server.close();
        }
    }
}
