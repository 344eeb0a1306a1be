package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's stock /etc/memcached.conf (from the memcached package .ci/run installs), with only its port, pid file and
 * log file moved, starts Bastion as it starts memcached: daemonised, as memcache, with its pid file and log file.
 */
class MemcachedConfIT {
    private static final Path STOCK = Path.of("/etc/memcached.conf");

    @TempDir
    Path dir;

    @Test
    void theStockConfStartsADaemonAsMemcacheWithPidAndLogFile() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(STOCK), "needs Debian's memcached package");
        Assumptions.assumeTrue(Jar.root(), "the stock file runs as memcache, which only root can become");
        Jar.output("chown", "memcache", dir.toString()); // as /run/memcached is memcache's
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path pid = dir.resolve("memcached.pid");
        Path log = dir.resolve("memcached.log");
        String stock = Files.readString(STOCK);
        assertTrue(stock.contains("\nlogfile /var/log/memcached.log\n") && stock.contains("\n-d\n")
                && stock.contains("\n-u memcache\n") && stock.contains("\n-p 11211\n"), "the stock file changed:\n" + stock);
        Path conf = dir.resolve("memcached.conf");
        Files.writeString(conf, stock.replace("\n-p 11211\n", "\n-p " + port + "\n")
                .replace("/var/log/memcached.log", log.toString())
                .replace("/var/run/memcached/memcached.pid", pid.toString()));

        Jar.Run run = Jar.run("@" + conf);
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().startsWith("bastion: daemon pid "), run.out());
        long daemon = Long.parseLong(Files.readString(pid).trim());
        try {
            assertEquals("VERSION 1.6.18", Jar.version(port));
            String uid = Jar.output("id", "-u", "memcache").trim();
            assertTrue(Jar.credentials(daemon).get(0).startsWith("Uid:\t" + uid + "\t"), Jar.credentials(daemon).toString());
            assertTrue(Files.readString(log).contains("listening on 127.0.0.1 port " + port), Files.readString(log));

            // logrotate: move the file away, SIGUSR1 (or SIGHUP), and the daemon writes a new one.
            Path rotated = dir.resolve("memcached.log.1");
            Files.move(log, rotated);
            signal("USR1", daemon);
            awaitFile(log);
            assertTrue(Files.readString(log).contains("SIGUSR1: reopened " + log), Files.readString(log));
            signal("HUP", daemon);
            assertEquals("VERSION 1.6.18", Jar.version(port), "SIGHUP does not stop it");
        } finally {
            signal("TERM", daemon);
        }
        ProcessHandle handle = ProcessHandle.of(daemon).orElse(null);
        if (handle != null) {
            handle.onExit().get(60, TimeUnit.SECONDS);
        }
        assertFalse(Files.exists(pid), "the pid file is removed on stop");
        List<String> lines = Files.readAllLines(log);
        assertTrue(lines.get(lines.size() - 1).endsWith("bastion: stopped"), lines.toString());
    }

    private static void signal(String name, long pid) throws Exception {
        assertEquals("", Jar.output("kill", "-" + name, Long.toString(pid)).trim());
    }

    private static void awaitFile(Path file) throws InterruptedException {
        for (int i = 0; i < 200 && !Files.exists(file); i++) {
            Thread.sleep(50);
        }
        for (int i = 0; i < 200; i++) {
            try {
                if (Files.readString(file).contains("reopened")) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not there yet
            }
            Thread.sleep(50);
        }
    }
}
