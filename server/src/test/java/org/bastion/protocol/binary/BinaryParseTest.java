package org.bastion.protocol.binary;

import static org.bastion.testing.BinaryFrames.incrExtras;
import static org.bastion.testing.BinaryFrames.int32;
import static org.bastion.testing.BinaryFrames.request;
import static org.bastion.testing.BinaryFrames.set;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bastion.command.Command;
import org.bastion.command.Command.Delta;
import org.bastion.command.Command.Write;
import org.bastion.policy.Session;
import org.bastion.stats.Stats;
import org.bastion.store.Key;
import org.bastion.store.Store.Mode;
import org.bastion.testing.RecordingExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The binary translator's parsing, seen as the {@link Command}s it hands the executor. */
class BinaryParseTest {
    private final RecordingExecutor executor = new RecordingExecutor(1024);
    private final EmbeddedChannel channel = channel();

    private EmbeddedChannel channel() {
        BinaryProtocol.Stages s = BinaryProtocol.stages(executor, new Stats(), Session.local(), 1024);
        return new EmbeddedChannel(s.all());
    }

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    private List<Command> commands(byte[] frame) {
        channel.writeInbound(Unpooled.wrappedBuffer(frame));
        return executor.take();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void storageOpcodesBecomeWrites() {
        assertEquals(List.of(Write.of(Mode.SET, Key.of("k"), 5, 10, ascii("abc"), 0, true)),
                commands(set(0x01, "k", 5, 10, "abc", 0)));
        assertEquals(List.of(Write.of(Mode.CAS, Key.of("k"), 5, 10, ascii("abc"), 42, true)),
                commands(set(0x01, "k", 5, 10, "abc", 42)), "a CAS in the header: compare-and-swap, still a set");
        assertEquals(List.of(Write.of(Mode.ADD, Key.of("k"), 0, 0, ascii("a"), 0, false)),
                commands(set(0x02, "k", 0, 0, "a", 0)));
        assertEquals(List.of(Write.of(Mode.APPEND, Key.of("k"), 0, 0, ascii("z"), 0, false)),
                commands(request(0x0e, "k", new byte[0], ascii("z"))));
        assertEquals(List.of(Write.oversized(Mode.SET, Key.of("big"), 2000, true)),
                commands(set(0x01, "big", 0, 0, "x".repeat(2000), 0)), "the value's bytes were dropped unread");
    }

    @Test
    void otherOpcodesBecomeTheirCommands() {
        assertEquals(List.of(new Command.Get().read(Key.of("k"))), commands(request(0x00, "k")));
        assertEquals(List.of(new Command.Get().touch(Key.of("k"), 30)),
                commands(request(0x1d, "k", int32(30), new byte[0])));
        assertEquals(List.of(new Command.Touch(Key.of("k"), 30)),
                commands(request(0x1c, "k", int32(30), new byte[0])));
        assertEquals(List.of(Command.Delete.of(Key.of("k"), 0)), commands(request(0x04, "k")));
        assertEquals(List.of(new Delta(Key.of("n"), true, 3, 0, Delta.OnMiss.ADD, 7, 60, false, 0, 0)),
                commands(request(0x05, "n", incrExtras(3, 7, 60), new byte[0])));
        assertEquals(List.of(new Delta(Key.of("n"), false, 3, 0, Delta.OnMiss.ANSWER, 7, 0xFFFF_FFFFL, false, 0, 0)),
                commands(request(0x06, "n", incrExtras(3, 7, -1), new byte[0])),
                "expiry 0xffffffff: a miss is answered, not created");
        assertEquals(List.of(new Command.Flush(0)), commands(request(0x08, "")));
        assertEquals(List.of(), commands(request(0x04, "", new byte[0], new byte[0])),
                "a malformed frame is answered before the executor");
    }
}
