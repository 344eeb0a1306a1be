package org.bastion.protocol.text;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.Arrays;
import java.util.List;
import org.bastion.command.CommandExecutor;
import org.bastion.policy.RequestProgress;
import org.bastion.policy.Session;
import org.bastion.protocol.Replies;
import org.bastion.protocol.ReplyBuffer;
import org.bastion.protocol.meta.MetaCommands;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.policy.SecurityLog;
import org.bastion.stats.Stats;
import org.bastion.stats.StatsReport;
import org.bastion.store.Numbers;
import org.bastion.store.Store;

/**
 * memcached's text protocol as a state machine over the connection's bytes: a command line, then for storage
 * commands exactly {@code <bytes>+2} bytes of data. Commands run as soon as they are complete; replies collect in a
 * {@link ReplyBuffer} and go out with one flush per read batch, in request order.
 */
public final class TextProtocolHandler extends ByteToMessageDecoder implements RequestProgress {
    /** A command line longer than this with no newline closes the connection, as in memcached. */
    static final int MAX_LINE = 2048;
    /** The longest {@code get}/{@code gets} line accepted (memcached's are unbounded); longer ones close the connection. */
    static final int MAX_GET_LINE = 1024 * 1024;
    /** memcached's version we match, answered to {@code version} because clients and tools choose behaviour by it. */
    public static final String COMPATIBLE_VERSION = "1.6.18";
    /** memcached's MAX_VERBOSITY_LEVEL: {@code verbosity} clamps to it. */
    private static final int MAX_VERBOSITY = 2;
    private static final byte[] VERSION_REPLY = Replies.ascii("VERSION " + COMPATIBLE_VERSION + "\r\n");

    private final CommandExecutor exec;
    private final Session session;
    private final MetaCommands meta;
    private ReplyBuffer reply;

    private byte[] line = new byte[256];
    private int[] starts = new int[32];
    private int[] ends = new int[32];
    private int ntok;
    /** Out-parameter for {@link Numbers}' parsers, reused so parsing a command allocates nothing. */
    private final long[] number = new long[1];
    /** The lookup key for get, pointed at each key of the line in turn. */
    private final Key.Probe probe = new Key.Probe();
    /** The items a retrieval found, by token index; reused, and emptied after every command. */
    private Item[] found = new Item[32];

    // A storage command whose data block has not fully arrived.
    private boolean pending;
    private Store.Mode pendingMode;
    private Key pendingKey;
    private int pendingFlags;
    private long pendingExptime;
    private int pendingLength;
    private long pendingCas;
    private boolean pendingNoreply;
    private MetaCommands.PendingSet pendingMeta;

    /** Bytes of an oversized value still to discard. */
    private long swallow;
    private boolean closing;
    /** Requests finished so far, for the request timeout's notion of progress. */
    private long completed;

    public TextProtocolHandler(CommandExecutor exec, Session session) {
        this.exec = exec;
        this.session = session;
        this.meta = new MetaCommands(exec, session);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        reply = new ReplyBuffer(ctx, exec.stats);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf buf) {
            exec.stats.bytesRead.add(buf.readableBytes());
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (!closing) {
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
        return pending || pendingMeta != null || swallow > 0
                || (internalBuffer() != null && internalBuffer().isReadable());
    }

    @Override
    public long completedRequests() {
        return completed;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (!closing && in.isReadable()) {
            if (swallow > 0) {
                int n = (int) Math.min(swallow, in.readableBytes());
                in.skipBytes(n);
                swallow -= n;
                continue;
            }
            if (pending || pendingMeta != null) {
                if (!completeData(in)) {
                    return;
                }
                completed++;
                continue;
            }
            int len = readLine(in);
            if (len < 0) {
                if (in.readableBytes() > MAX_LINE && !mayBeLong(in)) {
                    exec.securityLog.event(SecurityLog.Kind.OVERSIZE_LINE, session.sourceAddress(),
                            "closed: " + in.readableBytes() + " bytes without a newline (limit " + MAX_LINE + ")");
                    close(ctx);
                }
                return;
            }
            session.lastCommandNanos = System.nanoTime();
            processLine(ctx, len);
            completed++;
        }
        if (closing) {
            in.skipBytes(in.readableBytes());
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

    /**
     * Benchmark hook ({@code TextDecodeGetSetBenchmark}): frames and tokenizes the next line of {@code in} and builds
     * the keys and numbers get/set would, without executing anything. Returns a digest of the parse, or -1.
     */
    long decodeOnly(ByteBuf in) {
        int len = readLine(in);
        if (len < 0) {
            return -1;
        }
        tokenize(len);
        long digest = ntok;
        if (tokenIs(0, "set") && ntok >= 5) {
            if (!Numbers.parseUnsigned(line, starts[2], ends[2], number)
                    || !Numbers.parseSigned(line, starts[3], ends[3], number)
                    || !Numbers.parseSigned(line, starts[4], ends[4], number)) {
                return -1;
            }
            digest += number[0] + key(1).hashCode();
        } else if (tokenIs(0, "get")) {
            for (int t = 1; t < ntok; t++) {
                digest += probe.set(line, starts[t], ends[t]).hashCode();
            }
        }
        return digest;
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
        closing = true;
        reply.writePending();
        ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
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
                swallow = next.swallow();
            } else {
                pendingMeta = next;
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

    private void retrieval(boolean enoughTokens, boolean withCas, boolean touch) {
        if (!enoughTokens) {
            reply.write(Replies.ERROR);
            return;
        }
        int first = 1;
        long exptime = 0;
        if (touch) {
            long[] parsed = new long[1];
            if (!Numbers.parseSigned(line, starts[1], ends[1], parsed)) {
                reply.write(Replies.BAD_EXPTIME);
                return;
            }
            exptime = parsed[0];
            first = 2;
            if (ntok > 2 && !exec.mayWrite(session)) {
                reply.write(Replies.ACCESS_DENIED);
                return;
            }
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
            found[t] = touch ? exec.getAndTouch(key(t), exptime) : exec.get(probe.set(line, starts[t], ends[t]));
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
        if (length > exec.settings.maxItemSize()) {
            swallow = length + 2;
            // A read-only source must not reach rejectTooLarge: for set it deletes the old value.
            if (!exec.mayWrite(session)) {
                send(Replies.ACCESS_DENIED, noreply);
                return;
            }
            send(Replies.TOO_LARGE, noreply);
            exec.rejectTooLarge(mode, key);
            return;
        }
        pending = true;
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
            meta.completeSet(set, in, reply);
            return true;
        }
        if (in.readableBytes() < pendingLength + 2) {
            return false;
        }
        pending = false;
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
        if (!exec.mayWrite(session)) {
            send(Replies.ACCESS_DENIED, pendingNoreply);
            return true;
        }
        Store.StoreResult result = exec.store(pendingMode, key, pendingFlags, pendingExptime, value, pendingCas);
        send(storeReply(result), pendingNoreply);
        return true;
    }

    static byte[] storeReply(Store.StoreResult result) {
        switch (result) {
            case STORED: return Replies.STORED;
            case NOT_STORED: return Replies.NOT_STORED;
            case EXISTS: return Replies.EXISTS;
            case NOT_FOUND: return Replies.NOT_FOUND;
            default: return Replies.OUT_OF_MEMORY;
        }
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
        if (!exec.mayWrite(session)) {
            send(Replies.ACCESS_DENIED, noreply);
            return;
        }
        send(exec.delete(key(1)) ? Replies.DELETED : Replies.NOT_FOUND, noreply);
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
        long[] delta = new long[1];
        if (!Numbers.parseUnsigned(line, starts[2], ends[2], delta)) {
            send(Replies.BAD_DELTA, noreply);
            return;
        }
        if (!exec.mayWrite(session)) {
            send(Replies.ACCESS_DENIED, noreply);
            return;
        }
        Store.DeltaResult result = exec.delta(key(1), incr, delta[0]);
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
        long[] exptime = new long[1];
        if (!Numbers.parseSigned(line, starts[2], ends[2], exptime)) {
            send(Replies.BAD_EXPTIME, noreply);
            return;
        }
        if (!exec.mayWrite(session)) {
            send(Replies.ACCESS_DENIED, noreply);
            return;
        }
        send(exec.touch(key(1), exptime[0]) ? Replies.TOUCHED : Replies.NOT_FOUND, noreply);
    }

    private void flushAll() {
        if (ntok > 3) {
            reply.write(Replies.ERROR);
            return;
        }
        boolean noreply = lastIsNoreply();
        if (exec.settings.flushAllDisabled()) {
            exec.stats.cmdFlush.increment();
            exec.stats.count(Stats.Command.FLUSH_ALL, Stats.Outcome.ERROR);
            send(Replies.FLUSH_DISABLED, noreply);
            return;
        }
        long[] delay = new long[1];
        if (ntok != (noreply ? 2 : 1) && !Numbers.parseSigned(line, starts[1], ends[1], delay)) {
            send(Replies.BAD_EXPTIME, noreply);
            return;
        }
        if (!exec.mayWrite(session)) {
            send(Replies.ACCESS_DENIED, noreply);
            return;
        }
        exec.flushAll(delay[0]);
        send(Replies.OK, noreply);
    }

    private void verbosity() {
        if (ntok != 2 && ntok != 3) {
            reply.write(Replies.ERROR);
            return;
        }
        boolean noreply = lastIsNoreply();
        long[] level = new long[1];
        // memcached's safe_strtoul: garbage is a format error; levels above 2 mean 2.
        if (!Numbers.parseUnsigned(line, starts[1], ends[1], level)) {
            send(Replies.BAD_FORMAT, noreply);
            return;
        }
        exec.control.verbosity((int) Math.min(MAX_VERBOSITY, level[0] & 0xFFFF_FFFFL));
        send(Replies.OK, noreply);
    }

    private void stats() {
        String sub = ntok >= 2 ? new String(line, starts[1], tokenLength(1), java.nio.charset.StandardCharsets.ISO_8859_1) : "";
        byte[] out = StatsReport.render(exec, session, sub, ntok >= 3 ? new String(line, starts[2], tokenLength(2),
                java.nio.charset.StandardCharsets.ISO_8859_1) : null, ntok >= 4 ? new String(line, starts[3],
                tokenLength(3), java.nio.charset.StandardCharsets.ISO_8859_1) : null);
        reply.write(out == null ? Replies.ERROR : out);
    }

    private void shutdown(ChannelHandlerContext ctx) {
        if (!exec.settings.shutdownEnabled()) {
            reply.write(Replies.SHUTDOWN_DISABLED);
            return;
        }
        if (!exec.mayWrite(session)) {
            reply.write(Replies.ACCESS_DENIED);
            return;
        }
        close(ctx);
        exec.control.shutdown();
    }
}
