package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidFileTest {
    @TempDir
    Path dir;

    @Test
    void writesThePidAndRemovesItOnExit() throws Exception {
        Path path = dir.resolve("bastion.pid");
        PidFile pid = PidFile.write(path, 4242);
        assertEquals("4242\n", Files.readString(path));
        pid.remove();
        assertFalse(Files.exists(path));
        pid.remove(); // twice (signal, then shutdown hook) is fine
    }

    @Test
    void replacesAStaleFile() throws Exception {
        Path path = dir.resolve("bastion.pid");
        Files.writeString(path, "1\n");
        PidFile.write(path, 4242);
        assertEquals("4242\n", Files.readString(path));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void leavesAFileThatAnotherProcessTookOver() throws Exception {
        Path path = dir.resolve("bastion.pid");
        PidFile pid = PidFile.write(path, 4242);
        Files.writeString(path, "777\n");
        pid.remove();
        assertTrue(Files.exists(path));
    }

    @Test
    void anUnwritableDirectoryNamesTheFlag() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PidFile.write(dir.resolve("missing/bastion.pid"), 1));
        assertTrue(e.getMessage().startsWith("-P/--pidfile: cannot write"), e.getMessage());
    }
}
