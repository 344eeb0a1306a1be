package org.bastion.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code memcached} started by a test on a loopback port of its own. A port that turns out to be taken is
 * retried with another one (no racy free-port finder: memcached itself reports the bind failure by exiting).
 */
public final class MemcachedProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private MemcachedProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts {@code memcached -U 0 -l 127.0.0.1 -p <port> -u nobody} plus {@code extraArgs}; waits until it accepts. */
    public static MemcachedProcess start(String... extraArgs) throws IOException, InterruptedException {
        return start(false, java.util.Map.of(), extraArgs);
    }

    /** As {@link #start(String...)} with these variables added to memcached's environment (SASL's, say). */
    public static MemcachedProcess startWithEnvironment(java.util.Map<String, String> env, String... extraArgs)
            throws IOException, InterruptedException {
        return start(false, env, extraArgs);
    }

    /** As {@link #start}, but also listening for UDP on the same port number ({@code -U <port>}). */
    public static MemcachedProcess startWithUdp() throws IOException, InterruptedException {
        return start(true, java.util.Map.of());
    }

    private static MemcachedProcess start(boolean udp, java.util.Map<String, String> env, String... extraArgs)
            throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
            List<String> cmd = new ArrayList<>(List.of("memcached", "-U", udp ? Integer.toString(port) : "0", "-l", "127.0.0.1", "-p",
                    Integer.toString(port), "-u", "nobody"));
            cmd.addAll(List.of(extraArgs));
            Path log = Files.createTempFile("memcached-" + port, ".log");
            ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            Process p = builder.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline && p.isAlive()) {
                try (WireClient accepted = WireClient.connect(port)) {
                    Files.deleteIfExists(log);
                    return new MemcachedProcess(p, port);
                } catch (IOException notYet) {
                    Thread.sleep(20);
                }
            }
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            last = new IOException("memcached on port " + port + " did not start: " + Files.readString(log));
            Files.deleteIfExists(log);
        }
        throw last;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
