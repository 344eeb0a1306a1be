package org.bastion.cli.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bastion snapshot inspect|verify}: the fixture's header and counts; a damaged file exits 65 with the reason. */
class SnapshotCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        // Every call names the subcommand, as on the command line; the command itself gets what follows it.
        return SnapshotCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private Path fixture() throws Exception {
        Path file = dir.resolve("f.snap");
        try (InputStream in = getClass().getResourceAsStream("/snapshots/format-1.snap")) {
            Files.copy(in, file);
        }
        return file;
    }

    @Test
    void inspectShowsHeaderCountsAndExpirySpread() throws Exception {
        assertEquals(0, run("snapshot", "inspect", fixture().toString()), err.toString());
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("format          1"), text);
        assertTrue(text.contains("written by      Bastion 0.1.0-SNAPSHOT"), text);
        assertTrue(text.contains("items           6"), text);
        assertTrue(text.matches("(?s).*never +4.*>= 30 days +2.*"), text);
    }

    @Test
    void verifyIsOneLineAndADamagedFileExits65() throws Exception {
        Path file = fixture();
        assertEquals(0, run("snapshot", "verify", file.toString()));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("OK " + file + ": 6 items"), out.toString());
        byte[] bytes = Files.readAllBytes(file);
        bytes[60] ^= 1;
        Files.write(file, bytes);
        assertEquals(65, run("snapshot", "verify", file.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("CRC32C"), err.toString());
        assertEquals(64, run("snapshot", "show", file.toString()));
        assertEquals(65, run("snapshot", "verify", dir.resolve("missing").toString()));
    }
}
