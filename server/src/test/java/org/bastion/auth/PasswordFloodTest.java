package org.bastion.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.bastion.testing.PolicyServers;
import org.bastion.transport.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wrong logins from a few sources, each within the throttle's free failures, against a hashed password
 * ({@link PasswordHash#DEFAULT_ITERATIONS} rounds, tens of ms each) must not stall the other connections of their
 * event loop: the checks run on their own thread. One event loop, so that the flood and the bystander share it.
 * Before, the bystander waited for the whole flood (54 checks, seconds). The bound is a fairness bound for a loaded
 * 2-core machine, not a speed claim.
 */
class PasswordFloodTest {
    /** Sources 127.0.0.3 on; each stays under the throttle's free failures, so every login is really checked. */
    private static final int SOURCES = 6;
    private static final int CONNECTIONS_PER_SOURCE = 3;
    private static final long SERVED_WITHIN_MS = 1500;
    private static final byte[] LOGIN = "set x 0 0 8\r\nalice pw\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Three wrong logins: the connection's allowance, after which it is closed. */
    private static final byte[] WRONG_LOGINS = "set x 0 0 9\r\nalice bad\r\n".repeat(3)
            .getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void aLoginFloodDoesNotStallOtherConnections() throws Exception {
        Path users = dir.resolve("users");
        Files.writeString(users, "alice:" + PasswordHash.hash("pw".toCharArray(), PasswordHash.DEFAULT_ITERATIONS)
                + "\n");
        Server server = Server.start(PolicyServers.settings().threads(1).usersFile(users).build());
        java.util.List<Socket> flood = new java.util.ArrayList<>();
        try (Socket bystander = new Socket("127.0.0.1", server.port())) {
            bystander.setSoTimeout(10_000);
            OutputStream bOut = bystander.getOutputStream();
            InputStream bIn = bystander.getInputStream();
            bOut.write(LOGIN);
            assertEquals("STORED", readLine(bIn), "the bystander logs in first");

            long start = System.nanoTime();
            for (int source = 0; source < SOURCES; source++) {
                for (int c = 0; c < CONNECTIONS_PER_SOURCE; c++) {
                    Socket s = new Socket();
                    s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (3 + source)}),
                            0));
                    s.connect(new InetSocketAddress("127.0.0.1", server.port()));
                    s.setSoTimeout(60_000);
                    flood.add(s);
                    s.getOutputStream().write(WRONG_LOGINS);
                }
            }
            Socket last = flood.get(flood.size() - 1);
            long slowest = 0;
            // Bounded: at most 300 round trips, and only until the last connection of the flood is answered.
            for (int i = 0; i < 300 && last.getInputStream().available() == 0; i++) {
                long t = System.nanoTime();
                bOut.write("version\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(readLine(bIn).startsWith("VERSION "));
                slowest = Math.max(slowest, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
                Thread.sleep(20);
            }
            for (Socket s : flood) {
                for (int i = 0; i < 3; i++) {
                    assertEquals("CLIENT_ERROR authentication failure", readLine(s.getInputStream()));
                }
            }
            long floodMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(slowest <= SERVED_WITHIN_MS, "the bystander waited " + slowest + " ms while "
                    + SOURCES * CONNECTIONS_PER_SOURCE * 3 + " failed logins took " + floodMs + " ms");
        } finally {
            for (Socket s : flood) {
                s.close();
            }
            server.close();
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 1024; i++) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed after " + sb);
            }
            if (c == '\n') {
                return sb.toString().stripTrailing();
            }
            sb.append((char) c);
        }
        throw new IOException("line too long: " + sb);
    }
}
