package org.bastion.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bastion.command.Executor;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.protocol.binary.BinaryProtocol;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.stats.Stats;
import org.bastion.testing.BinaryFrames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An OutOfMemoryError met while serving a connection is not just that connection's failure: it reaches the thread's
 * uncaught-exception handler (the CLI's ends the process), whichever protocol was being served. Any other failure
 * only closes the connection.
 */
class FatalErrorEscalationTest {
    private final List<Throwable> uncaught = new ArrayList<>();
    private Thread.UncaughtExceptionHandler previous;

    @BeforeEach
    void recordUncaught() {
        previous = Thread.currentThread().getUncaughtExceptionHandler();
        Thread.currentThread().setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
    }

    @AfterEach
    void restore() {
        Thread.currentThread().setUncaughtExceptionHandler(previous);
    }

    /** An executor that fails every command with {@code failure}. */
    private static Executor throwing(Throwable failure) {
        return new Executor() {
            @Override
            public org.bastion.command.Outcome execute(Session session, org.bastion.command.Command command) {
                if (failure instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) failure;
            }

            @Override
            public int maxItemSize() {
                return 1024 * 1024;
            }

            @Override
            public long deadline(long exptime) {
                return 0;
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }
        };
    }

    @Test
    void outOfMemoryInTheTextPathReachesTheUncaughtHandlerAndClosesTheConnection() {
        OutOfMemoryError oom = new OutOfMemoryError("Cannot reserve 1048576 bytes of direct buffer memory");
        EmbeddedChannel ch = new EmbeddedChannel(
                new TextProtocolHandler(throwing(oom), new Stats(), new SecurityLog(), Session.local()));
        ch.writeInbound(Unpooled.copiedBuffer("get a\r\n", StandardCharsets.US_ASCII));
        assertEquals(List.of(oom), uncaught);
        assertFalse(ch.isActive(), "the connection whose reply could not be completed is closed");
        assertNull(ch.readOutbound(), "nothing half-written is left for the client");
    }

    @Test
    void outOfMemoryInTheBinaryPathReachesTheUncaughtHandler() {
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
        BinaryProtocol.Stages s = BinaryProtocol.stages(throwing(oom), new Stats(), Session.local(), 1024 * 1024);
        EmbeddedChannel ch = new EmbeddedChannel(s.all());
        ch.writeInbound(Unpooled.wrappedBuffer(BinaryFrames.request(0x00, "a")));
        assertEquals(List.of(oom), uncaught);
        assertFalse(ch.isActive());
    }

    @Test
    void anOrdinaryFailureOnlyClosesTheConnection() {
        EmbeddedChannel ch = new EmbeddedChannel(new TextProtocolHandler(
                throwing(new IllegalStateException("a bug, not the end of the process")), new Stats(), new SecurityLog(), Session.local()));
        ch.writeInbound(Unpooled.copiedBuffer("get a\r\n", StandardCharsets.US_ASCII));
        assertTrue(uncaught.isEmpty());
        assertFalse(ch.isActive());
    }

    @Test
    void aFatalErrorIsFoundInsideTheExceptionsThatWrapIt() {
        OutOfMemoryError oom = new OutOfMemoryError();
        assertSame(oom, Faults.fatal(new DecoderException(new RuntimeException(oom))));
        assertNull(Faults.fatal(new DecoderException("bad frame")));
        RuntimeException cyclic = new RuntimeException();
        RuntimeException other = new RuntimeException(cyclic);
        cyclic.initCause(other);
        assertNull(Faults.fatal(cyclic), "a cyclic cause chain ends the search");
    }
}
