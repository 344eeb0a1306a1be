package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jar as an operator runs it: root rules, privilege drop, pid file, daemon mode, signals. */
class ProcessIT {
    @TempDir
    Path dir;

    /** A directory the -u user can write its pid file in. */
    private Path openDir() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    @Test
    void rootWithoutUserBindsThenBecomesNobody() throws Exception {
        try (Jar.Server server = new Jar.Server("-p", "0")) {
            assertEquals("VERSION 1.6.18", Jar.version(server.port));
            if (Jar.root()) {
                assertRunsAs(server, "nobody");
                assertTrue(server.errText().contains("started as root without -u, so running as nobody"),
                        server.errText());
            }
            assertEquals(0, server.terminate());
        }
    }

    /** The bug of issue 11: initgroups succeeded but a stale errno was taken for failure, for any new account. */
    @Test
    void asRootBecomesAFreshSystemAccount() throws Exception {
        Assumptions.assumeTrue(Jar.root(), "only root can create an account and switch to it");
        String name = "bst" + Long.toString(ProcessHandle.current().pid(), 36);
        assertEquals("", Jar.output("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name)
                .trim());
        try (Jar.Server server = new Jar.Server("-u", name, "-p", "0")) {
            assertEquals("VERSION 1.6.18", Jar.version(server.port));
            assertRunsAs(server, name);
            assertEquals(0, server.terminate());
        } finally {
            Jar.output("userdel", name);
        }
    }

    @Test
    void unknownUserIsRefusedInOneLine() throws Exception {
        Jar.Run run = Jar.run("-u", "no-such-user-bastion", "-p", "0");
        assertEquals(64, run.exit());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().startsWith("bastion: -u/--user: no such user"), run.err());
    }

    @Test
    void asRootBindsThenBecomesNobody() throws Exception {
        try (Jar.Server server = new Jar.Server("-u", "nobody", "-p", "0")) {
            assertEquals("VERSION 1.6.18", Jar.version(server.port));
            if (Jar.root()) {
                assertRunsAs(server, "nobody");
            } else {
                assertTrue(server.errText().contains("only root can switch users"), server.errText());
            }
            assertEquals(0, server.terminate());
        }
    }

    @Test
    void userRootIsAnOverrideWithAWarning() throws Exception {
        try (Jar.Server server = new Jar.Server("-u", "root", "-p", "0")) {
            assertEquals("VERSION 1.6.18", Jar.version(server.port));
            if (Jar.root()) {
                assertTrue(server.errText().contains("warning: -u/--user root: running as root"), server.errText());
            }
            assertEquals(0, server.terminate());
        }
    }

    @Test
    void sigtermRemovesThePidFileAndExitsZero() throws Exception {
        Path pidFile = openDir().resolve("bastion.pid");
        try (Jar.Server server = new Jar.Server("-u", "nobody", "-p", "0", "-P", pidFile.toString())) {
            assertEquals(server.pid() + "\n", Files.readString(pidFile));
            assertEquals(0, server.terminate());
            assertFalse(Files.exists(pidFile));
        }
    }

    @Test
    void sigintIsACleanStopToo() throws Exception {
        Path pidFile = openDir().resolve("bastion.pid");
        try (Jar.Server server = new Jar.Server("-u", "nobody", "-p", "0", "-P", pidFile.toString())) {
            assertTrue(Files.exists(pidFile));
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(server.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor());
            assertTrue(server.process.waitFor(Jar.WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(0, server.process.exitValue(), server.errText());
            assertFalse(Files.exists(pidFile));
        }
    }

    @Test
    void shutdownCommandAlsoRemovesThePidFile() throws Exception {
        Path pidFile = openDir().resolve("bastion.pid");
        try (Jar.Server server = new Jar.Server("-u", "root", "-A", "-p", "0", "-P", pidFile.toString())) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port)) {
                s.getOutputStream().write("shutdown\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                s.setSoTimeout(30_000);
                s.getInputStream().read(); // until the server closes us
            } catch (java.io.IOException e) {
                // reset by the closing server is fine
            }
            assertTrue(server.process.waitFor(Jar.WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(0, server.process.exitValue());
            assertFalse(Files.exists(pidFile));
        }
    }

    @Test
    void daemonReturnsOnceBoundAndThePidFileNamesTheDaemon() throws Exception {
        Path pidFile = openDir().resolve("daemon.pid");
        Jar.Run run = Jar.run("-d", "-u", "nobody", "-p", "0", "-P", pidFile.toString());
        assertEquals(0, run.exit(), run.err());
        java.util.regex.Matcher m = Jar.LISTENING.matcher(run.out());
        assertTrue(m.find(), run.out());
        int port = Integer.parseInt(m.group(1));
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        Optional<ProcessHandle> daemon = ProcessHandle.of(pid);
        try {
            assertTrue(daemon.isPresent() && daemon.get().isAlive(), "pid file names a live process");
            assertTrue(run.out().contains("daemon pid " + pid + " "), run.out());
            assertNotEquals(ProcessHandle.current().pid(), pid);
            // Bound before the launcher returned: no waiting needed.
            assertEquals("VERSION 1.6.18", Jar.version(port));
            // Detached: its own session, stdin from /dev/null.
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertEquals(Long.toString(pid), f[3], "session leader (setsid)");
            assertEquals("/dev/null", Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/0")).toString());
            if (Jar.root()) {
                assertTrue(Jar.credentials(pid).get(0).startsWith("Uid:\t" + Jar.output("id", "-u", "nobody").trim()));
            }
            daemon.get().destroy(); // SIGTERM
            assertTrue(daemon.get().onExit().get(Jar.WAIT_SECONDS, TimeUnit.SECONDS) != null);
            assertFalse(Files.exists(pidFile), "removed on clean exit");
        } finally {
            daemon.ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void daemonReportsAPortInUseItself() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Path pidFile = dir.resolve("never.pid");
            Jar.Run run = Jar.run("-d", "-u", "root", "-p", Integer.toString(taken.getLocalPort()), "-P",
                    pidFile.toString());
            assertEquals(64, run.exit(), run.out());
            assertTrue(run.err().contains("port " + taken.getLocalPort()), run.err());
            assertTrue(run.err().contains("-p/--port"), run.err());
            assertFalse(Files.exists(pidFile));
        }
    }

    @Test
    void daemonReportsBadFlagsItself() throws Exception {
        Jar.Run run = Jar.run("-d", "-u", "root", "-U", "11211");
        assertEquals(64, run.exit());
        assertTrue(run.err().startsWith("bastion: -U/--udp-port:"), run.err());
        assertEquals("", run.out());
    }

    /** Every thread of the server runs as {@code user}: uid, gid and exactly that account's groups. */
    private static void assertRunsAs(Jar.Server server, String user) throws Exception {
        String uid = Jar.output("id", "-u", user).trim();
        String gid = Jar.output("id", "-g", user).trim();
        List<String> creds = Jar.credentials(server.pid());
        assertEquals("Uid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid, creds.get(0));
        assertEquals("Gid:\t" + gid + "\t" + gid + "\t" + gid + "\t" + gid, creds.get(1));
        String groups = Jar.output("id", "-G", user).trim();
        assertEquals("Groups:\t" + groups, creds.get(2).trim(), "supplementary groups are " + user + "'s, not root's");
        try (var tasks = Files.list(Path.of("/proc/" + server.pid() + "/task"))) {
            for (Path task : tasks.toList()) {
                String status = Files.readString(task.resolve("status"));
                assertTrue(status.contains("\nUid:\t" + uid + "\t" + uid + "\t"), task.toString());
            }
        }
    }
}
