package org.bastion.protocol.meta;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bastion.command.Command;
import org.bastion.command.Executor;
import org.bastion.command.Outcome;
import org.bastion.policy.Session;
import org.bastion.protocol.Replies;
import org.bastion.protocol.ReplyBuffer;
import org.bastion.store.Key;
import org.bastion.store.Store;
import org.bastion.store.Item;
import org.bastion.store.Numbers;

/**
 * memcached's meta commands ({@code mg ms md ma mn me}) on the same connection as the text protocol, with memcached
 * 1.6.18's flags, reply codes and error strings. Parsing and formatting only: every store access goes through the
 * {@link Executor}.
 *
 * <p>Long because memcached's five meta commands share one reply grammar (the O, k and b tokens echoed, the t, c, s,
 * f, l, h flags printed from the item) and the formatting helpers for it; each command is one method below them.
 */
public final class MetaCommands {
    /** memcached counts its terminal token too: more than 19 real tokens is "options flags too long". */
    static final int MAX_TOKENS = 19;
    /** Longest opaque ({@code O}) token, flag character included. */
    static final int MAX_OPAQUE = 32;

    private static final byte[] MN = Replies.ascii("MN\r\n");
    private static final byte[] HD = Replies.ascii("HD");
    private static final byte[] VA = Replies.ascii("VA ");
    private static final byte[] EN = Replies.ascii("EN");
    private static final byte[] NS = Replies.ascii("NS");
    private static final byte[] EX = Replies.ascii("EX");
    private static final byte[] NF = Replies.ascii("NF");
    private static final byte[] EN_LINE = Replies.ascii("EN\r\n");
    static final String BAD_FORMAT = "CLIENT_ERROR bad command line format";
    static final String INVALID_FLAG = "CLIENT_ERROR invalid flag";
    static final String DUPLICATE_FLAG = "CLIENT_ERROR duplicate flag";
    static final String BAD_TOKEN = "CLIENT_ERROR bad token in command line format";
    static final String OPAQUE_TOO_LONG = "CLIENT_ERROR opaque token too long";
    static final String INVALID_OR_DUPLICATE = "CLIENT_ERROR invalid or duplicate flag";
    static final String FLAGS_TOO_LONG = "CLIENT_ERROR options flags too long";
    static final String MG_FLAGS_TOO_LONG = "CLIENT_ERROR options flags are too long";
    static final String BAD_MS_MODE = "CLIENT_ERROR invalid mode for ms M token";
    static final String BAD_MA_MODE = "CLIENT_ERROR invalid mode for ma M token";
    static final String NON_NUMERIC = "CLIENT_ERROR cannot increment or decrement non-numeric value";
    /** memcached's slab class chunk sizes with default -n 48 -f 1.25, for {@code me}'s {@code cls}. */
    private static final int[] SLAB_CLASSES = {96, 120, 152, 192, 240, 304, 384, 480, 600, 752, 944, 1184, 1480, 1856,
        2320, 2904, 3632, 4544, 5680, 7104, 8880, 11104, 13880, 17352, 21696, 27120, 33904, 42384, 52984, 66232, 82792,
        103496, 129376, 161720, 202152, 252696, 315872, 394840, 524288};

    private static final byte[] SP_W = Replies.ascii(" W");
    private static final byte[] SP_X = Replies.ascii(" X");
    private static final byte[] SP_Z = Replies.ascii(" Z");
    private static final byte[] SP_B = Replies.ascii(" b");
    private static final byte[] SP_C = Replies.ascii(" c");
    private static final byte[] SP_F = Replies.ascii(" f");
    private static final byte[] SP_K = Replies.ascii(" k");
    private static final byte[] SP_L = Replies.ascii(" l");
    private static final byte[] SP_S = Replies.ascii(" s");
    private static final byte[] SP_T = Replies.ascii(" t");
    private static final byte[] MINUS_ONE = Replies.ascii("-1");
    private static final byte[] SP_H1 = Replies.ascii(" h1");
    private static final byte[] SP_H0 = Replies.ascii(" h0");
    private static final byte[] ME_PREFIX = Replies.ascii("ME ");

    private final Executor exec;
    private final Session session;

    public MetaCommands(Executor exec, Session session) {
        this.exec = exec;
        this.session = session;
    }

    /**
     * What the connection must do after an {@code ms} line: read its data block ({@code set != null}) or discard
     * {@code swallow} bytes after an error.
     */
    public record PendingSet(int length, long swallow, SetRequest set) {
        static PendingSet swallow(long bytes) {
            return new PendingSet(0, bytes, null);
        }
    }

    /** An {@code ms} whose data block is still to come, with the reply tokens it must echo. */
    record SetRequest(Key key, Store.Mode mode, int flags, long exptime, long cas, boolean hasCas, boolean allowStale,
            long newCas, boolean binaryKey, boolean quiet, List<byte[]> echo) {
    }

    private byte[] line;
    private int[] starts;
    private int[] ends;
    private int ntok;
    private ReplyBuffer reply;

    /**
     * Runs a meta command line (its first token is two bytes starting with 'm').
     *
     * @return what must happen to the bytes after the line ({@code ms} data or bytes to discard), or null
     */
    public PendingSet process(byte[] line, int[] starts, int[] ends, int ntok, ReplyBuffer reply) {
        this.line = line;
        this.starts = starts;
        this.ends = ends;
        this.ntok = ntok;
        this.reply = reply;
        try {
            switch (line[starts[0] + 1]) {
                case 'g' -> metaGet();
                case 's' -> {
                    return metaSet();
                }
                case 'd' -> metaDelete();
                case 'a' -> metaArithmetic();
                case 'n' -> reply.write(MN);
                case 'e' -> metaDebug();
                default -> reply.write(Replies.ERROR);
            }
            return null;
        } finally {
            this.line = null;
            this.reply = null;
        }
    }

    // ---------------------------------------------------------------- parsing

    private int len(int t) {
        return ends[t] - starts[t];
    }

    private byte first(int t) {
        return line[starts[t]];
    }

    private void error(String message) {
        reply.write(Replies.ascii(message + "\r\n"));
    }

    // ---------------------------------------------------------------- formatting

    private void writeKey(ByteBuf buf, byte[] key, boolean binary) {
        buf.writeBytes(SP_K);
        if (binary) {
            buf.writeBytes(MetaBase64.encode(key));
            buf.writeBytes(SP_B);
        } else {
            buf.writeBytes(key);
        }
    }

    /** The O and k tokens a reply without an item echoes. */
    private void echoOpaqueAndKey(ByteBuf buf, int from, byte[] key, boolean binary) {
        for (int t = from; t < ntok; t++) {
            if (first(t) == 'O') {
                buf.writeByte(' ');
                buf.writeBytes(line, starts[t], len(t));
            } else if (first(t) == 'k') {
                writeKey(buf, key, binary);
            }
        }
    }

    private long now() {
        return exec.nanoTime();
    }

    /** Seconds until a deadline, rounded up as memcached's one-second clock shows them. */
    private long remaining(long deadline) {
        long second = TimeUnit.SECONDS.toNanos(1);
        return Math.floorDiv(deadline - now() + second - 1, second);
    }

    private void writeTtl(ByteBuf buf, long deadline) {
        buf.writeBytes(SP_T);
        if (deadline == Item.NEVER) {
            buf.writeBytes(MINUS_ONE);
        } else {
            // memcached prints the difference as an unsigned 32-bit number, even once it has gone negative.
            Numbers.writeDecimal(buf, remaining(deadline) & 0xFFFF_FFFFL);
        }
    }

    private long secondsSince(long nanos) {
        return Math.max(0, (now() - nanos) / TimeUnit.SECONDS.toNanos(1));
    }

    private long deadline(long exptime) {
        return exec.deadline(exptime);
    }

    // ---------------------------------------------------------------- mg

    private void metaGet() {
        if (ntok < 2) {
            reply.write(Replies.ERROR);
            return;
        }
        if (len(1) > Key.MAX_LENGTH) {
            error(BAD_FORMAT);
            return;
        }
        if (ntok > MAX_TOKENS) {
            error(MG_FLAGS_TOO_LONG);
            return;
        }
        MetaFlags f = MetaFlags.parse(line, starts, ends, ntok, 2, 'g');
        if (f.error != null) {
            error(f.error);
            return;
        }
        boolean failed = f.badOpaque >= 0;
        boolean ttlApplies = f.newTtl && f.reached(f.ttlIndex);
        boolean vivifyTtlApplies = f.vivify && f.reached(f.vivifyIndex);
        // A created item takes whichever of N and T memcached reaches last.
        long createdExptime = 0;
        if (ttlApplies && (!vivifyTtlApplies || f.ttlIndex > f.vivifyIndex)) {
            createdExptime = f.exptime;
        } else if (vivifyTtlApplies) {
            createdExptime = f.vivifyExptime;
        }
        long tDeadline = ttlApplies ? deadline(f.exptime) : Store.KEEP;
        long createdDeadline = deadline(createdExptime);
        Store.ReadOptions options = new Store.ReadOptions(
                !f.noUpdate && !(failed && f.locked), tDeadline, f.vivify, createdDeadline, vivifyTtlApplies,
                f.hasRecache ? deadline(f.recache) : Store.NO_RECACHE, f.ttlIndex >= 0 && f.ttlIndex < f.recacheIndex,
                !failed, f.newCas);
        Outcome outcome = exec.execute(session, new Command.MetaGet(Key.of(f.key), options, f.vivify || f.newTtl));
        if (outcome instanceof Outcome.Refused) {
            reply.write(Replies.ACCESS_DENIED);
            return;
        }
        Store.ReadResult r = ((Outcome.Read) outcome).result();
        if (failed) {
            error(OPAQUE_TOO_LONG);
            return;
        }
        Item item = r.item();
        if (item == null) {
            if (!f.quiet) {
                ByteBuf buf = reply.buf();
                buf.writeBytes(EN);
                echoOpaqueAndKey(buf, 2, f.key, f.base64);
                buf.writeBytes(Replies.CRLF);
            }
            return;
        }
        ByteBuf buf = reply.buf();
        if (f.value) {
            buf.writeBytes(VA);
            Numbers.writeDecimal(buf, item.value.length);
        } else {
            buf.writeBytes(HD);
        }
        long exp = r.created() ? Item.NEVER : r.previousExpiresAt();
        for (int t = 2; t < ntok; t++) {
            switch (first(t)) {
                case 'T' -> exp = tDeadline;
                case 'N' -> {
                    if (r.created()) {
                        exp = deadline(f.vivifyExptime);
                    }
                }
                case 's' -> {
                    buf.writeBytes(SP_S);
                    Numbers.writeDecimal(buf, item.value.length);
                }
                case 't' -> writeTtl(buf, exp);
                case 'c' -> {
                    buf.writeBytes(SP_C);
                    Numbers.writeDecimal(buf, item.cas);
                }
                case 'f' -> {
                    buf.writeBytes(SP_F);
                    Numbers.writeDecimal(buf, item.flagsUnsigned());
                }
                case 'l' -> {
                    buf.writeBytes(SP_L);
                    Numbers.writeDecimal(buf, r.created() ? 0 : secondsSince(r.lastAccessBefore()));
                }
                case 'h' -> buf.writeBytes(r.fetchedBefore() ? SP_H1 : SP_H0);
                case 'O' -> {
                    buf.writeByte(' ');
                    buf.writeBytes(line, starts[t], len(t));
                }
                case 'k' -> writeKey(buf, f.key, item.binaryKey());
                default -> { }
            }
        }
        if (r.winSentBefore()) {
            buf.writeBytes(SP_Z);
        }
        if (item.stale()) {
            buf.writeBytes(SP_X);
        }
        if (r.won()) {
            buf.writeBytes(SP_W);
        }
        buf.writeBytes(Replies.CRLF);
        if (f.value) {
            reply.value(item.value);
            reply.write(Replies.CRLF);
        }
    }

    // ---------------------------------------------------------------- ms

    private PendingSet metaSet() {
        if (ntok < 2) {
            reply.write(Replies.ERROR);
            return null;
        }
        if (len(1) > Key.MAX_LENGTH || ntok == 2) {
            error(BAD_FORMAT);
            return null;
        }
        if (ntok > MAX_TOKENS) {
            error(FLAGS_TOO_LONG);
            return null;
        }
        long[] vlen = new long[1];
        if (!Numbers.parseSigned(line, starts[2], ends[2], vlen) || vlen[0] < 0
                || vlen[0] > Replies.MAX_ANNOUNCED_LENGTH) {
            error(BAD_FORMAT);
            return null;
        }
        long length = vlen[0];
        MetaFlags f = MetaFlags.parse(line, starts, ends, ntok, 3, 's');
        if (f.error != null) {
            error(f.error);
            return PendingSet.swallow(length + 2);
        }
        Store.Mode mode;
        switch (f.mode) {
            case 0, 'S' -> mode = Store.Mode.SET;
            case 'E' -> mode = Store.Mode.ADD;
            case 'A' -> mode = Store.Mode.APPEND;
            case 'P' -> mode = Store.Mode.PREPEND;
            case 'R' -> mode = Store.Mode.REPLACE;
            default -> {
                error(BAD_MS_MODE);
                return PendingSet.swallow(length + 2);
            }
        }
        if (f.badOpaque >= 0) {
            error(OPAQUE_TOO_LONG);
            return PendingSet.swallow(length + 2);
        }
        // A CAS upgrades set and replace to a compare-and-swap; add ignores it, append/prepend compare it.
        if (f.hasCas && (mode == Store.Mode.SET || mode == Store.Mode.REPLACE)) {
            mode = Store.Mode.CAS;
        }
        Key key = Key.of(f.key);
        if (length > exec.maxItemSize()) {
            // memcached drops the old value whatever the mode, so a failed write never leaves stale data behind.
            Outcome outcome = exec.execute(session, Command.Write.oversized(mode, key, length, true));
            reply.write(outcome instanceof Outcome.Refused ? Replies.ACCESS_DENIED : Replies.TOO_LARGE);
            return PendingSet.swallow(length + 2);
        }
        List<byte[]> echo = new ArrayList<>();
        for (int t = 3; t < ntok; t++) {
            byte c = first(t);
            if (c == 'O' || c == 'k' || c == 'c') {
                echo.add(Arrays.copyOfRange(line, starts[t], ends[t]));
            }
        }
        SetRequest set = new SetRequest(key, mode, (int) f.clientFlags, f.newTtl ? f.exptime : 0, f.cas, f.hasCas,
                f.invalidate && mode == Store.Mode.CAS, f.newCas, f.base64, f.quiet, echo);
        return new PendingSet((int) length, 0, set);
    }

    /** Consumes {@code length + 2} bytes of an {@code ms} data block and answers it. */
    public void completeSet(PendingSet pending, ByteBuf in, ReplyBuffer reply) {
        SetRequest set = pending.set();
        byte[] value = new byte[pending.length()];
        in.readBytes(value);
        byte cr = in.readByte();
        byte lf = in.readByte();
        if (cr != '\r' || lf != '\n') {
            reply.write(Replies.BAD_DATA_CHUNK);
            return;
        }
        Outcome outcome = exec.execute(session, new Command.Write(set.mode(), set.key(), set.flags(), set.exptime(),
                value.length, value, set.mode() == Store.Mode.ADD ? 0 : set.cas(), set.newCas(), set.allowStale(),
                set.binaryKey(), true));
        if (outcome instanceof Outcome.Refused) {
            reply.write(Replies.ACCESS_DENIED);
            return;
        }
        Outcome.Wrote result = (Outcome.Wrote) outcome;
        byte[] code;
        switch (result.result()) {
            case STORED -> {
                if (set.quiet()) {
                    return;
                }
                code = HD;
            }
            case NOT_STORED -> code = NS;
            case EXISTS -> code = EX;
            case NOT_FOUND -> code = NF;
            default -> {
                reply.write(Replies.OUT_OF_MEMORY);
                return;
            }
        }
        ByteBuf buf = reply.buf();
        buf.writeBytes(code);
        for (byte[] token : set.echo()) {
            switch (token[0]) {
                case 'O' -> {
                    buf.writeByte(' ');
                    buf.writeBytes(token);
                }
                case 'k' -> writeKey(buf, set.key().bytes(), set.binaryKey());
                default -> {
                    buf.writeBytes(SP_C);
                    Numbers.writeDecimal(buf, result.item() == null ? 0 : result.item().cas);
                }
            }
        }
        buf.writeBytes(Replies.CRLF);
    }

    // ---------------------------------------------------------------- md

    private void metaDelete() {
        if (ntok < 2) {
            reply.write(Replies.ERROR);
            return;
        }
        if (len(1) > Key.MAX_LENGTH) {
            error(BAD_FORMAT);
            return;
        }
        if (ntok > MAX_TOKENS) {
            error(FLAGS_TOO_LONG);
            return;
        }
        MetaFlags f = MetaFlags.parse(line, starts, ends, ntok, 2, 'd');
        if (f.error != null) {
            error(INVALID_OR_DUPLICATE);
            return;
        }
        if (f.badOpaque >= 0) {
            error(OPAQUE_TOO_LONG);
            return;
        }
        // memcached applies T only together with I; Bastion's x (empty the value) takes it too.
        boolean ttl = f.newTtl && (f.invalidate || f.removeValue);
        Outcome outcome = exec.execute(session, new Command.Delete(Key.of(f.key), true, f.hasCas, f.cas, f.invalidate,
                f.removeValue, ttl, f.exptime, f.newCas));
        if (outcome instanceof Outcome.Refused) {
            reply.write(Replies.ACCESS_DENIED);
            return;
        }
        Store.DeleteResult result = ((Outcome.Deleted) outcome).result();
        byte[] code;
        switch (result) {
            case NOT_FOUND -> code = NF;
            case EXISTS -> code = EX;
            default -> {
                if (f.quiet) {
                    return;
                }
                code = HD;
            }
        }
        ByteBuf buf = reply.buf();
        buf.writeBytes(code);
        echoOpaqueAndKey(buf, 2, f.key, f.base64);
        buf.writeBytes(Replies.CRLF);
    }

    // ---------------------------------------------------------------- ma

    private void metaArithmetic() {
        if (ntok < 2) {
            reply.write(Replies.ERROR);
            return;
        }
        if (len(1) > Key.MAX_LENGTH) {
            error(BAD_FORMAT);
            return;
        }
        if (ntok > MAX_TOKENS) {
            error(FLAGS_TOO_LONG);
            return;
        }
        MetaFlags f = MetaFlags.parse(line, starts, ends, ntok, 2, 'a');
        if (f.error != null) {
            error(INVALID_OR_DUPLICATE);
            return;
        }
        boolean incr;
        switch (f.mode) {
            case 0, 'I', '+' -> incr = true;
            case 'D', '-' -> incr = false;
            default -> {
                error(BAD_MA_MODE);
                return;
            }
        }
        boolean failed = f.badOpaque >= 0;
        boolean ttlApplies = f.newTtl && f.reached(f.ttlIndex);
        boolean vivifyTtlApplies = f.vivify && f.reached(f.vivifyIndex);
        long createdExptime = 0;
        if (ttlApplies && (!vivifyTtlApplies || f.ttlIndex > f.vivifyIndex)) {
            createdExptime = f.exptime;
        } else if (vivifyTtlApplies) {
            createdExptime = f.vivifyExptime;
        }
        Outcome outcome = exec.execute(session, new Command.Delta(Key.of(f.key), incr, f.delta, f.hasCas ? f.cas : 0,
                f.vivify ? Command.Delta.OnMiss.VIVIFY : Command.Delta.OnMiss.ANSWER, f.initial, createdExptime,
                ttlApplies, f.exptime, f.newCas));
        if (outcome instanceof Outcome.Refused) {
            reply.write(Replies.ACCESS_DENIED);
            return;
        }
        Store.DeltaResult r = ((Outcome.Counted) outcome).result();
        if (r.kind() == Store.DeltaResult.Kind.NON_NUMERIC) {
            error(NON_NUMERIC);
            return;
        }
        if (failed) {
            error(OPAQUE_TOO_LONG);
            return;
        }
        ByteBuf buf;
        switch (r.kind()) {
            case NOT_FOUND, EXISTS -> {
                buf = reply.buf();
                buf.writeBytes(r.kind() == Store.DeltaResult.Kind.NOT_FOUND ? NF : EX);
                echoOpaqueAndKey(buf, 2, f.key, f.base64);
                buf.writeBytes(Replies.CRLF);
                return;
            }
            case OK -> {
                // Quiet hides a successful incr/decr entirely, value included; a created item is still answered.
                if (f.quiet) {
                    return;
                }
            }
            default -> { }
        }
        Item item = r.item();
        byte[] number = Numbers.unsignedBytes(r.value());
        buf = reply.buf();
        if (f.value) {
            buf.writeBytes(VA);
            Numbers.writeDecimal(buf, number.length);
        } else {
            buf.writeBytes(HD);
        }
        boolean created = r.kind() == Store.DeltaResult.Kind.CREATED;
        long exp = r.previousExpiresAt();
        for (int t = 2; t < ntok; t++) {
            switch (first(t)) {
                case 'c' -> {
                    buf.writeBytes(SP_C);
                    Numbers.writeDecimal(buf, item.cas);
                }
                case 't' -> writeTtl(buf, exp);
                case 'T' -> exp = deadline(f.exptime);
                case 'N' -> {
                    if (created) {
                        exp = deadline(f.vivifyExptime);
                    }
                }
                case 'O' -> {
                    buf.writeByte(' ');
                    buf.writeBytes(line, starts[t], len(t));
                }
                case 'k' -> writeKey(buf, f.key, f.base64);
                default -> { }
            }
        }
        buf.writeBytes(Replies.CRLF);
        if (f.value) {
            buf.writeBytes(number);
            buf.writeBytes(Replies.CRLF);
        }
    }

    // ---------------------------------------------------------------- me

    private void metaDebug() {
        if (ntok < 2 || len(1) > Key.MAX_LENGTH) {
            error(BAD_FORMAT);
            return;
        }
        byte[] key = Arrays.copyOfRange(line, starts[1], ends[1]);
        if (ntok >= 3 && len(2) == 1 && first(2) == 'b') {
            key = MetaBase64.decode(line, starts[1], ends[1]);
            if (key == null) {
                error(BAD_FORMAT);
                return;
            }
        }
        Outcome outcome = exec.execute(session, new Command.Debug(Key.of(key)));
        if (outcome instanceof Outcome.Refused) {
            reply.write(Replies.ACCESS_DENIED);
            return;
        }
        Item item = outcome instanceof Outcome.Found found ? found.item() : null;
        if (item == null) {
            reply.write(EN_LINE);
            return;
        }
        ByteBuf buf = reply.buf();
        buf.writeBytes(ME_PREFIX);
        buf.writeBytes(item.binaryKey() ? MetaBase64.encode(key) : key);
        // memcached prints exp as (now - exptime): the remaining TTL, negated.
        long exp = item.expiresAt == Item.NEVER ? -1 : -remaining(item.expiresAt);
        int size = 48 + key.length + 1 + item.value.length + 2 + 8 + (item.flags != 0 ? 4 : 0);
        String rest = " exp=" + exp + " la=" + secondsSince(item.lastAccess()) + " cas="
                + Long.toUnsignedString(item.cas)
                + " fetch=" + (item.fetched() ? "yes" : "no") + " cls=" + slabClass(size) + " size=" + size + "\r\n";
        buf.writeBytes(Replies.ascii(rest));
    }

    /** The memcached slab class an item of {@code size} bytes lands in; larger items are chunked in the last one. */
    static int slabClass(int size) {
        for (int i = 0; i < SLAB_CLASSES.length; i++) {
            if (size <= SLAB_CLASSES[i]) {
                return i + 1;
            }
        }
        return SLAB_CLASSES.length;
    }
}
