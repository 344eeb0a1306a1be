package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** memcached's {@code -s} and {@code -a} with the real jar: a Unix socket instead of TCP, guarded by its mode. */
class UnixSocketIT {
    @TempDir
    Path dir;

    @Test
    void servesTheProtocolOnTheSocketFileOnlyItsOwnerMayUse() throws Exception {
        Path socket = dir.resolve("bastion.sock");
        try (Jar.Server server = new Jar.Server(Jar.asThisUser("-s", socket.toString()))) {
            assertEquals(0, server.port, "no TCP port");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            assertEquals("STORED\r\nVALUE k 5 3\r\nabc\r\nEND\r\n",
                    exchange(socket, "set k 5 0 3\r\nabc\r\nget k\r\n", "END\r\n"));
            String settings = exchange(socket, "stats settings\r\n", "END\r\n");
            assertTrue(settings.contains("STAT domain_socket " + socket + "\r\n"), settings);
            assertTrue(settings.contains("STAT umask 700\r\n"), settings);
            assertTrue(settings.contains("STAT tcpport 0\r\n"), settings);
            assertTrue(Files.notExists(dir.resolve("bastion.sock.new")), "the temporary name is gone");
            try (SocketChannel watcher = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                watcher.connect(UnixDomainSocketAddress.of(socket));
                assertEquals("OK\r\n", exchange(watcher, "watch connevents\r\n", "\r\n"));
                exchange(socket, "version\r\n", "\r\n");
                String event = exchange(watcher, "", "\r\n");
                assertTrue(event.contains(" type=conn_new rip=unix rport=0 transport=local cfd="), event);
            }
        }
    }

    @Test
    void theMaskSetsTheSocketFilesPermissions() throws Exception {
        Path socket = dir.resolve("open.sock");
        try (Jar.Server server = new Jar.Server(Jar.asThisUser("-s", socket.toString(), "-a", "766"))) {
            assertEquals("rwxrw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            assertEquals("STAT umask 766\r\n", grep(exchange(socket, "stats settings\r\n", "END\r\n"), "umask"));
        }
    }

    @Test
    void aStaleSocketIsReplacedButALiveOneOrAnotherFileIsLeftAlone() throws Exception {
        Path socket = dir.resolve("stale.sock");
        // A socket file nobody listens on, as a stopped server leaves it (closing a Java listener keeps the file).
        try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            stale.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket));
        try (Jar.Server server = new Jar.Server(Jar.asThisUser("-s", socket.toString()))) {
            assertEquals("VERSION", exchange(socket, "version\r\n", "\r\n").substring(0, 7));
            Jar.Run second = Jar.run(Jar.asThisUser("-s", socket.toString()));
            assertNotEquals(0, second.exit());
            assertTrue(second.err().contains("-s/--unix-socket: cannot listen on " + socket
                    + ": another server listens on it"), second.err());
            assertEquals("VERSION", exchange(socket, "version\r\n", "\r\n").substring(0, 7), "the first still serves");
        }
        Path file = dir.resolve("notes.txt");
        Files.writeString(file, "keep me");
        Jar.Run refused = Jar.run(Jar.asThisUser("-s", file.toString()));
        assertNotEquals(0, refused.exit());
        assertTrue(refused.err().contains("the file exists and is not a socket"), refused.err());
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void aDaemonSaysItListensOnTheSocket() throws Exception {
        Path socket = dir.resolve("daemon.sock");
        Path pidFile = dir.resolve("daemon.pid");
        Jar.Run run = Jar.run(Jar.asThisUser("-d", "-s", socket.toString(), "-P", pidFile.toString()));
        assertEquals(0, run.exit(), run.err());
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        try {
            assertTrue(run.out().contains("daemon pid " + pid + " listening on Unix socket " + socket + " (mode 700)"),
                    run.out());
            assertEquals("VERSION", exchange(socket, "version\r\n", "\r\n").substring(0, 7), "bound before it said so");
        } finally {
            ProcessHandle.of(pid).ifPresent(p -> {
                p.destroy();
                p.onExit().orTimeout(Jar.WAIT_SECONDS, TimeUnit.SECONDS).join();
            });
        }
    }

    @Test
    void aBadMaskIsRefusedAtStart() throws Exception {
        Jar.Run badMask = Jar.run(Jar.asThisUser("-s", dir.resolve("m.sock").toString(), "-a", "800"));
        assertNotEquals(0, badMask.exit());
        assertTrue(badMask.err().contains("-a/--unix-mask: '800' is not an octal mask"), badMask.err());
        assertTrue(Files.notExists(dir.resolve("m.sock")));
    }

    /** Sends {@code request} on a new connection and reads until the reply ends with {@code end} (bounded). */
    private static String exchange(Path socket, String request, String end) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return exchange(ch, request, end);
        }
    }

    /** As above on an open connection; it reads a byte at a time so that nothing after {@code end} is taken. */
    private static String exchange(SocketChannel ch, String request, String end) throws IOException {
        ch.configureBlocking(true);
        if (!request.isEmpty()) {
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
        }
        ch.configureBlocking(false);
        StringBuilder reply = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!reply.toString().endsWith(end) && System.nanoTime() < deadline) {
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) {
                break;
            }
            if (n == 0) {
                sleep();
            }
            reply.append(new String(buf.array(), 0, n, StandardCharsets.US_ASCII));
        }
        return reply.toString();
    }

    private static void sleep() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String grep(String reply, String name) {
        for (String line : reply.split("(?<=\r\n)")) {
            if (line.startsWith("STAT " + name + " ")) {
                return line;
            }
        }
        return "";
    }
}
