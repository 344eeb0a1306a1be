package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The heap {@code -m} needs, and exit on OutOfMemoryError, however the jar is started (issue 11). */
class HeapIT {
    @Test
    void anExplicitHeapTooSmallForMIsRefusedInOneLine() throws Exception {
        String[] args = {"-m", "1024", "-p", "0", "-u", "nobody"};
        Jar.Run run = Jar.run(Jar.builder(List.of("-Xmx64m"), args), args);
        assertEquals(64, run.exit(), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(run.err().startsWith("bastion: -m/--memory-limit: -m 1024 needs 1600 MB of heap but the JVM was"
                + " given 64 MB: start java with -Xmx1600m"), run.err());
        assertEquals("", run.out());
    }

    @Test
    void aDefaultHeapTooSmallIsSizedFromMAndTheJvmExitsOnOutOfMemory() throws Exception {
        // MaxRAM=512m gives an ergonomic heap of 128 MB: the JVM chose it, so Bastion may size it.
        String[] args = {"-m", "256", "-p", "0", "-u", "nobody"};
        try (Jar.Server server = new Jar.Server(Jar.builder(List.of("-XX:MaxRAM=512m"), args), args)) {
            assertEquals("VERSION 1.6.18", Jar.version(server.port));
            List<String> cmd = Jar.commandLine(server.pid()); // same pid: the process replaced itself
            assertTrue(cmd.contains("-Xmx448m"), cmd.toString());
            assertTrue(cmd.contains("-XX:+ExitOnOutOfMemoryError"), cmd.toString());
            assertEquals(0, server.terminate());
        }
    }

    @Test
    void theReadmeCommandExitsOnOutOfMemoryWithTheHeapItHas() throws Exception {
        String[] args = {"-p", "0", "-u", "nobody"};
        try (Jar.Server server = new Jar.Server(Jar.builder(List.of(), args), args)) {
            List<String> cmd = Jar.commandLine(server.pid());
            assertTrue(cmd.contains("-XX:+ExitOnOutOfMemoryError"), cmd.toString());
            assertFalse(cmd.stream().anyMatch(o -> o.startsWith("-Xmx")), "a large enough default heap is kept");
            assertEquals(0, server.terminate());
        }
    }

    @Test
    void aJvmAlreadyExitingOnOutOfMemoryIsNotRestarted() throws Exception {
        String[] args = {"-p", "0", "-u", "nobody"};
        try (Jar.Server server = new Jar.Server(Jar.builder(List.of("-Xmx160m", "-XX:+ExitOnOutOfMemoryError"),
                args), args)) {
            List<String> cmd = Jar.commandLine(server.pid());
            assertTrue(cmd.contains("-jar"), "still the command the user typed: " + cmd);
            assertEquals(0, server.terminate());
        }
    }

    /**
     * A cache of 1 GB or more on the JVM's default collector is relaunched with Shenandoah where the JVM has it
     * (Debian's OpenJDK does), and without it where not; a collector the user chose is kept.
     */
    @Test
    void aLargeCacheGetsAConcurrentCollectorUnlessOneWasChosen() throws Exception {
        boolean hasShenandoah;
        try {
            java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                    .getVMOption("UseShenandoahGC");
            hasShenandoah = true;
        } catch (IllegalArgumentException absent) {
            hasShenandoah = false;
        }
        String[] args = {"-m", "1024", "-p", "0", "-u", "nobody"};
        try (Jar.Server server = new Jar.Server(Jar.builder(List.of(), args), args)) {
            List<String> cmd = Jar.commandLine(server.pid());
            assertEquals(hasShenandoah, cmd.contains("-XX:+UseShenandoahGC"), cmd.toString());
            assertEquals("VERSION 1.6.18", Jar.version(server.port));
            assertEquals(0, server.terminate());
        }
        try (Jar.Server server = new Jar.Server(Jar.builder(List.of("-XX:+UseG1GC"), args), args)) {
            List<String> cmd = Jar.commandLine(server.pid());
            assertFalse(cmd.contains("-XX:+UseShenandoahGC"), "the user's collector is kept: " + cmd);
            assertEquals(0, server.terminate());
        }
    }
}
