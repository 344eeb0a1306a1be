package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bastion.config.Flags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network refusals of the CLI: each is one line on stderr naming the flag and the fix, exit status 64, and
 * nothing is bound. Nothing here listens beyond loopback: every refusal happens before a socket is opened.
 */
class NetworkRefusalsTest {
    @TempDir
    Path dir;

    private record Outcome(int status, String err) {
    }

    private static Outcome run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if ("root".equals(System.getProperty("user.name"))) {
            all.addAll(List.of("-u", "root")); // CI runs as root; a root start must be explicit
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, err.toString(StandardCharsets.UTF_8));
    }

    private static void assertRefused(Outcome o, String... mustMention) {
        assertEquals(Main.EXIT_CONFIG, o.status(), o.err());
        assertEquals(1, o.err().lines().count(), "one line: " + o.err());
        for (String word : mustMention) {
            assertTrue(o.err().contains(word), "should mention " + word + ": " + o.err());
        }
    }

    @Test
    void listeningBeyondLoopbackWithoutAllowIsRefused() {
        assertRefused(run("-p", "0", "-l", "0.0.0.0"), "--allow");
        assertRefused(run("-p", "0", "-l", "127.0.0.1,192.0.2.7"), "--allow");
        assertRefused(run("-p", "0", "-l", "::"), "--allow");
    }

    @Test
    void udpIsRefusedNamingTheRisk() {
        Outcome o = run("-p", "0", "-U", "11211");
        assertRefused(o, "-U", "UDP", "amplif");
        // -U 0 is memcached's "UDP off" and is accepted.
        assertEquals(List.of(), Flags.parse("-U", "0").warnings());
    }

    @Test
    void everyAddressIsAnExplicitChoiceWithAWarning() {
        Flags.Parsed parsed = Flags.parse("-l", "0.0.0.0", "--allow", "0.0.0.0/0");
        assertTrue(parsed.warnings().stream().anyMatch(w -> w.contains("0.0.0.0/0")), parsed.warnings().toString());
    }

    @Test
    void badAllowRulesAreRefusedNamingTheFlag() throws Exception {
        assertRefused(run("-p", "0", "--allow", "10.0.0.0/33"), "--allow");
        assertRefused(run("-p", "0", "--allow", "example.com"), "--allow");
        assertRefused(run("-p", "0", "--read-only-from", "nonsense"), "--read-only-from");
        assertRefused(run("-p", "0", "--allow-file", dir.resolve("missing").toString()), "--allow-file", "missing");
        Path bad = dir.resolve("allow");
        Files.writeString(bad, "# ok\n10.0.0.0/8\n10.0.0.0/40\n");
        assertRefused(run("-p", "0", "--allow-file", bad.toString()), "--allow-file", "line 3");
    }
}
