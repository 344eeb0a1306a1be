package org.bastion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonTest {
    @TempDir
    Path dir;

    @Test
    void theChildIsTheSameJavaWithTheMarkerAndTheSameArguments() {
        Path status = dir.resolve("s");
        List<String> cmd = Daemon.command(new String[] {"-d", "-p", "0", "@conf"}, status);
        int main = cmd.indexOf(Main.class.getName());
        assertTrue(main > 0, cmd.toString());
        assertEquals(List.of("-d", "-p", "0", "@conf"), cmd.subList(main + 1, cmd.size()));
        assertTrue(cmd.contains("-D" + Daemon.STATUS_PROPERTY + "=" + status.toAbsolutePath()), cmd.toString());
        String classPath = cmd.get(cmd.indexOf("-cp") + 1);
        for (String part : classPath.split(java.io.File.pathSeparator)) {
            assertTrue(Path.of(part).isAbsolute(), part);
        }
        assertTrue(cmd.stream().anyMatch(c -> c.endsWith("/java")), cmd.toString());
    }

    @Test
    void readsTheChildsReport() throws Exception {
        Path status = dir.resolve("s");
        Files.writeString(status, "");
        assertNull(Daemon.read(status));
        Files.writeString(status, "READY 12");
        assertNull(Daemon.read(status), "half a line is not a report yet");
        Files.writeString(status, "READY 1234 11222\n");
        Daemon.Outcome ready = Daemon.read(status);
        assertTrue(ready.ready());
        assertEquals(1234, ready.pid());
        assertEquals(11222, ready.port());
        Files.writeString(status, "ERROR -p/--port: in use\n");
        Daemon.Outcome error = Daemon.read(status);
        assertFalse(error.ready());
        assertEquals("-p/--port: in use", error.error());
    }

    @Test
    void theChildReportsOnceThroughTheFileItOpenedAtStart() throws Exception {
        Path status = dir.resolve("s");
        Files.writeString(status, "");
        System.setProperty(Daemon.STATUS_PROPERTY, status.toString());
        try {
            assertTrue(Daemon.isChild());
            Daemon.Reporter reporter = Daemon.Reporter.open();
            reporter.ready(99, 4000);
            reporter.failed("too late"); // the channel is closed after the first report
            assertEquals("READY 99 4000\n", Files.readString(status));
        } finally {
            System.clearProperty(Daemon.STATUS_PROPERTY);
        }
        assertFalse(Daemon.isChild());
        assertNull(Daemon.Reporter.open());
    }
}
