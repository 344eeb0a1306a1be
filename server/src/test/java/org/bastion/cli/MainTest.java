package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(FakePosix posix, String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), () -> posix);
    }

    @Test
    void startedAsRootWithoutUserOrNobodyIsRefusedInOneLine() {
        FakePosix posix = new FakePosix(0);
        posix.accounts.remove("nobody");
        assertEquals(Main.EXIT_CONFIG, run(posix, "-p", "0"));
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("bastion: -u/--user: refusing to run as root"), message);
        assertEquals(1, message.lines().count(), message);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing was started");
    }

    @Test
    void theDaemonLauncherRefusesRootBeforeStartingAnything() {
        FakePosix posix = new FakePosix(0);
        posix.accounts.remove("nobody");
        assertEquals(Main.EXIT_CONFIG, run(posix, "-d", "-p", "0"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("-u/--user"));
    }

    @Test
    void unknownUserIsOneLineNamingTheFlag() {
        assertEquals(Main.EXIT_CONFIG, run(new FakePosix(1000), "-u", "no-such-user", "-p", "0"));
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("bastion: -u/--user: no such user 'no-such-user'"), message);
        assertEquals(1, message.lines().count(), message);
    }

    @Test
    void auditIsASubcommand() {
        FakePosix user = new FakePosix(1000);
        assertEquals(0, run(user, "audit", "--max-conns-per-ip", "32"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("bastion audit: no findings"), out.toString());
    }
}
