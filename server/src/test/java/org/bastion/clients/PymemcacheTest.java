package org.bastion.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.bastion.config.Settings;
import org.bastion.testing.MemcachedProcess;
import org.bastion.transport.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pymemcache (Debian's {@code python3-pymemcache}, pure Python over the text protocol), unchanged: one session of
 * every call it offers (storage commands, CAS, incr/decr, touch, multi-gets, stats, flush, quit and reconnect, errors
 * for values over {@code -I}, its {@code HashClient}, a pickle serde) against Debian's memcached and against Bastion,
 * compared result by result.
 */
class PymemcacheTest {
    private static final String PYTHON = "/usr/bin/python3"; // Debian's, where python3-pymemcache installs

    @TempDir
    Path dir;

    @Test
    void aSessionGivesMemcachedsResultsCallByCall() throws Exception {
        Path script = dir.resolve("pymemcache_session.py");
        try (InputStream in = PymemcacheTest.class.getResourceAsStream("/clients/pymemcache_session.py")) {
            Files.write(script, in.readAllBytes());
        }
        String expected;
        try (MemcachedProcess memcached = MemcachedProcess.start()) {
            expected = session(script, memcached.port());
        }
        Server server = Server.start(Settings.builder().port(0).threads(2).build());
        try {
            assertEquals(expected, session(script, server.port()));
        } finally {
            server.close();
        }
        // Not two identical failures: the calls did what they say.
        for (String line : new String[] {"get b'v1'", "get_after b'Pv1A'", "cas_stale False", "incr 15", "decr 0",
                "big 500000", "too_big EXC MemcacheServerError: b'object too large for cache'", "after_quit b'1'",
                "hash_get b'hv'", "serde (True, {'x': [1, 2]})"}) {
            assertTrue(expected.contains(line + "\n"), line + " in\n" + expected);
        }
    }

    private String session(Path script, int port) throws Exception {
        Path out = dir.resolve("session-" + port + ".out");
        Process p = new ProcessBuilder(PYTHON, script.toString(), Integer.toString(port)).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("pymemcache session did not finish");
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "pymemcache (Debian's python3-pymemcache): " + text);
        return text;
    }
}
