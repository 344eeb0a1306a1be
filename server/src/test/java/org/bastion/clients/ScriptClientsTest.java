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
 * Clients of other languages, unchanged, from Debian's packages: one session of every call each offers (a script in
 * {@code src/test/resources/clients} printing one line per call) runs against Debian's memcached and against Bastion,
 * and the two transcripts must be identical, line by line. Each test also checks lines of the transcript, so two
 * identical failures cannot pass.
 */
class ScriptClientsTest {
    @TempDir
    Path dir;

    /**
     * pymemcache 3.5 ({@code python3-pymemcache}, text protocol): storage commands, {@code gets}+{@code cas} fresh,
     * stale and missing, incr/decr, touch, {@code get_many}/{@code set_many}/{@code delete_many}, stats, flush, a
     * 500 KB value and one over {@code -I}, quit and reconnect, its {@code HashClient} and a pickle serde.
     */
    @Test
    void pymemcacheGetsMemcachedsResultsCallByCall() throws Exception {
        String transcript = sameOnBoth("/usr/bin/python3", "pymemcache_session.py");
        for (String line : new String[] {"get b'v1'", "get_after b'Pv1A'", "cas_stale False", "incr 15", "decr 0",
                "big 500000", "too_big EXC MemcacheServerError: b'object too large for cache'", "after_quit b'1'",
                "hash_get b'hv'", "serde (True, {'x': [1, 2]})"}) {
            assertTrue(transcript.contains(line + "\n"), line + " in\n" + transcript);
        }
    }

    /**
     * Dalli 3.0 ({@code ruby-dalli}, Rails' client, binary protocol): set/get of strings and marshalled objects,
     * add/replace/append/prepend, {@code get_multi}, its read-modify-write {@code cas}, incr with an initial value,
     * decr, touch, {@code gat}, delete, a 500 KB value, {@code fetch}, version, stats, {@code multi} (quiet commands).
     */
    @Test
    void dalliGetsMemcachedsResultsCallByCall() throws Exception {
        String transcript = sameOnBoth("/usr/bin/ruby", "dalli_session.rb");
        for (String line : new String[] {"get \"v1\"", "get_obj {\"a\"=>[1, 2]}", "get_after \"Pv1A\"",
                "get_cas \"Pv1AC\"", "incr_create 10", "incr 15", "decr 0", "gat \"Pv1AC\"", "big 500000",
                "fetch_again \"computed\"", "multi [[\"m1\", \"1\"], [\"m2\", \"2\"]]"}) {
            assertTrue(transcript.contains(line + "\n"), line + " in\n" + transcript);
        }
    }

    /** The script's transcript against memcached, after checking Bastion's is the same. */
    private String sameOnBoth(String interpreter, String scriptName) throws Exception {
        Path script = dir.resolve(scriptName);
        try (InputStream in = ScriptClientsTest.class.getResourceAsStream("/clients/" + scriptName)) {
            Files.write(script, in.readAllBytes());
        }
        String expected;
        try (MemcachedProcess memcached = MemcachedProcess.start()) {
            expected = session(interpreter, script, memcached.port());
        }
        Server server = Server.start(Settings.builder().port(0).threads(2).build());
        try {
            assertEquals(expected, session(interpreter, script, server.port()));
        } finally {
            server.close();
        }
        return expected;
    }

    private String session(String interpreter, Path script, int port) throws Exception {
        Path out = dir.resolve(script.getFileName() + "-" + port + ".out");
        Process p = new ProcessBuilder(interpreter, script.toString(), Integer.toString(port)).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError(script.getFileName() + " did not finish");
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), script.getFileName() + " (Debian's package): " + text);
        return text;
    }
}
