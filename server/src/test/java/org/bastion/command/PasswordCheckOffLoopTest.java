package org.bastion.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import org.bastion.auth.Authenticator;
import org.bastion.auth.LoginThrottle;
import org.bastion.auth.PasswordHash;
import org.bastion.auth.Users;
import org.bastion.config.Settings;
import org.bastion.policy.ConnectionLimits;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.policy.SourcePolicy;
import org.bastion.stats.Stats;
import org.bastion.store.ManualClock;
import org.bastion.store.Store;
import org.bastion.testing.TestServers;
import org.bastion.transport.Pipeline;
import org.junit.jupiter.api.Test;

/**
 * Password checks run off the event loop: with a verifier, a text ({@code -Y}) or SASL PLAIN login is answered only
 * once its check has run elsewhere, the connection's later requests wait behind it and are answered after it, in
 * order, and nothing is answered on the event loop meanwhile. The verifier here is a queue the test runs by hand.
 */
class PasswordCheckOffLoopTest {
    private static final byte[] SASL_PLAIN_ALICE = "\0alice\0pw".getBytes(StandardCharsets.US_ASCII);

    /** Holds submitted checks until the test runs them. */
    private static final class HeldChecks implements Executor {
        final Queue<Runnable> held = new ArrayDeque<>();

        @Override
        public void execute(Runnable check) {
            held.add(check);
        }

        void runAll() {
            for (Runnable r = held.poll(); r != null; r = held.poll()) {
                r.run();
            }
        }
    }

    private final HeldChecks checks = new HeldChecks();
    private final Settings settings = Settings.builder().threads(1).usersFile(Path.of("users")).build();
    private final Stats stats = new Stats();
    private final SecurityLog securityLog = new SecurityLog();

    private EmbeddedChannel connection() {
        Users users = Users.parse(Path.of("users"),
                ("alice:" + PasswordHash.hash("pw".toCharArray(), 1000) + "\n").getBytes(StandardCharsets.UTF_8));
        Store store = new Store(settings.memoryLimitBytes(), false, settings.maxItemSize(), new ManualClock(), stats);
        CommandExecutor exec = new CommandExecutor(store, stats, settings, new TestServers.FakeControl(), securityLog,
                new Authenticator(users, new LoginThrottle()), checks);
        Session session = new Session(new InetSocketAddress("127.0.0.1", 40000), null, false, true);
        ConnectionLimits limits = new ConnectionLimits(10, 0, stats.currConnections);
        Pipeline pipeline = new Pipeline(settings, exec, stats, securityLog, new SourcePolicy(settings), limits);
        return new EmbeddedChannel(pipeline.detector(session));
    }

    private static String text(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
            sb.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void textLoginIsAnsweredAfterItsCheckAndBeforeWhatFollows() {
        EmbeddedChannel ch = connection();
        ch.writeInbound(Unpooled.copiedBuffer("set x 0 0 8\r\nalice pw\r\nset k 0 0 1\r\nv\r\nget k\r\n",
                StandardCharsets.US_ASCII));
        ch.runPendingTasks();
        assertEquals("", text(ch), "nothing answered before the check ran");
        assertEquals(1, checks.held.size(), "the check was handed to the verifier");

        checks.runAll();
        ch.runPendingTasks();
        assertEquals("STORED\r\nSTORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n", text(ch));
        assertTrue(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void aWrongPasswordFailsAfterItsCheckAndTheConnectionGoesOn() {
        EmbeddedChannel ch = connection();
        ch.writeInbound(Unpooled.copiedBuffer("set x 0 0 9\r\nalice bad\r\nversion\r\n", StandardCharsets.US_ASCII));
        ch.runPendingTasks();
        assertEquals("", text(ch));
        checks.runAll();
        ch.runPendingTasks();
        assertEquals("CLIENT_ERROR authentication failure\r\nCLIENT_ERROR unauthenticated\r\n", text(ch));
        assertEquals(1, stats.authErrors.sum());
        ch.finishAndReleaseAll();
    }

    @Test
    void binaryPlainIsAnsweredAfterItsCheckAndBeforeWhatFollows() {
        EmbeddedChannel ch = connection();
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(request(0x21, "PLAIN", SASL_PLAIN_ALICE, 7));
        in.writeBytes(request(0x0a, "", new byte[0], 8)); // noop
        ch.writeInbound(in);
        ch.runPendingTasks();
        assertNull(ch.readOutbound(), "nothing answered before the check ran");
        assertEquals(1, checks.held.size());

        checks.runAll();
        ch.runPendingTasks();
        ByteBuf out = Unpooled.buffer();
        for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
            out.writeBytes(b);
            b.release();
        }
        assertEquals(0x21, out.getUnsignedByte(1), "the SASL reply first");
        assertEquals(0, out.getUnsignedShort(6), "authenticated");
        assertEquals(7, out.getInt(12), "its opaque");
        int next = 24 + out.getInt(8);
        assertEquals(0x0a, out.getUnsignedByte(next + 1), "then the noop behind it");
        assertEquals(8, out.getInt(next + 12));
        assertEquals(next + 24, out.readableBytes(), "and nothing else");
        assertTrue(checks.held.isEmpty());
        ch.finishAndReleaseAll();
    }

    private static byte[] request(int opcode, String key, byte[] value, int opaque) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = Unpooled.buffer();
        b.writeByte(0x80).writeByte(opcode).writeShort(k.length).writeByte(0).writeByte(0).writeShort(0)
                .writeInt(k.length + value.length).writeInt(opaque).writeLong(0).writeBytes(k).writeBytes(value);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        return bytes;
    }
}
