package org.bastion.protocol.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bastion.command.Command;
import org.bastion.command.Command.Delete;
import org.bastion.command.Command.Delta;
import org.bastion.command.Command.Write;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.stats.Stats;
import org.bastion.store.Key;
import org.bastion.store.Store.Mode;
import org.bastion.testing.RecordingExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The meta translator's parsing, seen as the {@link Command}s it hands the executor. */
class MetaParseTest {
    private final RecordingExecutor executor = new RecordingExecutor(1024);
    private final EmbeddedChannel channel = new EmbeddedChannel(
            new TextProtocolHandler(executor, new Stats(), new SecurityLog(), Session.local()));

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    private List<Command> commands(String input) {
        channel.writeInbound(Unpooled.copiedBuffer(input, StandardCharsets.ISO_8859_1));
        return executor.take();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void msBecomesAWriteWithItsModeFlagsAndTtl() {
        assertEquals(List.of(new Write(Mode.SET, Key.of("k"), 5, 10, 3, ascii("abc"), 0, 0, false, false, true)),
                commands("ms k 3 T10 F5\r\nabc\r\n"));
        assertEquals(List.of(new Write(Mode.APPEND, Key.of("k"), 0, 0, 1, ascii("a"), 0, 0, false, false, true),
                new Write(Mode.ADD, Key.of("k"), 0, 0, 1, ascii("b"), 0, 0, false, false, true)),
                commands("ms k 1 MA\r\na\r\nms k 1 ME\r\nb\r\n"));
        assertEquals(List.of(new Write(Mode.CAS, Key.of("k"), 0, 0, 2, ascii("xy"), 9, 0, false, false, true)),
                commands("ms k 2 C9\r\nxy\r\n"), "a CAS turns a set into a compare-and-swap");
        assertEquals(List.of(Write.oversized(Mode.SET, Key.of("big"), 2000, true)),
                commands("ms big 2000\r\n" + "x".repeat(2000) + "\r\n"), "an oversized value is never buffered");
        assertEquals(List.of(), commands("ms k 1 MX\r\na\r\n"), "a bad mode is answered before the executor");
    }

    @Test
    void mdBecomesAMetaDelete() {
        assertEquals(List.of(new Delete(Key.of("k"), true, false, 0, false, false, false, 0, 0)),
                commands("md k\r\n"));
        assertEquals(List.of(new Delete(Key.of("k"), true, true, 5, true, false, true, 30, 0)),
                commands("md k C5 I T30\r\n"));
        assertEquals(List.of(new Delete(Key.of("k"), true, false, 0, false, false, false, 30, 0)),
                commands("md k T30\r\n"),
                "T alone does not apply (memcached applies it only with I)");
    }

    @Test
    void maBecomesADeltaThatMayCreate() {
        assertEquals(List.of(new Delta(Key.of("n"), true, 1, 0, Delta.OnMiss.ANSWER, 0, 0, false, 0, 0)),
                commands("ma n\r\n"));
        assertEquals(List.of(new Delta(Key.of("n"), false, 5, 0, Delta.OnMiss.ANSWER, 0, 0, false, 0, 0)),
                commands("ma n MD D5\r\n"));
        assertEquals(List.of(new Delta(Key.of("n"), true, 1, 0, Delta.OnMiss.VIVIFY, 7, 30, false, 0, 0)),
                commands("ma n N30 J7\r\n"));
    }

    @Test
    void mgBecomesAMetaGetThatWritesOnlyWithNOrT() {
        Command.MetaGet read = assertInstanceOf(Command.MetaGet.class, commands("mg k v c\r\n").get(0));
        assertEquals(Key.of("k"), read.key());
        assertFalse(read.writes());
        Command.MetaGet touch = assertInstanceOf(Command.MetaGet.class, commands("mg k T30\r\n").get(0));
        assertTrue(touch.writes());
        assertEquals(30, touch.options().newDeadline(), "deadlines are the exptime under the recording executor");
        assertTrue(assertInstanceOf(Command.MetaGet.class, commands("mg k N30\r\n").get(0)).writes());
        assertEquals(List.of(new Command.Debug(Key.of("k"))), commands("me k\r\n"));
    }
}
