package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AuditCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int audit(int euid, String... args) {
        return AuditCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), () -> new FakePosix(euid));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aHardenedConfigurationIsClean() {
        assertEquals(0, audit(0, "-u", "nobody", "--max-conns-per-ip", "64"));
        assertTrue(out().endsWith("bastion audit: no findings\n"), out());
    }

    @Test
    void eachFindingHasASeverityAndAFixAndTheExitIsOne() {
        assertEquals(1, audit(0, "-l", "0.0.0.0", "--allow", "0.0.0.0/0", "-p", "11211", "-A", "-u", "root"));
        String report = out();
        for (String expected : new String[] {"HIGH    allow: --allow 0.0.0.0/0 admits every source address",
                "MEDIUM  listen: listening beyond loopback on 0.0.0.0", "LOW     port: port 11211",
                "HIGH    tls: listening beyond loopback without TLS on 0.0.0.0",
                "MEDIUM  conn-cap:", "MEDIUM  flush_all:", "HIGH    shutdown:", "HIGH    user: runs as root",
                "HIGH    auth: listening beyond loopback on 0.0.0.0 without authentication"}) {
            assertTrue(report.contains(expected), expected + " in\n" + report);
        }
        assertEquals(report.split("\n {8}fix: ").length - 1, 9, report);
        assertTrue(report.endsWith("bastion audit: 9 findings (5 high, 3 medium, 1 low)\n"), report);
        assertTrue(report.indexOf("HIGH") < report.indexOf("MEDIUM") && report.indexOf("MEDIUM") < report.indexOf("LOW"),
                "most serious first:\n" + report);
    }

    @Test
    void rootWithoutUserIsAFindingNotARefusal() {
        assertEquals(1, audit(0, "--max-conns-per-ip", "8"));
        assertTrue(out().contains("HIGH    user: started as root without -u"), out());
        out.reset();
        assertEquals(0, audit(1000, "--max-conns-per-ip", "8"));
    }

    @Test
    void aConfigurationTheServerRefusesExitsSixtyFour() {
        assertEquals(Main.EXIT_CONFIG, audit(1000, "-l", "0.0.0.0"));
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("bastion audit: refused: -l/--listen:"), message);
        assertTrue(message.contains("--allow"), message);
    }

    @Test
    void probeArgumentsAreChecked() {
        assertEquals(Main.EXIT_CONFIG, audit(1000, "--probe"));
        assertEquals(Main.EXIT_CONFIG, audit(1000, "--probe", "localhost"));
        assertEquals(Main.EXIT_CONFIG, audit(1000, "--probe", "127.0.0.1:99999"));
        assertEquals(Main.EXIT_CONFIG, audit(1000, "--probe", "127.0.0.1:11211", "-p", "1"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--probe"), err.toString());
    }

    @Test
    void anUnreachableTargetExitsSixtyNine() {
        // Port 1 (tcpmux) has no listener on a test machine's loopback, so the connection is refused.
        assertEquals(AuditCommand.EXIT_UNAVAILABLE, audit(1000, "--probe", "127.0.0.1:1"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot connect"), err.toString());
    }
}
