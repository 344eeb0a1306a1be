package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import org.bastion.config.Protocol;
import org.bastion.config.Settings;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The embedded API: defaults, isolation between servers, and a close() that leaves nothing behind. */
class BastionTest {

    @Test
    void embeddedDefaultsAreHardenedWithAnEphemeralPortAndOneWorker() {
        try (Bastion server = Bastion.builder().start()) {
            Settings s = server.settings();
            assertEquals(List.of("127.0.0.1"), s.listen());
            assertTrue(s.allow().isEmpty(), "no allow rule: loopback sources only");
            assertEquals(Bastion.DEFAULT_THREADS, s.threads());
            assertEquals(Protocol.AUTO, s.protocol());
            assertNotEquals(Settings.DEFAULT_PORT, server.port());
            assertTrue(server.port() > 0);
            assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), server.address());
            assertEquals("127.0.0.1:" + server.port(), server.hostAndPort());
            assertTrue(server.threadNamePrefix().matches("bastion-\\d+-"), server.threadNamePrefix());
            assertFalse(server.usesNativeTransport(), "NIO unless asked: epoll's native library slows a first start");
        }
    }

    @Test
    void builderSettersReachTheRunningServer() {
        try (Bastion server = Bastion.builder().settings(s -> s.memoryLimitMegabytes(16).maxItemSize("512k").maxConnections(7).maxConnectionsPerSource(3).threads(2).allow("10.0.0.0/8").readOnlyFrom("192.168.0.0/16").protocol("ascii").idleTimeoutSeconds(60).requestTimeoutSeconds(5).flushAllDisabled(true).shutdownEnabled(true).dumpingDisabled(true).evictionsDisabled(true)).start()) {
            Settings s = server.settings();
            assertEquals(16L << 20, s.memoryLimitBytes());
            assertEquals(512 * 1024, s.maxItemSize());
            assertEquals(7, s.maxConnections());
            assertEquals(3, s.maxConnectionsPerSource());
            assertEquals(2, s.threads());
            assertEquals("10.0.0.0/8", s.allow().get(0).toString());
            assertEquals("192.168.0.0/16", s.readOnlyFrom().get(0).toString());
            assertEquals(Protocol.ASCII, s.protocol());
            assertEquals(60, s.idleTimeoutSeconds());
            assertEquals(5, s.requestTimeoutSeconds());
            assertTrue(s.flushAllDisabled());
            assertTrue(s.shutdownEnabled());
            assertTrue(s.dumpingDisabled());
            assertTrue(s.evictionsDisabled());
        }
    }

    @Test
    void oneBuilderStartsIndependentServers() throws IOException {
        Bastion.Builder builder = Bastion.builder();
        try (Bastion a = builder.start(); Bastion b = builder.start()) {
            assertNotEquals(a.port(), b.port());
            assertNotEquals(a.threadNamePrefix(), b.threadNamePrefix());
            assertEquals("STORED\r\n", WireClient.set(a.port(), "k", "in-a"));
            assertEquals("STORED\r\n", WireClient.set(b.port(), "only-b", "in-b"));
            assertEquals("in-a", WireClient.get(a.port(), "k"));
            assertNull(WireClient.get(b.port(), "k"), "b must not see a's item");
            assertNull(WireClient.get(a.port(), "only-b"), "a must not see b's item");
            a.flushAll();
            assertNull(WireClient.get(a.port(), "k"));
            assertEquals("in-b", WireClient.get(b.port(), "only-b"), "flushing a leaves b alone");
        }
    }

    @Test
    void closingOneServerLeavesTheOtherRunning() throws IOException {
        try (Bastion survivor = Bastion.builder().start()) {
            Bastion closed = Bastion.builder().start();
            WireClient.set(survivor.port(), "k", "v");
            closed.close();
            assertEquals("v", WireClient.get(survivor.port(), "k"));
            assertFalse(Leaks.threadNames().stream().anyMatch(n -> n.startsWith(closed.threadNamePrefix())));
        }
    }

    @ParameterizedTest(name = "nativeTransport={0}")
    @ValueSource(booleans = {false, true})
    void closeReleasesThePortAndEveryThread(boolean nativeTransport) throws IOException {
        Bastion server = Bastion.builder().settings(s -> s.threads(2)).nativeTransport(nativeTransport).start();
        int port = server.port();
        String prefix = server.threadNamePrefix();
        // Two connections, one left open across close(): both worker loops and the accept loop have started.
        try (WireClient idle = WireClient.connect(port)) {
            assertEquals("STORED\r\n", WireClient.set(port, "k", "v"));
            assertEquals("v", WireClient.get(port, "k"));
            assertTrue(Leaks.threadNames().stream().filter(n -> n.startsWith(prefix)).count() >= 2,
                    "the server's threads are named " + prefix + "...: " + Leaks.threadNames());
            assertFalse(Leaks.canBind(port), "the port is in use while the server runs");
            server.close();
            assertEquals(List.of(), Leaks.threadsLeft(prefix), "threads left after close()");
            assertTrue(Leaks.canBind(port), "close() must release port " + port);
            assertNull(idle.readLine(), "open connections are closed by close()");
        }
        server.close(); // a second close is harmless
    }

    @Test
    void restartOnTheSamePortRightAfterClose() {
        Bastion first = Bastion.builder().start();
        int port = first.port();
        first.close();
        try (Bastion second = Bastion.builder().settings(s -> s.port(port)).start()) {
            assertEquals(port, second.port());
        }
    }

    @Test
    void aBindFailureLeavesNoThreadBehind() {
        Set<String> before = Leaks.threadNames();
        try (Bastion holder = Bastion.builder().start()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Bastion.builder().settings(s -> s.port(holder.port())).start());
            assertTrue(e.getMessage().startsWith("-l/--listen: cannot listen on 127.0.0.1 port " + holder.port()),
                    e.getMessage());
            List<String> left = Leaks.newThreads("bastion-", before);
            left.removeIf(n -> n.startsWith(holder.threadNamePrefix()));
            assertEquals(List.of(), left);
        }
    }

    @Test
    void shutdownCommandStopsOnlyThatServer() throws IOException {
        try (Bastion other = Bastion.builder().start()) {
            Bastion server = Bastion.builder().settings(s -> s.shutdownEnabled(true)).start();
            WireClient.call(server.port(), "shutdown\r\n", "");
            server.awaitTermination();
            assertEquals(List.of(), Leaks.threadsLeft(server.threadNamePrefix()));
            assertEquals("STORED\r\n", WireClient.set(other.port(), "k", "v"));
        }
    }
}
