package org.bastion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bastion.junit.BastionExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** libmemcached's {@code memccapable} against an in-process server: binary only (27 tests) and everything (54). */
class MemccapableBinaryTest {
    /** A fresh server for each run: memccapable expects an empty store. */
    @RegisterExtension
    final BastionExtension memcached = new BastionExtension();

    /** Runs memccapable with the given flags and returns its output lines. */
    private static List<String> run(int port, String... flags) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("memccapable", "-h", "127.0.0.1", "-p", String.valueOf(port),
                "-t", "10"));
        command.addAll(List.of(flags));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("memccapable did not finish");
        }
        return List.of(new String(out, StandardCharsets.UTF_8).split("\n"));
    }

    private static long passed(List<String> lines) {
        return lines.stream().filter(l -> l.trim().endsWith("[pass]")).count();
    }

    @Test
    void binaryTestsAllPass() throws Exception {
        List<String> lines = run(memcached.port(), "-b");
        assertEquals(27, passed(lines), String.join("\n", lines));
        assertTrue(lines.contains("All tests passed"), String.join("\n", lines));
    }

    @Test
    void fullRunAllPass() throws Exception {
        List<String> lines = run(memcached.port());
        assertEquals(54, passed(lines), String.join("\n", lines));
        assertTrue(lines.contains("All tests passed"), String.join("\n", lines));
    }
}
