package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code java -jar bastion.jar audit ...} as an operator runs it. */
class AuditIT {
    @Test
    void theShippedConfigurationIsClean() throws Exception {
        Jar.Run run = Jar.run("audit", "@" + Jar.configDir().resolve("bastion.conf"));
        boolean accountHere = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/etc/passwd")).stream()
                .anyMatch(l -> l.startsWith("bastion:"));
        if (accountHere) {
            assertEquals(0, run.exit(), run.out() + run.err());
            assertTrue(run.out().endsWith("bastion audit: no findings\n"), run.out());
        } else {
            // The shipped files expect a `bastion` system account (docs/operations.md); on a host without one, that is
            // the one finding, and it is about the host, not the configuration.
            assertEquals(1, run.exit(), run.out() + run.err());
            assertTrue(run.out().contains("HIGH    user: -u bastion: no such account in /etc/passwd"), run.out());
            assertEquals(1, run.out().lines().filter(l -> l.startsWith("HIGH") || l.startsWith("MEDIUM")
                    || l.startsWith("LOW")).count(), run.out());
        }
    }

    @Test
    void anExposedConfigurationHasFindingsAndExitsOne() throws Exception {
        Jar.Run run = Jar.run("audit", "-l", "0.0.0.0", "--allow", "0.0.0.0/0", "-A", "-u", "root");
        assertEquals(1, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("HIGH    allow: --allow 0.0.0.0/0 admits every source address"), run.out());
        assertTrue(run.out().contains("HIGH    shutdown:"), run.out());
    }

    @Test
    void aRefusedConfigurationExitsSixtyFour() throws Exception {
        Jar.Run run = Jar.run("audit", "-U", "11211");
        assertEquals(64, run.exit());
        assertTrue(run.err().startsWith("bastion audit: refused: -U/--udp-port:"), run.err());
    }

    @Test
    void probeOfARunningBastion() throws Exception {
        try (Jar.Server server = new Jar.Server("-u", "nobody", "-p", "0", "-F", "-X")) {
            Jar.Run run = Jar.run("audit", "--probe", "127.0.0.1:" + server.port);
            assertEquals(1, run.exit(), run.err());
            assertTrue(run.out().contains("answers as memcached 1.6.18"), run.out());
            assertTrue(!run.out().contains("flush_all:") && !run.out().contains("udp:"), run.out());
        }
    }
}
