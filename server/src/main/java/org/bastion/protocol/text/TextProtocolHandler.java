package org.bastion.protocol.text;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.bastion.command.Command;
import org.bastion.command.Executor;
import org.bastion.command.Outcome;
import org.bastion.policy.RequestProgress;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.protocol.Replies;
import org.bastion.protocol.ReplyBuffer;
import org.bastion.protocol.meta.MetaCommands;
import org.bastion.stats.Stat;
import org.bastion.stats.Stats;
import org.bastion.stats.StatsReport;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.Numbers;
import org.bastion.store.Store;

/**
 * memcached's text protocol (and, for lines whose command is two letters starting with {@code m}, the meta protocol)
 * as a translator: bytes become {@link Command}s for the {@link Executor}, {@link Outcome}s become memcached's exact
 * replies. The decoder is an explicit state machine over the connection's bytes:
 * <ul>
 * <li>{@link State#LINE}: waiting for a command line (bounded by {@link #MAX_LINE}, or {@link #MAX_GET_LINE} for
 * get/gets);</li>
 * <li>{@link State#DATA}: a storage command's {@code <bytes>+2} data block, executed once whole;</li>
 * <li>{@link State#SWALLOW}: discarding a refused value's bytes without keeping them;</li>
 * <li>{@link State#CLOSING}: after {@code quit}, an oversize line or an HTTP request: nothing more is read.</li>
 * </ul>
 * Replies collect in a {@link ReplyBuffer} and go out with one flush per read batch, in request order.
 */
public final class TextProtocolHandler extends ByteToMessageDecoder implements RequestProgress {
    /** A command line longer than this with no newline closes the connection, as in memcached. */
    public static final int MAX_LINE = 2048;
    /** The longest {@code get}/{@code gets} line accepted (memcached's are unbounded); longer ones close the connection. */
    public static final int MAX_GET_LINE = 1024 * 1024;
    /** memcached's MAX_VERBOSITY_LEVEL: {@code verbosity} clamps to it. */
    private static final int MAX_VERBOSITY = 2;
    private static final byte[] VERSION_REPLY = Replies.ascii("VERSION " + StatsReport.COMPATIBLE_VERSION + "\r\n");
    private static final byte[] STAT = Replies.ascii("STAT ");

    /** Where the decoder is in the byte stream. */
    enum State { LINE, DATA, SWALLOW, CLOSING }

    private final Executor exec;
    private final Stats stats;
    private final SecurityLog securityLog;
    private final Session session;
    private final MetaCommands meta;
    private ReplyBuffer reply;
    private State state = State.LINE;

    private byte[] line = new byte[256];
    private int[] starts = new int[32];
    private int[] ends = new int[32];
    private int ntok;
    /** Out-parameter for {@link Numbers}' parsers, reused so parsing a command allocates nothing. */
    private final long[] number = new long[1];
    /** The lookup key for get, pointed at each key of the line in turn. */
    private final Key.Probe probe = new Key.Probe();
    /** The one get command of this connection, re-aimed at each key (see {@link Command.Get}). */
    private final Command.Get get = new Command.Get();
    /** The items a retrieval found, by token index; reused, and emptied after every command. */
    private Item[] found = new Item[32];

    // In DATA: the text storage command whose data block has not fully arrived (or pendingMeta for ms).
    private Store.Mode pendingMode;
    private Key pendingKey;
    private int pendingFlags;
    private long pendingExptime;
    private int pendingLength;
    private long pendingCas;
    private boolean pendingNoreply;
    private MetaCommands.PendingSet pendingMeta;

    /** In SWALLOW: bytes of a refused value still to discard. */
    private long swallow;
    /** Requests finished so far, for the request timeout's notion of progress. */
    private long completed;

    public TextProtocolHandler(Executor exec, Stats stats, SecurityLog securityLog, Session session) {
        this.exec = exec;
        this.stats = stats;
        this.securityLog = securityLog;
        this.session = session;
        this.meta = new MetaCommands(exec, session);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        reply = new ReplyBuffer(ctx, stats);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf buf) {
            stats.bytesRead.add(buf.readableBytes());
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (state != State.CLOSING) {
            reply.flush();
        }
        super.channelReadComplete(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        reply.discard();
    }

    /** Whether part of a command or value has arrived and the rest has not (for the request timeout). */
    @Override
    public boolean hasPartialRequest() {
        return state == State.DATA || state == State.SWALLOW
                || (internalBuffer() != null && internalBuffer().isReadable());
    }

    @Override
    public long completedRequests() {
        return completed;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            switch (state) {
                case SWALLOW -> {
                    int n = (int) Math.min(swallow, in.readableBytes());
                    in.skipBytes(n);
                    swallow -= n;
                    if (swallow == 0) {
                        state = State.LINE;
                    }
                }
                case DATA -> {
                    if (!completeData(in)) {
                        return;
                    }
                    completed++;
                }
                case LINE -> {
                    int len = readLine(in);
                    if (len < 0) {
                        if (in.readableBytes() > MAX_LINE && !mayBeLong(in)) {
                            securityLog.event(SecurityLog.Kind.OVERSIZE_LINE, session.sourceAddress(), "closed: "
                                    + in.readableBytes() + " bytes without a newline (limit " + MAX_LINE + ")");
                            close(ctx);
                        }
                        return;
                    }
                    session.commandDone();
                    processLine(ctx, len);
                    completed++;
                }
                case CLOSING -> in.skipBytes(in.readableBytes());
            }
        }
    }

    /** Copies the next complete line (without CR LF) into {@link #line} and consumes it; -1 when none has arrived. */
    private int readLine(ByteBuf in) {
        int start = in.readerIndex();
        int lf = in.indexOf(start, in.writerIndex(), (byte) '\n');
        if (lf < 0) {
            return -1;
        }
        int end = lf;
        if (end > start && in.getByte(end - 1) == '\r') {
            end--;
        }
        int len = end - start;
        if (line.length < len) {
            line = new byte[Math.max(len, line.length * 2)];
        }
        in.getBytes(start, line, 0, len);
        in.readerIndex(lf + 1);
        return len;
    }

    /** A long line without a newline yet: only get/gets may be that long, and only up to {@link #MAX_GET_LINE}. */
    private static boolean mayBeLong(ByteBuf in) {
        if (in.readableBytes() > MAX_GET_LINE) {
            return false;
        }
        int i = in.readerIndex();
        int limit = i + 100;
        while (i < limit && in.getByte(i) == ' ') {
            i++;
        }
        return startsWith(in, i, "get ") || startsWith(in, i, "gets ");
    }

    private static boolean startsWith(ByteBuf in, int at, String prefix) {
        if (in.writerIndex() - at < prefix.length()) {
            return false;
        }
        for (int k = 0; k < prefix.length(); k++) {
            if (in.getByte(at + k) != prefix.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private void close(ChannelHandlerContext ctx) {
        state = State.CLOSING;
        reply.writePending();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void tokenize(int len) {
        ntok = 0;
        int i = 0;
        while (i < len) {
            while (i < len && line[i] == ' ') {
                i++;
            }
            if (i >= len) {
                break;
            }
            int s = i;
            while (i < len && line[i] != ' ') {
                i++;
            }
            if (ntok == starts.length) {
                starts = Arrays.copyOf(starts, ntok * 2);
                ends = Arrays.copyOf(ends, ntok * 2);
            }
            starts[ntok] = s;
            ends[ntok] = i;
            ntok++;
        }
    }

    private boolean tokenIs(int t, String s) {
        int len = ends[t] - starts[t];
        if (len != s.length()) {
            return false;
        }
        for (int k = 0; k < len; k++) {
            if (line[starts[t] + k] != s.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private int tokenLength(int t) {
        return ends[t] - starts[t];
    }

    private Key key(int t) {
        return new Key(Arrays.copyOfRange(line, starts[t], ends[t]));
    }

    private boolean lastIsNoreply() {
        return ntok > 1 && tokenIs(ntok - 1, "noreply");
    }

    /** Sends a reply unless the command asked for none. */
    private void send(byte[] bytes, boolean noreply) {
        if (!noreply) {
            reply.write(bytes);
        }
    }

    private void processLine(ChannelHandlerContext ctx, int len) {
        tokenize(len);
        // memcached: every command has at least one token of two or more bytes.
        if (ntok == 0 || tokenLength(0) < 2) {
            reply.write(Replies.ERROR);
            return;
        }
        if (line[starts[0]] == 'm' && tokenLength(0) == 2) {
            MetaCommands.PendingSet next = meta.process(line, starts, ends, ntok, reply);
            if (next != null && next.set() == null) {
                swallow(next.swallow());
            } else if (next != null) {
                pendingMeta = next;
                state = State.DATA;
            }
            return;
        }
        if (tokenIs(0, "get")) {
            retrieval(ntok >= 2, false, false);
        } else if (tokenIs(0, "gets")) {
            retrieval(ntok >= 2, true, false);
        } else if (tokenIs(0, "set")) {
            update(Store.Mode.SET, false);
        } else if (tokenIs(0, "add")) {
            update(Store.Mode.ADD, false);
        } else if (tokenIs(0, "replace")) {
            update(Store.Mode.REPLACE, false);
        } else if (tokenIs(0, "append")) {
            update(Store.Mode.APPEND, false);
        } else if (tokenIs(0, "prepend")) {
            update(Store.Mode.PREPEND, false);
        } else if (tokenIs(0, "cas")) {
            update(Store.Mode.CAS, true);
        } else if (tokenIs(0, "delete")) {
            delete();
        } else if (tokenIs(0, "incr")) {
            arithmetic(true);
        } else if (tokenIs(0, "decr")) {
            arithmetic(false);
        } else if (tokenIs(0, "touch")) {
            touch();
        } else if (tokenIs(0, "gat")) {
            retrieval(ntok >= 2, false, true);
        } else if (tokenIs(0, "gats")) {
            retrieval(ntok >= 2, true, true);
        } else if (tokenIs(0, "flush_all")) {
            flushAll();
        } else if (tokenIs(0, "version")) {
            reply.write(VERSION_REPLY);
        } else if (tokenIs(0, "quit")) {
            close(ctx);
        } else if (tokenIs(0, "verbosity")) {
            verbosity();
        } else if (tokenIs(0, "stats")) {
            stats();
        } else if (tokenIs(0, "shutdown")) {
            shutdown(ctx);
        } else if (startsWithHttp(ntok - 1)) {
            // An HTTP request sent to the cache port: close silently, as memcached does against cross-protocol attacks.
            close(ctx);
        } else {
            reply.write(Replies.ERROR);
        }
    }

    private boolean startsWithHttp(int t) {
        if (tokenLength(t) < 5) {
            return false;
        }
        return line[starts[t]] == 'H' && line[starts[t] + 1] == 'T' && line[starts[t] + 2] == 'T'
                && line[starts[t] + 3] == 'P' && line[starts[t] + 4] == '/';
    }

    /** Discards the next {@code bytes} bytes (a refused value and its CR LF). */
    private void swallow(long bytes) {
        if (bytes > 0) {
            swallow = bytes;
            state = State.SWALLOW;
        }
    }

    /** The text reply for a refusal; {@code -F}, {@code -A} and {@code -X} have memcached's own. */
    private static byte[] refusal(Outcome.Refused refused) {
        return switch (refused) {
            case FLUSH_DISABLED -> Replies.FLUSH_DISABLED;
            case SHUTDOWN_DISABLED -> Replies.SHUTDOWN_DISABLED;
            case DUMP_DISABLED -> Replies.CACHEDUMP_DISABLED;
            case READ_ONLY -> Replies.ACCESS_DENIED;
        };
    }

    private void retrieval(boolean enoughTokens, boolean withCas, boolean touch) {
        if (!enoughTokens) {
            reply.write(Replies.ERROR);
            return;
        }
        int first = 1;
        long exptime = 0;
        if (touch) {
            if (!Numbers.parseSigned(line, starts[1], ends[1], number)) {
                reply.write(Replies.BAD_EXPTIME);
                return;
            }
            exptime = number[0];
            first = 2;
        }
        // memcached looks keys up in order and stops at a key over 250 bytes: the keys before it are fetched (and for
        // gat touched), but the reply is the error alone, without the values already found.
        // Reused across commands (and cleared after use) so a get allocates nothing.
        if (found.length < ntok) {
            found = new Item[Math.max(ntok, found.length * 2)];
        }
        for (int t = first; t < ntok; t++) {
            if (tokenLength(t) > Key.MAX_LENGTH) {
                Arrays.fill(found, first, t, null);
                reply.write(Replies.BAD_FORMAT);
                return;
            }
            // A plain get only looks up: the reused probe saves a Key and a byte[] per key.
            Outcome outcome = exec.execute(session,
                    touch ? get.touch(key(t), exptime) : get.read(probe.set(line, starts[t], ends[t])));
            if (outcome instanceof Outcome.Refused refused) {
                Arrays.fill(found, first, t, null);
                reply.write(refusal(refused));
                return;
            }
            found[t] = outcome instanceof Outcome.Hit hit ? hit.item() : null;
        }
        for (int t = first; t < ntok; t++) {
            if (found[t] != null) {
                writeValue(t, found[t], withCas);
                found[t] = null;
            }
        }
        reply.write(Replies.END);
    }

    private void writeValue(int keyToken, Item item, boolean withCas) {
        ByteBuf buf = reply.buf();
        buf.writeBytes(Replies.VALUE);
        buf.writeBytes(line, starts[keyToken], tokenLength(keyToken));
        buf.writeByte(' ');
        Numbers.writeDecimal(buf, item.flagsUnsigned());
        buf.writeByte(' ');
        Numbers.writeDecimal(buf, item.value.length);
        if (withCas) {
            buf.writeByte(' ');
            Numbers.writeDecimal(buf, item.cas);
        }
        buf.writeBytes(Replies.CRLF);
        reply.value(item.value);
        reply.write(Replies.CRLF);
    }

    private void update(Store.Mode mode, boolean handleCas) {
        boolean countOk = handleCas ? (ntok == 6 || ntok == 7) : (ntok == 5 || ntok == 6);
        if (!countOk) {
            reply.write(Replies.ERROR);
            return;
        }
        boolean noreply = lastIsNoreply();
        if (tokenLength(1) > Key.MAX_LENGTH) {
            send(Replies.BAD_FORMAT, noreply);
            return;
        }
        // One reused out-parameter: no garbage per storage command.
        long[] n = number;
        if (!Numbers.parseUnsigned(line, starts[2], ends[2], n)) {
            send(Replies.BAD_FORMAT, noreply);
            return;
        }
        long flags = n[0];
        if (!Numbers.parseSigned(line, starts[3], ends[3], n)) {
            send(Replies.BAD_FORMAT, noreply);
            return;
        }
        long exptime = n[0];
        if (!Numbers.parseSigned(line, starts[4], ends[4], n)) {
            send(Replies.BAD_FORMAT, noreply);
            return;
        }
        long length = n[0];
        n[0] = 0;
        if (handleCas && !Numbers.parseUnsigned(line, starts[5], ends[5], n)) {
            send(Replies.BAD_FORMAT, noreply);
            return;
        }
        long cas = n[0];
        if (length < 0) {
            send(Replies.BAD_FORMAT, noreply);
            return;
        }
        Key key = key(1);
        if (length > exec.maxItemSize()) {
            // The value is never buffered: its bytes are discarded as they come, and the executor refuses the write.
            swallow(length + 2);
            Outcome outcome = exec.execute(session,
                    Command.Write.oversized(mode, key, length, mode == Store.Mode.SET));
            send(outcome instanceof Outcome.Refused refused ? refusal(refused) : Replies.TOO_LARGE, noreply);
            return;
        }
        state = State.DATA;
        pendingMode = mode;
        pendingKey = key;
        pendingFlags = (int) flags;
        pendingExptime = exptime;
        pendingLength = (int) length;
        pendingCas = cas;
        pendingNoreply = noreply;
    }

    /** Finishes a storage command once its data block is here; false while more bytes are needed. */
    private boolean completeData(ByteBuf in) {
        if (pendingMeta != null) {
            if (in.readableBytes() < pendingMeta.length() + 2) {
                return false;
            }
            MetaCommands.PendingSet set = pendingMeta;
            pendingMeta = null;
            state = State.LINE;
            meta.completeSet(set, in, reply);
            return true;
        }
        if (in.readableBytes() < pendingLength + 2) {
            return false;
        }
        state = State.LINE;
        byte[] value = new byte[pendingLength];
        in.readBytes(value);
        byte cr = in.readByte();
        byte lf = in.readByte();
        Key key = pendingKey;
        pendingKey = null;
        if (cr != '\r' || lf != '\n') {
            send(Replies.BAD_DATA_CHUNK, pendingNoreply);
            return true;
        }
        Outcome outcome = exec.execute(session, Command.Write.of(pendingMode, key, pendingFlags, pendingExptime, value,
                pendingCas, pendingMode == Store.Mode.SET));
        if (outcome instanceof Outcome.Wrote wrote) {
            send(storeReply(wrote.result()), pendingNoreply);
        } else {
            send(outcome instanceof Outcome.Refused refused ? refusal(refused) : Replies.TOO_LARGE, pendingNoreply);
        }
        return true;
    }

    static byte[] storeReply(Store.StoreResult result) {
        return switch (result) {
            case STORED -> Replies.STORED;
            case NOT_STORED -> Replies.NOT_STORED;
            case EXISTS -> Replies.EXISTS;
            case NOT_FOUND -> Replies.NOT_FOUND;
            case NO_MEMORY -> Replies.OUT_OF_MEMORY;
        };
    }

    private void delete() {
        if (ntok < 2 || ntok > 4) {
            reply.write(Replies.ERROR);
            return;
        }
        boolean noreply = false;
        if (ntok > 2) {
            boolean holdIsZero = tokenIs(2, "0");
            noreply = lastIsNoreply();
            boolean valid = (ntok == 3 && (holdIsZero || noreply)) || (ntok == 4 && holdIsZero && noreply);
            if (!valid) {
                send(Replies.DELETE_USAGE, noreply);
                return;
            }
        }
        if (tokenLength(1) > Key.MAX_LENGTH) {
            send(Replies.BAD_FORMAT, noreply);
            return;
        }
        Outcome outcome = exec.execute(session, Command.Delete.of(key(1), 0));
        if (outcome instanceof Outcome.Refused refused) {
            send(refusal(refused), noreply);
        } else {
            boolean deleted = ((Outcome.Deleted) outcome).result() == Store.DeleteResult.DELETED;
            send(deleted ? Replies.DELETED : Replies.NOT_FOUND, noreply);
        }
    }

    private void arithmetic(boolean incr) {
        if (ntok != 3 && ntok != 4) {
            reply.write(Replies.ERROR);
            return;
        }
        boolean noreply = lastIsNoreply();
        if (tokenLength(1) > Key.MAX_LENGTH) {
            send(Replies.BAD_FORMAT, noreply);
            return;
        }
        if (!Numbers.parseUnsigned(line, starts[2], ends[2], number)) {
            send(Replies.BAD_DELTA, noreply);
            return;
        }
        Outcome outcome = exec.execute(session, Command.Delta.of(key(1), incr, number[0]));
        if (outcome instanceof Outcome.Refused refused) {
            send(refusal(refused), noreply);
            return;
        }
        Store.DeltaResult result = ((Outcome.Counted) outcome).result();
        switch (result.kind()) {
            case OK -> {
                if (!noreply) {
                    Numbers.writeDecimal(reply.buf(), result.value());
                    reply.write(Replies.CRLF);
                }
            }
            case NOT_FOUND -> send(Replies.NOT_FOUND, noreply);
            default -> send(Replies.NON_NUMERIC, noreply);
        }
    }

    private void touch() {
        if (ntok != 3 && ntok != 4) {
            reply.write(Replies.ERROR);
            return;
        }
        boolean noreply = lastIsNoreply();
        if (tokenLength(1) > Key.MAX_LENGTH) {
            send(Replies.BAD_FORMAT, noreply);
            return;
        }
        if (!Numbers.parseSigned(line, starts[2], ends[2], number)) {
            send(Replies.BAD_EXPTIME, noreply);
            return;
        }
        Outcome outcome = exec.execute(session, new Command.Touch(key(1), number[0]));
        if (outcome instanceof Outcome.Refused refused) {
            send(refusal(refused), noreply);
        } else {
            send(outcome instanceof Outcome.Found ? Replies.TOUCHED : Replies.NOT_FOUND, noreply);
        }
    }

    private void flushAll() {
        if (ntok > 3) {
            reply.write(Replies.ERROR);
            return;
        }
        boolean noreply = lastIsNoreply();
        number[0] = 0;
        boolean malformed = ntok != (noreply ? 2 : 1) && !Numbers.parseSigned(line, starts[1], ends[1], number);
        Outcome outcome = exec.execute(session, new Command.Flush(number[0], malformed));
        if (outcome instanceof Outcome.Refused refused) {
            send(refusal(refused), noreply);
        } else {
            send(outcome == Outcome.Done.BAD_ARGUMENT ? Replies.BAD_EXPTIME : Replies.OK, noreply);
        }
    }

    private void verbosity() {
        if (ntok != 2 && ntok != 3) {
            reply.write(Replies.ERROR);
            return;
        }
        boolean noreply = lastIsNoreply();
        // memcached's safe_strtoul: garbage is a format error; levels above 2 mean 2.
        if (!Numbers.parseUnsigned(line, starts[1], ends[1], number)) {
            send(Replies.BAD_FORMAT, noreply);
            return;
        }
        Outcome outcome = exec.execute(session,
                new Command.Verbosity((int) Math.min(MAX_VERBOSITY, number[0] & 0xFFFF_FFFFL)));
        send(outcome instanceof Outcome.Refused refused ? refusal(refused) : Replies.OK, noreply);
    }

    private String token(int t) {
        return ntok > t ? new String(line, starts[t], tokenLength(t), StandardCharsets.ISO_8859_1) : null;
    }

    private void stats() {
        String group = ntok >= 2 ? token(1) : "";
        Outcome outcome = exec.execute(session, new Command.Stats(group, token(2), token(3)));
        if (outcome instanceof Outcome.Figures figures) {
            ByteBuf buf = reply.buf();
            for (Stat stat : figures.stats()) {
                buf.writeBytes(STAT);
                buf.writeCharSequence(stat.name(), StandardCharsets.ISO_8859_1);
                buf.writeByte(' ');
                buf.writeCharSequence(stat.value(), StandardCharsets.ISO_8859_1);
                buf.writeBytes(Replies.CRLF);
            }
            reply.write(Replies.END);
        } else if (outcome instanceof Outcome.Lines lines) {
            ByteBuf buf = reply.buf();
            for (String text : lines.lines()) {
                buf.writeCharSequence(text, StandardCharsets.ISO_8859_1);
                buf.writeBytes(Replies.CRLF);
            }
        } else if (outcome instanceof Outcome.Refused refused) {
            boolean detail = refused == Outcome.Refused.DUMP_DISABLED && group.equals("detail");
            reply.write(detail ? Replies.DETAIL_DUMP_DISABLED : refusal(refused));
        } else {
            reply.write(outcome == Outcome.Done.RESET ? Replies.RESET : Replies.ERROR);
        }
    }

    private void shutdown(ChannelHandlerContext ctx) {
        Outcome outcome = exec.execute(session, new Command.Shutdown());
        if (outcome instanceof Outcome.Refused refused) {
            reply.write(refusal(refused));
            return;
        }
        close(ctx);
    }
}
