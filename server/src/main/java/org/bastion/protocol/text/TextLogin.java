package org.bastion.protocol.text;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.bastion.command.Command;
import org.bastion.command.Executor;
import org.bastion.command.Outcome;
import org.bastion.policy.Session;
import org.bastion.protocol.Replies;
import org.bastion.protocol.ReplyBuffer;
import org.bastion.store.Numbers;

/**
 * memcached's {@code -Y} login, the only thing a text connection may do before it has logged in: every line is
 * answered {@code CLIENT_ERROR unauthenticated} except {@code set <key> <flags> <exptime> <bytes>}, whose data block
 * is {@code user password} (key, flags and exptime are ignored, so is {@code noreply}). The replies are memcached
 * 1.6.18's byte for byte, with three differences where memcached misbehaves: each pipelined line gets its own reply
 * (memcached keeps only the last of a batch), a login block over {@link #MAX_LOGIN_BYTES} is refused and the
 * connection closed (memcached waits for, or with a length near 2^31 crashes on, what it announced), and a
 * connection is closed after a few failed logins (the executor decides how many).
 */
final class TextLogin {
    /** The longest login data block accepted: a name and a password, with room to spare. */
    static final int MAX_LOGIN_BYTES = 2048;
    private static final int MAX_TOKENS = 24;

    private final Executor exec;
    private final Session session;
    private final ReplyBuffer reply;
    private final int[] starts = new int[MAX_TOKENS];
    private final int[] ends = new int[MAX_TOKENS];
    private final long[] number = new long[1];
    private int dataBytes;
    /** A login whose check runs elsewhere, or null. */
    private CompletableFuture<Outcome> waiting;

    TextLogin(Executor exec, Session session, ReplyBuffer reply) {
        this.exec = exec;
        this.session = session;
        this.reply = reply;
    }

    /** A command line before login; returns what the decoder reads next. */
    TextCommands.Next line(byte[] line, int len) {
        int n = tokenize(line, len);
        // memcached: at least five tokens, the first "set", the fifth a 32-bit length (safe_strtoul truncates).
        if (n < 5 || !is(line, 0, "set") || !Numbers.parseUnsigned(line, starts[4], ends[4], number)) {
            reply.write(Replies.UNAUTHENTICATED);
            return TextCommands.Next.LINE;
        }
        long length = number[0] & 0xFFFF_FFFFL;
        if (length > MAX_LOGIN_BYTES) {
            reply.write(Replies.BAD_AUTH_TOKEN);
            exec.execute(session, new Command.Login(Command.Login.Kind.UNSUPPORTED, new byte[0], new byte[0]));
            return TextCommands.Next.CLOSE;
        }
        dataBytes = (int) length + 2;
        return TextCommands.Next.DATA;
    }

    /** After {@link TextCommands.Next#DATA}: the block's size with its CR LF. */
    int dataBytes() {
        return dataBytes;
    }

    /**
     * The login block, whole in {@code in}; returns LINE, or CLOSE after too many failures, or WAIT while the password
     * is checked elsewhere ({@link #resume()} answers then).
     */
    TextCommands.Next data(ByteBuf in) {
        byte[] block = new byte[dataBytes];
        in.readBytes(block);
        int len = dataBytes - 2;
        if (block[len] != '\r' || block[len + 1] != '\n') {
            reply.write(Replies.BAD_LOGIN_TERMINATION);
            return TextCommands.Next.LINE;
        }
        int n = tokenize(block, len);
        if (n < 2) {
            reply.write(Replies.BAD_AUTH_TOKEN);
            return TextCommands.Next.LINE;
        }
        byte[] name = Arrays.copyOfRange(block, starts[0], ends[0]);
        byte[] password = Arrays.copyOfRange(block, starts[1], ends[1]);
        Arrays.fill(block, (byte) 0);
        Outcome outcome = exec.execute(session, new Command.Login(Command.Login.Kind.TEXT, name, password));
        Arrays.fill(password, (byte) 0);
        if (outcome instanceof Outcome.Later later) {
            waiting = later.result();
            return TextCommands.Next.WAIT;
        }
        return answer(outcome);
    }

    /** What a {@link TextCommands.Next#WAIT} from {@link #data} waits for, or null. */
    CompletableFuture<Outcome> waitingFor() {
        return waiting;
    }

    /** Once {@link #waitingFor()} is done: answers the login; returns LINE, or CLOSE after too many failures. */
    TextCommands.Next resume() {
        CompletableFuture<Outcome> done = waiting;
        waiting = null;
        Outcome outcome;
        try {
            outcome = done.join();
        } catch (CompletionException | CancellationException e) {
            outcome = null; // a check that failed is a login that failed
        }
        return answer(outcome);
    }

    private TextCommands.Next answer(Outcome outcome) {
        if (outcome instanceof Outcome.LoginResult busy && busy.status() == Outcome.LoginResult.Status.BUSY) {
            reply.write(Replies.LOGIN_BUSY);
            return TextCommands.Next.LINE;
        }
        if (outcome instanceof Outcome.LoginResult result && !result.failed()) {
            reply.write(Replies.STORED);
            return TextCommands.Next.LINE;
        }
        reply.write(Replies.AUTH_FAILURE);
        return !(outcome instanceof Outcome.LoginResult result)
                || result.status() == Outcome.LoginResult.Status.FAILED_CLOSE
                ? TextCommands.Next.CLOSE : TextCommands.Next.LINE;
    }

    /** memcached's tokenize_command: spaces separate, the first NUL ends the line, at most {@link #MAX_TOKENS}. */
    private int tokenize(byte[] b, int lineLength) {
        int len = 0;
        while (len < lineLength && b[len] != 0) {
            len++;
        }
        int n = 0;
        int i = 0;
        while (i < len && n < MAX_TOKENS) {
            while (i < len && b[i] == ' ') {
                i++;
            }
            if (i >= len) {
                break;
            }
            starts[n] = i;
            while (i < len && b[i] != ' ') {
                i++;
            }
            ends[n++] = i;
        }
        return n;
    }

    private boolean is(byte[] b, int t, String s) {
        return ends[t] - starts[t] == s.length()
                && Arrays.equals(b, starts[t], ends[t], s.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0,
                        s.length());
    }
}
