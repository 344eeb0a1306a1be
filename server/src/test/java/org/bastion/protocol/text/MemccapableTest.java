package org.bastion.protocol.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.bastion.Bastion;
import org.junit.jupiter.api.Test;

/** libmemcached's {@code memccapable -a} (Debian's libmemcached-tools) against a Bastion started in this JVM. */
class MemccapableTest {
    @Test
    void allTwentySevenAsciiTestsPass() throws IOException, InterruptedException {
        try (Bastion server = Bastion.builder().settings(s -> s.port(0)).start()) {
            Process p = new ProcessBuilder("memccapable", "-a", "-h", "127.0.0.1", "-p", Integer.toString(server.port()))
                    .redirectErrorStream(true).start();
            String output;
            try {
                // Bounded: memccapable waits on replies it never gets when a server misbehaves.
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "memccapable did not finish in 120 s");
            } finally {
                output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.destroyForcibly();
            }
            long passed = output.lines().filter(l -> l.startsWith("ascii ") && l.endsWith("[pass]")).count();
            long listed = output.lines().filter(l -> l.startsWith("ascii ")).count();
            assertEquals(27, listed, output);
            assertEquals(27, passed, output);
            assertTrue(output.contains("All tests passed"), output);
            assertEquals(0, p.exitValue(), output);
        }
    }
}
