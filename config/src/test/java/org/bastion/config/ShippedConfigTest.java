package org.bastion.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files shipped in {@code config/}: the example configuration and the systemd unit. */
class ShippedConfigTest {
    /** Surefire runs with the module directory as working directory, where the shipped files live. */
    private static final Path CONF = Path.of("bastion.conf");
    private static final Path UNIT = Path.of("bastion.service");

    @Test
    void theExampleConfigurationParsesAsAnAtFile() {
        Flags.Parsed parsed = Flags.parse("@" + CONF);
        Settings s = parsed.settings();
        assertEquals(List.of("127.0.0.1"), s.listen());
        assertEquals(11222, s.port());
        assertEquals("bastion", s.user());
        assertEquals(64, s.maxConnectionsPerSource());
        assertEquals(600, s.idleTimeoutSeconds());
        assertTrue(s.dumpingDisabled());
        assertFalse(s.shutdownEnabled());
        assertEquals(List.of(), parsed.warnings());
    }

    @Test
    void theExampleConfigurationAuditsClean() {
        Settings s = Flags.parse("@" + CONF).settings();
        assertEquals(List.of(), Audit.configuration(s, true), "as root");
        assertEquals(List.of(), Audit.configuration(s, false), "as the service user");
    }

    @Test
    void everyFlagInTheConfigurationHasACommentAboveIt() throws IOException {
        boolean commented = false;
        for (String line : Files.readAllLines(CONF)) {
            if (line.startsWith("#")) {
                commented = true;
            } else if (line.isBlank()) {
                commented = false;
            } else {
                assertTrue(commented, "no comment explains: " + line);
            }
        }
    }

    @Test
    void theUnitHasTheHardeningDirectives() throws IOException {
        List<String> lines = Files.readAllLines(UNIT);
        for (String directive : new String[] {"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
                "PrivateTmp=yes", "CapabilityBoundingSet=", "User=bastion",
                "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"}) {
            assertTrue(lines.contains(directive), directive);
        }
        String exec = lines.stream().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        assertTrue(exec.endsWith("@/etc/bastion.conf"), exec);
        assertFalse(exec.contains(" -d") || exec.contains(" -u"), "systemd supervises the foreground process as User=");
        assertFalse(lines.stream().anyMatch(l -> l.startsWith("MemoryDenyWriteExecute=")), "the JIT needs W+X memory");
    }

    /** Under ProtectSystem=strict a snapshot needs a writable directory: the unit's state directory, in the conf. */
    @Test
    void theSnapshotLineOfTheConfigurationWritesToTheUnitsStateDirectory() throws IOException {
        assertTrue(Files.readAllLines(UNIT).contains("StateDirectory=bastion"));
        String line = Files.readAllLines(CONF).stream().filter(l -> l.startsWith("#--snapshot-file ")).findFirst()
                .orElseThrow();
        String file = line.substring("#--snapshot-file ".length());
        assertTrue(file.startsWith("/var/lib/bastion/"), file);
        Flags.Parsed uncommented = Flags.parse("@" + CONF, "--snapshot-file", file, "--snapshot-interval", "3600");
        assertEquals(Path.of(file), uncommented.settings().snapshotFile());
    }

    @Test
    void systemdAcceptsTheUnitWhereItCanCheck(@TempDir Path dir) throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        if (!Files.isExecutable(analyze)) {
            // Without systemd there is nothing further to ask; the directive test above still holds.
            assertTrue(Files.readString(UNIT).contains("[Service]"));
            return;
        }
        String unit = Files.readString(UNIT);
        if (!Files.isExecutable(Path.of("/usr/bin/java"))) {
            // verify checks that ExecStart's binary exists; point it at this JVM's where /usr/bin/java is absent.
            unit = unit.replace("/usr/bin/java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        }
        Path copy = dir.resolve("bastion.service");
        Files.writeString(copy, unit);
        List<String> cmd = new ArrayList<>(List.of(analyze.toString(), "verify", copy.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        // verify exits 0 on unknown keys and bad values but prints them: any line about our file is a defect.
        assertFalse(output.contains("bastion.service"), output);
    }

    /** The heap follows -m in the conf file: a -Xmx in the unit would drift from it (issue 11). */
    @Test
    void theUnitDoesNotHardCodeAHeap() throws Exception {
        String exec = Files.readString(UNIT).lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
        assertFalse(exec.contains("-Xmx"), exec);
        assertFalse(exec.contains("-Xms"), exec);
    }
}
