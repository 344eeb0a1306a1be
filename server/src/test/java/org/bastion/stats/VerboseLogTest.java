package org.bastion.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** memcached's {@code -vv} lines, the level switch, and the bound on how much a flood can write. */
class VerboseLogTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void logsConnectionsProtocolsAndCommandsAsMemcachedDoesAtVv() {
        VerboseLog log = new VerboseLog(2, () -> out);
        log.opened(24);
        log.protocol(24, false);
        byte[] line = "get a".getBytes(StandardCharsets.ISO_8859_1);
        log.command(24, line, line.length);
        log.closed(24);
        assertEquals(List.of("<24 new auto-negotiating client connection", "24: Client using the ascii protocol",
                "<24 get a", "<24 connection closed."), lines());
    }

    @Test
    void controlBytesInACommandCannotForgeOrGarbleLogLines() {
        // Found from outside: a client's bare CR and terminal escapes went to the log raw.
        VerboseLog log = new VerboseLog(2, () -> out);
        byte[] line = "get a\r<99 forged\u001b[2J\u007f".getBytes(StandardCharsets.ISO_8859_1);
        log.command(7, line, line.length);
        assertEquals(List.of("<7 get a\\x0d<99 forged\\x1b[2J\\x7f"), lines());
    }

    @Test
    void belowVvNothingIsWrittenAndTheLevelChangesWhileRunning() {
        VerboseLog log = new VerboseLog(1, () -> out);
        log.opened(1);
        assertEquals(List.of(), lines());
        log.level(2);
        log.opened(2);
        assertEquals(List.of("<2 new auto-negotiating client connection"), lines());
    }

    @Test
    void aFloodIsCutAtTheLineBudgetAndLongLinesAreCut() {
        VerboseLog log = new VerboseLog(2, () -> out);
        byte[] huge = "get ".concat("k".repeat(100_000)).getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < 5 * VerboseLog.LINES_PER_SECOND; i++) {
            log.command(7, huge, huge.length);
        }
        List<String> written = lines();
        assertTrue(written.size() <= VerboseLog.LINES_PER_SECOND * 2, written.size() + " lines");
        assertTrue(written.stream().allMatch(l -> l.length() <= VerboseLog.MAX_LINE + 4), "lines are cut");
    }
}
