package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.bastion.testing.WireClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real SIGHUP to the launched jar re-reads {@code --allow-file}; the server lives on, and so do open connections. */
class HangupReloadIT {
    @TempDir
    Path dir;
    private Jar.Server server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private int launch(Path allowFile) throws Exception {
        server = new Jar.Server(Jar.asThisUser("-p", "0", "-m", "16", "-t", "1", "--allow-file", allowFile.toString()));
        return server.port;
    }

    private String awaitLine(Pattern pattern, int seconds) throws InterruptedException {
        return server.awaitLine(pattern, seconds);
    }

    private void hangup() throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue());
    }

    /** Sends {@code version} from the source; true when answered, false when closed unanswered. */
    private static boolean served(int port, String source) throws IOException {
        try (WireClient c = WireClient.connect(port, source).timeoutMillis(5000)) {
            try {
                c.send("version\r\n");
                byte[] first = c.readAtMost(1);
                return first.length == 1 && first[0] == 'V';
            } catch (SocketException reset) {
                return false;
            } catch (SocketTimeoutException e) {
                throw new AssertionError("neither served nor closed within 5 s", e);
            }
        }
    }

    @Test
    void sighupReloadsTheAllowFile() throws Exception {
        Path file = dir.resolve("allow");
        Files.writeString(file, "# only this host's main address\n127.0.0.1/32\n");
        int port = launch(file);
        assertTrue(served(port, "127.0.0.1"));
        assertFalse(served(port, "127.0.0.2"), "127.0.0.2 is not listed yet");

        try (WireClient open = WireClient.connect(port).timeoutMillis(5000)) {
            Files.writeString(file, "127.0.0.2/32\n");
            hangup();
            awaitLine(Pattern.compile("SIGHUP: reloaded"), 15);
            assertTrue(served(port, "127.0.0.2"));
            assertFalse(served(port, "127.0.0.1"), "127.0.0.1 is no longer listed");
            // The connection opened before the reload is still served.
            open.send("version\r\n");
            assertEquals('V', open.readExactly(1)[0]);

            // A broken file keeps the rules, and the process keeps running.
            Files.writeString(file, "127.0.0.1/32\n999.1.2.3\n");
            hangup();
            awaitLine(Pattern.compile("SIGHUP: kept the previous rules"), 15);
            assertTrue(server.process.isAlive(), "SIGHUP must not stop the server");
            assertTrue(served(port, "127.0.0.2"));
            assertFalse(served(port, "127.0.0.1"));
        }
    }

    @Test
    void sighupReloadsTheUsersFileKeepingLoggedInConnections() throws Exception {
        Path users = dir.resolve("users");
        Files.writeString(users, "alice:secret\n");
        server = new Jar.Server(Jar.asThisUser("-p", "0", "-m", "16", "-t", "1", "-Y", users.toString(), "-S"));
        int port = server.port;
        try (WireClient alice = WireClient.connect(port).timeoutMillis(5000)) {
            assertEquals("STORED", alice.call("set a 0 0 12\r\nalice secret\r\n"));
            Files.writeString(users, "bob:pw2 role=readonly\n");
            hangup();
            awaitLine(Pattern.compile("SIGHUP: reloaded .*users"), 15);
            assertEquals("STORED", alice.call("set k 0 0 1\r\nx\r\n"), "logged in before the reload: kept");
            try (WireClient c = WireClient.connect(port).timeoutMillis(5000)) {
                assertEquals("CLIENT_ERROR authentication failure", c.call("set a 0 0 12\r\nalice secret\r\n"));
                assertEquals("STORED", c.call("set a 0 0 7\r\nbob pw2\r\n"));
                assertEquals("CLIENT_ERROR access denied", c.call("set k 0 0 1\r\ny\r\n"));
            }
        }
    }
}
