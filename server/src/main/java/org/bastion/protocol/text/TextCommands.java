package org.bastion.protocol.text;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bastion.command.Command;
import org.bastion.command.Executor;
import org.bastion.command.Outcome;
import org.bastion.policy.Session;
import org.bastion.protocol.Replies;
import org.bastion.protocol.ReplyBuffer;
import org.bastion.protocol.meta.MetaCommands;
import org.bastion.stats.Stat;
import org.bastion.stats.StatsReport;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.Numbers;
import org.bastion.store.Store;

/**
 * The text protocol's translator: one command line's tokens become a {@link Command} for the {@link Executor}, and
 * its {@link Outcome} becomes memcached's exact reply. Lines whose command is two letters starting with {@code m} go
 * to the meta translator. What the bytes after a line are (a data block, bytes to discard) is told back to
 * {@link TextProtocolHandler}, which owns the byte stream.
 *
 * <p>Long because memcached's text protocol has eighteen commands, each with its own token count rules and error
 * replies; each is one short method here beside the token helpers they share, in the order memcached's
 * {@code process_command} dispatches them.
 */
final class TextCommands {
    /** memcached's MAX_VERBOSITY_LEVEL: {@code verbosity} clamps to it. */
    private static final int MAX_VERBOSITY = 2;
    private static final byte[] VERSION_REPLY = Replies.ascii("VERSION " + StatsReport.COMPATIBLE_VERSION + "\r\n");
    private static final byte[] STAT = Replies.ascii("STAT ");
    private static final byte[] MEMLIMIT_TOO_SMALL =
            Replies.ascii("MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n");
    /** Bastion's own: items live on the heap, so -m may not outgrow it at run time either. */
    private static final byte[] MEMLIMIT_TOO_LARGE =
            Replies.ascii("SERVER_ERROR cache_memlimit is more than this server's heap holds\r\n");
    private static final byte[] METADUMP_DISABLED = Replies.ascii("ERROR metadump not allowed\r\n");
    private static final byte[] WATCH_DISABLED = Replies.ascii("CLIENT_ERROR watch not allowed\r\n");
    /** memcached's reply under {@code -W}. */
    private static final byte[] WATCHER_TOO_MANY = Replies.ascii("WATCHER_TOO_MANY log watcher limit reached\r\n");
    private static final byte[] WATCH_NOT_ENABLED = Replies.ascii("CLIENT_ERROR watch commands not allowed\r\n");
    private static final byte[] BAD_CLASS = Replies.ascii("BADCLASS invalid class id\r\n");

    /** What the decoder does after a command line. */
    enum Next {
        /** Read the next line. */
        LINE,
        /** Read {@link #dataBytes()} bytes and hand them to {@link #completeData}. */
        DATA,
        /** Discard {@link #swallowBytes()} bytes. */
        SWALLOW,
        /** Send what is pending and close the connection. */
        CLOSE,
        /**
         * The reply is not finished and the client is behind on taking it: stop reading, and call {@link #resume()}
         * once the connection is writable again.
         */
        PAUSE,
        /**
         * The reply waits for work elsewhere ({@link #waitingFor()}): stop reading and decoding, and call
         * {@link #resume()} once it is done.
         */
        WAIT
    }

    private final Executor exec;
    private final Session session;
    private final MetaCommands meta;
    private final ReplyBuffer reply;
    private Next next = Next.LINE;
    private long swallowBytes;
    private int dataBytes;

    private byte[] line;
    private int[] starts = new int[32];
    private int[] ends = new int[32];
    private int ntok;
    /** Out-parameter for {@link Numbers}' parsers, reused so parsing a command allocates nothing. */
    private final long[] number = new long[1];
    /** The lookup key for get, pointed at each key of the line in turn. */
    private final Key.Probe probe = new Key.Probe();
    /** The one get command of this connection, re-aimed at each key (see {@link Command.Get}). */
    private final Command.Get get = new Command.Get();
    /** The items a retrieval found, by token index; reused, and emptied as their values are written. */
    private Item[] found = new Item[32];
    /** Token tables longer than this are dropped after their command ({@link #shrinkScratch}). */
    private static final int LARGE_TABLE = 4096;
    /** A paused retrieval's next token to write, or 0 when no retrieval reply is in progress. */
    private int writeAt;
    private boolean writeCas;

    // The text storage command whose data block has not fully arrived (or pendingMeta for ms).
    private Store.Mode pendingMode;
    private Key pendingKey;
    private int pendingFlags;
    private long pendingExptime;
    private int pendingLength;
    private long pendingCas;
    private boolean pendingNoreply;
    private MetaCommands.PendingSet pendingMeta;
    /** What a {@link Next#WAIT} waits for (a snapshot being written, a stats walk off the loop), or null. */
    private java.util.concurrent.CompletableFuture<?> waitingFor;
    /** Writes the reply once {@link #waitingFor} is done. */
    private Runnable answerWhenDone;
    /** A metadump paused while its client catches up, or null. */
    private java.util.Iterator<String> dumping;
    /** Set once {@code watch} is accepted: from then on input is ignored, as memcached does. */
    private boolean watching;

    TextCommands(Executor exec, Session session, ReplyBuffer reply) {
        this.exec = exec;
        this.session = session;
        this.reply = reply;
        this.meta = new MetaCommands(exec, session);
    }

    /**
     * Splits the line at spaces. As memcached (whose {@code tokenize_command} scans {@code strlen(command)} bytes), the
     * line ends at its first NUL byte: {@code delete a\0 noreply} deletes {@code a} and replies.
     */
    private void tokenize(int lineLength) {
        ntok = 0;
        int len = 0;
        while (len < lineLength && line[len] != 0) {
            len++;
        }
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
        return Key.of(line, starts[t], ends[t]);
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

    /**
     * Translates and runs one command line ({@code len} bytes of {@code commandLine}, without CR LF).
     *
     * @return what the decoder must do with the bytes that follow
     */
    Next process(byte[] commandLine, int len) {
        line = commandLine;
        next = Next.LINE;
        if (watching) {
            return next;
        }
        tokenize(len);
        // memcached: every command has at least one token of two or more bytes.
        if (ntok == 0 || tokenLength(0) < 2) {
            reply.write(Replies.ERROR);
            return next;
        }
        if (line[starts[0]] == 'm' && tokenLength(0) == 2) {
            MetaCommands.PendingSet pending = meta.process(line, starts, ends, ntok, reply);
            if (pending != null && pending.set() == null) {
                swallow(pending.swallow());
            } else if (pending != null) {
                pendingMeta = pending;
                expectData(pending.length());
            }
            return next;
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
            next = Next.CLOSE;
        } else if (tokenIs(0, "watch")) {
            watch();
        } else if (tokenIs(0, "verbosity")) {
            verbosity();
        } else if (tokenIs(0, "stats")) {
            stats();
        } else if (tokenIs(0, "shutdown")) {
            shutdown();
        } else if (tokenIs(0, "snapshot")) {
            snapshot();
        } else if (tokenIs(0, "cache_memlimit")) {
            memoryLimit();
        } else if (tokenIs(0, "slabs")) {
            slabs();
        } else if (tokenIs(0, "lru_crawler")) {
            lruCrawler();
        } else if (tokenIs(0, "refresh_certs")) {
            refreshCerts();
        } else if (startsWithHttp(ntok - 1)) {
            // An HTTP request sent to the cache port: close silently, as memcached does against cross-protocol attacks.
            session.closeFor(Session.CloseReason.ERROR);
            next = Next.CLOSE;
        } else {
            reply.write(Replies.ERROR);
        }
        return next;
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
            swallowBytes = bytes;
            next = Next.SWALLOW;
        }
    }

    /** A data block of {@code length} bytes and its CR LF follows. */
    private void expectData(int length) {
        dataBytes = length + 2;
        next = Next.DATA;
    }

    /** After {@link Next#SWALLOW}: how many bytes to discard. */
    long swallowBytes() {
        return swallowBytes;
    }

    /** After {@link Next#DATA}: how many bytes the data block and its CR LF take. */
    int dataBytes() {
        return dataBytes;
    }

    /** The text reply for a refusal; {@code -F}, {@code -A} and {@code -X} have memcached's own. */
    private static byte[] refusal(Outcome.Refused refused) {
        return switch (refused) {
            case FLUSH_DISABLED -> Replies.FLUSH_DISABLED;
            case SHUTDOWN_DISABLED -> Replies.SHUTDOWN_DISABLED;
            case DUMP_DISABLED -> Replies.CACHEDUMP_DISABLED;
            case READ_ONLY, DENIED -> Replies.ACCESS_DENIED;
            case UNAUTHENTICATED -> Replies.UNAUTHENTICATED;
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
        writeAt = first;
        writeCas = withCas;
        writeValues();
    }

    /**
     * Writes the found values from {@link #writeAt} on, value by value; when the client falls behind (the channel
     * passes its high water mark) it stops and asks the decoder to {@link Next#PAUSE}, keeping the line, its tokens
     * and the found items until {@link #resume()}. So a multi-get of any size holds at most the water mark and one
     * value in output buffers, and its event loop serves other connections between the pieces.
     */
    private void writeValues() {
        for (int t = writeAt; t < ntok; t++) {
            Item item = found[t];
            if (item != null) {
                found[t] = null;
                writeValue(t, item, writeCas);
                if (t + 1 < ntok && reply.mustPause()) {
                    writeAt = t + 1;
                    next = Next.PAUSE;
                    return;
                }
            }
        }
        writeAt = 0;
        reply.write(Replies.END);
    }

    /** Between commands: token tables a long get grew go back to their first size (1 MiB of keys grew 6 MB). */
    void shrinkScratch() {
        if (starts.length > LARGE_TABLE) {
            starts = new int[32];
            ends = new int[32];
        }
        if (found.length > LARGE_TABLE) {
            found = new Item[32];
        }
    }

    /** Bytes of the token tables, counting 4 per reference (compressed oops): for tests. */
    long scratchBytes() {
        return 4L * (starts.length + ends.length + found.length);
    }

    /** Continues the reply a {@link Next#PAUSE} or {@link Next#WAIT} left unfinished; returns what to do next. */
    Next resume() {
        next = Next.LINE;
        if (waitingFor != null) {
            if (!waitingFor.isDone()) {
                return Next.WAIT;
            }
            waitingFor = null;
            answerWhenDone.run();
            return next;
        }
        if (writeAt > 0) {
            writeValues();
        } else if (dumping != null) {
            writeDump();
        }
        return next;
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
        if (length < 0 || length > Replies.MAX_ANNOUNCED_LENGTH) {
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
        expectData((int) length);
        pendingMode = mode;
        pendingKey = key;
        pendingFlags = (int) flags;
        pendingExptime = exptime;
        pendingLength = (int) length;
        pendingCas = cas;
        pendingNoreply = noreply;
    }

    /** Finishes the storage command whose data block ({@link #dataBytes()} of {@code in}) is now here. */
    void completeData(ByteBuf in) {
        if (pendingMeta != null) {
            MetaCommands.PendingSet set = pendingMeta;
            pendingMeta = null;
            meta.completeSet(set, in, reply);
            return;
        }
        byte[] value = new byte[pendingLength];
        in.readBytes(value);
        byte cr = in.readByte();
        byte lf = in.readByte();
        Key key = pendingKey;
        pendingKey = null;
        if (cr != '\r' || lf != '\n') {
            send(Replies.BAD_DATA_CHUNK, pendingNoreply);
            return;
        }
        Outcome outcome = exec.execute(session, Command.Write.of(pendingMode, key, pendingFlags, pendingExptime, value,
                pendingCas, pendingMode == Store.Mode.SET));
        if (outcome instanceof Outcome.Wrote wrote) {
            send(storeReply(wrote.result()), pendingNoreply);
        } else {
            send(outcome instanceof Outcome.Refused refused ? refusal(refused) : Replies.TOO_LARGE, pendingNoreply);
        }
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

    /** The connection is a {@code watch} stream: it sends nothing more the server reads. */
    boolean watching() {
        return watching;
    }

    private void watch() {
        String[] names = new String[ntok - 1];
        for (int t = 1; t < ntok; t++) {
            names[t - 1] = token(t);
        }
        int flags = WatchStream.flags(names);
        if (flags < 0) {
            reply.write(Replies.ERROR);
            return;
        }
        Outcome outcome = exec.execute(session, new Command.Watch(flags));
        if (outcome instanceof Outcome.Watching watching) {
            reply.write(Replies.OK);
            this.watching = true;
            WatchStream.start(reply.context(), watching);
        } else if (outcome == Outcome.Refused.DUMP_DISABLED) {
            reply.write(WATCH_DISABLED);
        } else if (outcome == Outcome.Done.NOT_ENABLED) {
            reply.write(WATCH_NOT_ENABLED);
        } else if (outcome == Outcome.Done.TOO_MANY_WATCHERS) {
            reply.write(WATCHER_TOO_MANY);
        } else {
            reply.write(refusal((Outcome.Refused) outcome));
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
        if (outcome instanceof Outcome.Later later) {
            // A walk of the whole store, done off the event loop: answered on resume(), before the next line.
            waitFor(later.result(), () -> {
                try {
                    writeStats(later.result().join(), "");
                } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                    reply.write(Replies.ERROR);
                }
            });
            return;
        }
        writeStats(outcome, group);
    }

    private void writeStats(Outcome outcome, String group) {
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

    private void shutdown() {
        Outcome outcome = exec.execute(session, new Command.Shutdown());
        if (outcome instanceof Outcome.Refused refused) {
            reply.write(refusal(refused));
            return;
        }
        session.closeFor(Session.CloseReason.SHUTDOWN);
        next = Next.CLOSE;
    }

    /** {@code snapshot}: Bastion's own; answers {@code OK} once the snapshot file is durable. */
    private void snapshot() {
        if (ntok != 1) {
            reply.write(Replies.ERROR);
            return;
        }
        Outcome outcome = exec.execute(session, new Command.Snapshot());
        if (outcome instanceof Outcome.Refused refused) {
            reply.write(refusal(refused));
            return;
        }
        java.util.concurrent.CompletableFuture<String> durable = ((Outcome.Snapshotting) outcome).durable();
        waitFor(durable, () -> snapshotDone(durable));
    }

    /** Answers with {@code answer} once {@code work} is done: the decoder stops until then ({@link Next#WAIT}). */
    private void waitFor(java.util.concurrent.CompletableFuture<?> work, Runnable answer) {
        waitingFor = work;
        answerWhenDone = answer;
        next = Next.WAIT;
    }

    /** What a {@link Next#WAIT} waits for; the decoder resumes once it completes. */
    java.util.concurrent.CompletableFuture<?> waitingFor() {
        return waitingFor;
    }

    private void snapshotDone(java.util.concurrent.CompletableFuture<String> done) {
        try {
            done.join();
            reply.write(Replies.OK);
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String message = String.valueOf(cause.getMessage()).replace('\r', ' ').replace('\n', ' ');
            reply.write(Replies.ascii("SERVER_ERROR snapshot failed: " + message + "\r\n"));
        }
    }

    /** {@code cache_memlimit <megabytes> [noreply]}: a new {@code -m} while running. */
    private void memoryLimit() {
        if (ntok != 2 && ntok != 3) {
            reply.write(Replies.ERROR);
            return;
        }
        boolean noreply = lastIsNoreply();
        if (!Numbers.parseUnsigned(line, starts[1], ends[1], number)) {
            send(Replies.ERROR, noreply);
            return;
        }
        Outcome outcome = exec.execute(session, new Command.MemoryLimit(number[0]));
        if (outcome instanceof Outcome.Refused refused) {
            send(refusal(refused), noreply);
        } else if (outcome == Outcome.Done.MEMORY_LIMIT_TOO_SMALL) {
            send(MEMLIMIT_TOO_SMALL, noreply);
        } else if (outcome == Outcome.Done.MEMORY_LIMIT_TOO_LARGE) {
            send(MEMLIMIT_TOO_LARGE, noreply);
        } else {
            send(Replies.OK, noreply);
        }
    }

    /**
     * {@code refresh_certs [noreply]}: memcached answers {@code OK}, or its error line even under noreply; it ignores
     * any other token.
     */
    private void refreshCerts() {
        boolean noreply = lastIsNoreply();
        Outcome outcome = exec.execute(session, new Command.RefreshCerts());
        if (outcome instanceof Outcome.Refused refused) {
            send(refusal(refused), noreply);
        } else if (outcome instanceof Outcome.Failed failed) {
            reply.write(Replies.ascii(failed.line() + "\r\n"));
        } else {
            send(Replies.OK, noreply);
        }
    }

    /** {@code slabs automove <0|1|2> [noreply]}, as memcached parses it; any other {@code slabs} form is ERROR. */
    private void slabs() {
        if ((ntok != 3 && ntok != 4) || !tokenIs(1, "automove")) {
            reply.write(Replies.ERROR);
            return;
        }
        boolean noreply = lastIsNoreply();
        if (!Numbers.parseUnsigned(line, starts[2], ends[2], number)) {
            send(Replies.BAD_FORMAT, noreply);
            return;
        }
        if (number[0] > 2) {
            send(Replies.ERROR, noreply);
            return;
        }
        Outcome outcome = exec.execute(session, new Command.SlabsAutomove((int) number[0]));
        send(outcome instanceof Outcome.Refused refused ? refusal(refused) : Replies.OK, noreply);
    }

    /**
     * Writes metadump lines as the client takes them: when it falls behind (the channel passes its high water mark) it
     * stops and asks the decoder to {@link Next#PAUSE}, keeping its place in the store until {@link #resume()}. A
     * dump of a million items never exists whole, on the heap or in output buffers, and its event loop serves other
     * connections between the pieces.
     */
    private void writeDump() {
        while (dumping.hasNext()) {
            ByteBuf buf = reply.buf();
            buf.writeCharSequence(dumping.next(), StandardCharsets.ISO_8859_1);
            buf.writeByte('\n');
            if (reply.mustPause()) {
                next = Next.PAUSE;
                return;
            }
        }
        dumping = null;
        reply.write(Replies.END);
    }

    /** {@code lru_crawler metadump all|hash|<ids>}: the one crawler command memcached's tools need. */
    private void lruCrawler() {
        if (ntok != 3 || !tokenIs(1, "metadump")) {
            reply.write(Replies.ERROR);
            return;
        }
        Outcome outcome = exec.execute(session, new Command.Metadump(token(2)));
        if (outcome instanceof Outcome.ItemDump dump) {
            dumping = dump.items();
            writeDump();
        } else if (outcome == Outcome.Refused.DUMP_DISABLED) {
            reply.write(METADUMP_DISABLED);
        } else if (outcome instanceof Outcome.Refused refused) {
            reply.write(refusal(refused));
        } else {
            reply.write(BAD_CLASS);
        }
    }
}
