package org.bastion.protocol.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bastion.command.Command;
import org.bastion.command.Command.Delta;
import org.bastion.command.Command.Write;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.stats.Stats;
import org.bastion.store.Key;
import org.bastion.store.Store.Mode;
import org.bastion.testing.RecordingExecutor;
import org.junit.jupiter.api.Test;

/** The text translator's parsing, seen as the {@link Command}s it hands the executor. */
class TextCommandsTest {
    private final RecordingExecutor executor = new RecordingExecutor(1024);
    private final EmbeddedChannel channel = new EmbeddedChannel(
            new TextProtocolHandler(executor, new Stats(), new SecurityLog(), Session.local()));

    private List<Command> commands(String input) {
        channel.writeInbound(Unpooled.copiedBuffer(input, StandardCharsets.ISO_8859_1));
        return executor.take();
    }

    private static Command.Get get(String key) {
        return new Command.Get().read(Key.of(key));
    }

    private static Command.Get gat(String key, long exptime) {
        return new Command.Get().touch(Key.of(key), exptime);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void storageCommands() {
        assertEquals(List.of(Write.of(Mode.SET, Key.of("k"), 5, 10, ascii("abc"), 0, true)),
                commands("set k 5 10 3\r\nabc\r\n"));
        assertEquals(List.of(Write.of(Mode.ADD, Key.of("k"), 0, 0, ascii("a"), 0, false),
                Write.of(Mode.REPLACE, Key.of("k"), 1, 2, ascii("bc"), 0, false),
                Write.of(Mode.APPEND, Key.of("k"), 0, 0, ascii("d"), 0, false),
                Write.of(Mode.PREPEND, Key.of("k"), 0, 0, ascii("e"), 0, false)),
                commands("add k 0 0 1\r\na\r\nreplace k 1 2 2\r\nbc\r\nappend k 0 0 1\r\nd\r\n"
                        + "prepend k 0 0 1 noreply\r\ne\r\n"));
        assertEquals(List.of(Write.of(Mode.CAS, Key.of("k"), 3, 0, ascii("xy"), 77, false)),
                commands("cas k 3 0 2 77\r\nxy\r\n"));
    }

    @Test
    void aValueOverTheLimitArrivesWithoutItsBytes() {
        assertEquals(List.of(Write.oversized(Mode.SET, Key.of("big"), 2000, true)),
                commands("set big 0 0 2000\r\n" + "x".repeat(2000) + "\r\n"));
        assertEquals(List.of(Write.oversized(Mode.ADD, Key.of("big"), 2000, false)),
                commands("add big 0 0 2000\r\n" + "x".repeat(2000) + "\r\n"));
    }

    @Test
    void retrievalCommandsAreOneGetPerKey() {
        assertEquals(List.of(get("a"), get("b")), commands("get a b\r\n"));
        assertEquals(List.of(get("a")), commands("gets a\r\n"));
        assertEquals(List.of(gat("a", 30), gat("b", 30)), commands("gat 30 a b\r\n"));
        assertEquals(List.of(gat("a", 5)), commands("gats 5 a\r\n"));
    }

    /** Deltas are unsigned 64-bit: 2^64-1 is the long -1. */
    @Test
    void deleteDeltaAndTouch() {
        assertEquals(List.of(Command.Delete.of(Key.of("k"), 0)), commands("delete k\r\n"));
        assertEquals(List.of(Delta.of(Key.of("n"), true, 5), Delta.of(Key.of("n"), false, -1L)),
                commands("incr n 5\r\ndecr n 18446744073709551615\r\n"));
        assertEquals(List.of(new Command.Touch(Key.of("k"), 100)), commands("touch k 100\r\n"));
    }

    @Test
    void serverWideCommands() {
        assertEquals(List.of(new Command.Flush(0), new Command.Flush(60)), commands("flush_all\r\nflush_all 60\r\n"));
        assertEquals(List.of(new Command.Verbosity(1)), commands("verbosity 1\r\n"));
        assertEquals(List.of(new Command.Shutdown()), commands("shutdown\r\n"));
    }

    @Test
    void stats() {
        assertEquals(List.of(new Command.Stats("", null, null)), commands("stats\r\n"));
    }

    @Test
    void malformedCommandsReachNoExecutor() {
        assertEquals(List.of(), commands("set k 0 0\r\nget\r\nincr n x\r\nbogus\r\n"));
    }
}
