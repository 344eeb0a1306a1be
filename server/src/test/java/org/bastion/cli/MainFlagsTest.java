package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CLI's exits that need no server: bad flags (one line naming the flag, exit 64), help and version (exit 0). */
class MainFlagsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "-p, abc, -p/--port",
        "--port, 70000, -p/--port",
        "-m, lots, -m/--memory-limit",
        "-c, 0, -c/--conn-limit",
        "-t, 0, -t/--threads",
        "-I, 2k0, -I/--max-item-size",
        "-I, 100m, -I/--max-item-size",
        "-U, 11211, -U/--udp-port",
        "-B, json, -B/--protocol",
        "-o, bogus=1, -o/--extended",
        "-o, idle_timeout=x, -o idle_timeout",
        "-l, 0.0.0.0, -l/--listen",
        "--allow, 10.0.0.0/99, --allow",
        "--bogus, x, --bogus",
    })
    void badFlagIsOneLineOnStderrNamingItAndExit64(String flag, String value, String named) {
        assertEquals(64, run(flag, value));
        String[] lines = err().split("\n");
        assertEquals(1, lines.length, err());
        assertTrue(lines[0].startsWith("bastion: " + named + ": "), lines[0]);
        assertEquals("", out(), "nothing on stdout");
    }

    @Test
    void flagWithoutItsValue() {
        assertEquals(64, run("-p"));
        assertTrue(err().startsWith("bastion: -p/--port: "), err());
        assertEquals(1, err().split("\n").length, err());
    }

    @Test
    void helpPrintsUsageAndExitsZero() {
        assertEquals(0, run("-h"));
        assertTrue(out().contains("--port"), out());
        assertTrue(out().contains("--max-item-size"), out());
        assertEquals("", err());
        out.reset();
        assertEquals(0, run("--help"));
        assertTrue(out().contains("--listen"), out());
    }

    @Test
    void versionPrintsOneLineAndExitsZero() {
        assertEquals(0, run("-V"));
        assertTrue(out().startsWith("bastion "), out());
        assertEquals(1, out().split("\n").length, out());
        assertEquals("", err());
        out.reset();
        assertEquals(0, run("--version"));
        assertTrue(out().contains("memcached-compatible"), out());
    }
}
