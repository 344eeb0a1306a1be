package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real SIGHUP to the launched jar re-reads {@code --allow-file}; the server lives on, and so do open connections. */
class HangupReloadIT {
    private static final Pattern LISTENING = Pattern.compile("listening on .* port (\\d+)");

    @TempDir
    Path dir;
    private Process process;
    private final BlockingQueue<String> output = new LinkedBlockingQueue<>();

    @AfterEach
    void stop() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private int launch(Path allowFile) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-jar", System.getProperty("bastion.jar"), "-p", "0", "-m", "16", "-t", "1",
                "--allow-file", allowFile.toString()));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("-u", "root")); // CI runs as root; a root start must be explicit
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    output.add(line);
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, "bastion-output");
        pump.setDaemon(true);
        pump.start();
        String line = awaitLine(LISTENING, 30);
        Matcher m = LISTENING.matcher(line);
        assertTrue(m.find());
        return Integer.parseInt(m.group(1));
    }

    private String awaitLine(Pattern pattern, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            String line = output.poll(200, TimeUnit.MILLISECONDS);
            if (line == null) {
                continue;
            }
            seen.add(line);
            if (pattern.matcher(line).find()) {
                return line;
            }
        }
        throw new AssertionError("no line matching " + pattern + " within " + seconds + " s; output: " + seen);
    }

    private void hangup() throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue());
    }

    /** Sends {@code version} from the source; true when answered, false when closed unanswered. */
    private static boolean served(int port, String source) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            try {
                s.getOutputStream().write("version\r\n".getBytes(StandardCharsets.US_ASCII));
                return s.getInputStream().read() == 'V';
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

        try (Socket open = new Socket("127.0.0.1", port)) {
            open.setSoTimeout(5000);
            Files.writeString(file, "127.0.0.2/32\n");
            hangup();
            awaitLine(Pattern.compile("SIGHUP: reloaded"), 15);
            assertTrue(served(port, "127.0.0.2"));
            assertFalse(served(port, "127.0.0.1"), "127.0.0.1 is no longer listed");
            // The connection opened before the reload is still served.
            open.getOutputStream().write("version\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals('V', open.getInputStream().read());

            // A broken file keeps the rules, and the process keeps running.
            Files.writeString(file, "127.0.0.1/32\n999.1.2.3\n");
            hangup();
            awaitLine(Pattern.compile("SIGHUP: kept the previous rules"), 15);
            assertTrue(process.isAlive(), "SIGHUP must not stop the server");
            assertTrue(served(port, "127.0.0.2"));
            assertFalse(served(port, "127.0.0.1"));
        }
    }
}
