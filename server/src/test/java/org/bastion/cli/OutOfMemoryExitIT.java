package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Exit, don't linger: a server that runs out of direct memory while reading requests ends with one clear last line
 * and a non-zero status for its supervisor, instead of closing the connection it happened on and going on unable to
 * serve. The direct memory is made deliberately smaller than the input budget so that partial values exhaust it.
 */
class OutOfMemoryExitIT {
    @Test
    void runningOutOfDirectMemoryEndsTheProcessWithALastLine() throws Exception {
        String[] args = Jar.asThisUser("-p", "0", "-m", "64", "-I", "5m");
        try (Jar.Server server = new Jar.Server(
                Jar.builder(List.of("-XX:MaxDirectMemorySize=6m", "-Xmx256m", "-XX:+ExitOnOutOfMemoryError"), args),
                args)) {
            List<Socket> sockets = new ArrayList<>();
            try {
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) 'x');
                for (int i = 0; i < 6; i++) {
                    Socket s = new Socket("127.0.0.1", server.port);
                    sockets.add(s);
                    s.getOutputStream().write(("set k" + i + " 0 0 4000000\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                // Bounded: 60 rounds of 64 KiB per connection, about 3.8 MB each, partial values all.
                for (int round = 0; round < 60 && server.process.isAlive(); round++) {
                    for (Socket s : sockets) {
                        send(s.getOutputStream(), chunk);
                    }
                }
                assertTrue(server.process.waitFor(60, TimeUnit.SECONDS), "the process ended");
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            assertEquals(70, server.process.exitValue());
            String last = server.awaitLine(java.util.regex.Pattern.compile("bastion: fatal: "), 5);
            assertTrue(last.contains("java.lang.OutOfMemoryError") && last.endsWith("; exiting"), last);
        }
    }

    private static void send(OutputStream out, byte[] bytes) {
        try {
            out.write(bytes);
        } catch (IOException closedByTheServer) {
            // expected once the process is gone
        }
    }
}
