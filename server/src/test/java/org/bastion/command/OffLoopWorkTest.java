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
 * Slow work runs off the event loop: with an off-loop executor, a text ({@code -Y}) or SASL PLAIN login, and a
 * {@code stats} group that walks the whole store, are answered only once their work has run elsewhere; the
 * connection's later requests wait behind them and are answered after them, in order, and nothing is answered on the
 * event loop meanwhile. The executor here is a queue the test runs by hand.
 */
class OffLoopWorkTest {
    private static final byte[] SASL_PLAIN_ALICE = "\0alice\0pw".getBytes(StandardCharsets.US_ASCII);

    /** Holds submitted checks until the test runs them. */
    private static final class HeldChecks implements Executor {
        final Queue<Runnable> held = new ArrayDeque<>();
        /** The queue is full: work is refused, as the server's bounded slow-work executor refuses it. */
        boolean full;

        @Override
        public void execute(Runnable check) {
            if (full) {
                throw new java.util.concurrent.RejectedExecutionException("full (test)");
            }
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
    private Session session;

    private EmbeddedChannel connection() {
        Users users = Users.parse(Path.of("users"),
                ("alice:" + PasswordHash.hash("pw".toCharArray(), 1000) + "\n").getBytes(StandardCharsets.UTF_8));
        Store store = new Store(settings.memoryLimitBytes(), false, settings.maxItemSize(), new ManualClock(), stats);
        CommandExecutor exec = new CommandExecutor(store, stats, settings, new TestServers.FakeControl(), securityLog,
                new Authenticator(users, new LoginThrottle()), checks);
        session = new Session(new InetSocketAddress("127.0.0.1", 40000), null, false, true);
        ConnectionLimits limits = new ConnectionLimits(10, 0, stats.currConnections);
        Pipeline pipeline = new Pipeline(settings, exec, stats, securityLog, new SourcePolicy(settings), limits);
        return new EmbeddedChannel(pipeline.detector(session));
    }

    /** Everything written so far, binary responses back to back. */
    private static ByteBuf binary(EmbeddedChannel ch) {
        ByteBuf out = Unpooled.buffer();
        for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
            out.writeBytes(b);
            b.release();
        }
        return out;
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
    void aLoginThatCannotBeQueuedIsATemporaryFailureNotAWrongPassword() {
        // Found from outside: with the check queue full of other sources' logins, a correct password was answered
        // "authentication failure" and counted in auth_errors.
        EmbeddedChannel ch = connection();
        checks.full = true;
        ch.writeInbound(Unpooled.copiedBuffer("set x 0 0 8\r\nalice pw\r\n", StandardCharsets.US_ASCII));
        ch.runPendingTasks();
        assertEquals("SERVER_ERROR temporary failure: too many logins waiting\r\n", text(ch));
        assertEquals(0, stats.authErrors.sum(), "no password was found wrong");
        assertTrue(ch.isOpen());
        checks.full = false;
        ch.writeInbound(Unpooled.copiedBuffer("set x 0 0 8\r\nalice pw\r\nversion\r\n", StandardCharsets.US_ASCII));
        checks.runAll();
        ch.runPendingTasks();
        assertTrue(text(ch).startsWith("STORED\r\nVERSION "), "the same login, tried again, succeeds");
        ch.finishAndReleaseAll();

        EmbeddedChannel bin = connection();
        checks.full = true;
        ByteBuf sasl = Unpooled.buffer();
        sasl.writeBytes(request(0x21, "PLAIN", SASL_PLAIN_ALICE, 7));
        bin.writeInbound(sasl);
        bin.runPendingTasks();
        ByteBuf reply = binary(bin);
        assertEquals(0x0086, reply.getUnsignedShort(6), "binary: memcached's Temporary failure");
        assertEquals(0, stats.authErrors.sum());
        reply.release();
        bin.finishAndReleaseAll();
    }

    @Test
    void aCheckForAConnectionThatHasGoneIsSkipped() {
        EmbeddedChannel ch = connection();
        ch.writeInbound(Unpooled.copiedBuffer("set x 0 0 9\r\nalice bad\r\n", StandardCharsets.US_ASCII));
        ch.runPendingTasks();
        session.gone();
        checks.runAll();
        assertEquals(0, stats.authErrors.sum(), "the wrong password was never checked, so never counted");
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
        ByteBuf out = binary(ch);
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

    @Test
    void aStoreWalkingStatsGroupIsAnsweredAfterItRunsAndBeforeWhatFollows() {
        EmbeddedChannel ch = connection();
        ch.writeInbound(Unpooled.copiedBuffer("set x 0 0 8\r\nalice pw\r\n", StandardCharsets.US_ASCII));
        checks.runAll();
        ch.runPendingTasks();
        assertEquals("STORED\r\n", text(ch), "logged in");
        ch.writeInbound(Unpooled.copiedBuffer("set k 0 0 1\r\nv\r\nstats items\r\nversion\r\n",
                StandardCharsets.US_ASCII));
        ch.runPendingTasks();
        assertEquals("STORED\r\n", text(ch), "the set before it is answered; the walk waits");
        assertEquals(1, checks.held.size(), "the walk was handed to the executor");
        checks.runAll();
        ch.runPendingTasks();
        String reply = text(ch);
        assertTrue(reply.startsWith("STAT items:1:number 1\r\n"), reply);
        assertTrue(reply.endsWith("END\r\nVERSION 1.6.18\r\n"), reply);
        ch.finishAndReleaseAll();
    }

    @Test
    void binaryStatsItemsIsAnsweredAfterItRuns() {
        EmbeddedChannel ch = connection();
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(request(0x21, "PLAIN", SASL_PLAIN_ALICE, 7));
        in.writeBytes(request(0x10, "items", new byte[0], 9)); // stat items
        in.writeBytes(request(0x0a, "", new byte[0], 10)); // noop
        ch.writeInbound(in);
        checks.runAll(); // the login
        ch.runPendingTasks();
        assertEquals(1, checks.held.size(), "the walk was handed to the executor after the login");
        checks.runAll();
        ch.runPendingTasks();
        ByteBuf out = binary(ch);
        int at = 0;
        java.util.List<Integer> opaques = new java.util.ArrayList<>();
        while (at < out.readableBytes()) {
            opaques.add(out.getInt(at + 12));
            at += 24 + out.getInt(at + 8);
        }
        assertEquals(7, opaques.get(0), "the login first");
        assertEquals(10, opaques.get(opaques.size() - 1), "the noop last");
        assertTrue(opaques.subList(1, opaques.size() - 1).stream().allMatch(o -> o == 9), opaques.toString());
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
