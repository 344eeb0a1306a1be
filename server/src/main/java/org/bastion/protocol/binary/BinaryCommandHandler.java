package org.bastion.protocol.binary;

import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.ADD;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.ADDQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.APPEND;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.APPENDQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.DECREMENT;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.DECREMENTQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.DELETE;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.DELETEQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.FLUSH;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.FLUSHQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GAT;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GATK;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GATKQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GATQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GET;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GETK;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GETKQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.GETQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.INCREMENT;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.INCREMENTQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.NOOP;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.PREPEND;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.PREPENDQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.QUIT;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.QUITQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.REPLACE;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.REPLACEQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.SASL_AUTH;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.SASL_LIST_MECHS;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.SASL_STEP;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.SET;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.SETQ;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.STAT;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.TOUCH;
import static io.netty.handler.codec.memcache.binary.BinaryMemcacheOpcodes.VERSION;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.memcache.binary.DefaultFullBinaryMemcacheResponse;
import io.netty.handler.codec.memcache.binary.FullBinaryMemcacheRequest;
import java.nio.charset.StandardCharsets;
import org.bastion.auth.Authenticator;
import org.bastion.command.Command;
import org.bastion.command.Executor;
import org.bastion.command.Outcome;
import org.bastion.stats.Stat;
import org.bastion.stats.Stats;
import org.bastion.policy.RequestProgress;
import org.bastion.policy.Session;
import org.bastion.protocol.Faults;
import org.bastion.protocol.LingeringClose;
import org.bastion.protocol.Replies;
import org.bastion.stats.StatsReport;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.Store;

/**
 * memcached's binary protocol on top of Netty's codec and aggregator: checks each request's framing as memcached's
 * {@code dispatch_bin_command} does, then runs it through the {@link Executor} like every other protocol.
 * Replies are written in request order and flushed once per read batch; quiet commands reply only on error (and
 * GetQ/GetKQ/GatQ/GatKQ only on a hit).
 *
 * <p>Long because memcached's binary protocol has about thirty opcodes, each with its own framing check (extras, key
 * and body lengths that must match exactly, as in {@code dispatch_bin_command}) and its own status mapping; each is
 * one short method, and they share the response writer at the bottom.
 */
public final class BinaryCommandHandler extends SimpleChannelInboundHandler<FullBinaryMemcacheRequest>
        implements RequestProgress {
    private static final System.Logger LOG = System.getLogger("org.bastion.server");
    static final int HEADER_LENGTH = 24;
    static final int REQUEST_MAGIC = 0x80;
    /** memcached 1.6 no longer dispatches it (1.6.18 answers Unknown command); the issue asks for it, as in 1.4. */
    static final byte VERBOSITY = 0x1b;
    /**
     * Bastion's own {@code snapshot}: no extras, key or value; answered with an empty success once the snapshot file
     * is durable, or status 0x0084 (internal error) and the reason. 0x1f is unassigned in memcached's
     * {@code protocol_binary.h}.
     */
    static final byte SNAPSHOT = 0x1f;
    static final short INTERNAL_ERROR = 0x0084;
    /** Incr/decr expiry meaning "do not create the counter on a miss". */
    static final long NO_CREATE = 0xFFFF_FFFFL;
    private static final byte[] VERSION_BODY = Replies.ascii(StatsReport.COMPATIBLE_VERSION);
    private static final byte[] AUTHENTICATED = Replies.ascii("Authenticated");
    /** A SASL request's mechanism and data: a name and a password or digest, never more. */
    static final int MAX_SASL_BODY = 4096;

    private final Executor exec;
    private final Stats stats;
    private final Session session;
    /** The one get command of this connection, re-aimed at each request's key. */
    private final Command.Get get = new Command.Get();
    private ChannelHandlerContext ctx;
    private boolean closing;
    /** Bytes that reached the connection, and bytes of requests that have been executed (header + declared body). */
    private long receivedBytes;
    private long executedBytes;
    private long completed;
    /** A request answered later (retained): a snapshot, a login check, a whole-store stats walk; or null. */
    private FullBinaryMemcacheRequest waiting;
    /** The stage before this one, where later requests wait while {@link #waiting} is answered. */
    private RequestQueue queue;

    // The request being executed.
    private FullBinaryMemcacheRequest req;
    private int keyLength;
    private int extrasLength;
    private long bodyLength;

    BinaryCommandHandler(Executor exec, Stats stats, Session session) {
        super(FullBinaryMemcacheRequest.class);
        this.exec = exec;
        this.stats = stats;
        this.session = session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Called by {@link BinaryBytesIn} with every read, before framing. */
    void received(int bytes) {
        receivedBytes += bytes;
        stats.bytesRead.add(bytes);
    }

    /**
     * Whether part of a request has arrived and the rest has not (for the request timeout): counted, not inspected,
     * because Netty's decoder keeps partial headers to itself. The dropped tail of an oversized value counts too.
     */
    @Override
    public boolean hasPartialRequest() {
        return receivedBytes != executedBytes;
    }

    @Override
    public long completedRequests() {
        return completed;
    }

    /** Wires the {@link RequestQueue} before this handler (done once, by {@link BinaryProtocol#stages}). */
    void queue(RequestQueue queue) {
        this.queue = queue;
    }

    /** Called by the {@link RequestQueue} for every whole request, whether answered at once or waiting there. */
    void decoded(FullBinaryMemcacheRequest request) {
        executedBytes += HEADER_LENGTH + Integer.toUnsignedLong(request.totalBodyLength());
        completed++;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullBinaryMemcacheRequest request) {
        if (closing) {
            return;
        }
        session.commandDone();
        req = request;
        keyLength = request.keyLength() & 0xFFFF;
        extrasLength = request.extrasLength() & 0xFF;
        bodyLength = Integer.toUnsignedLong(request.totalBodyLength());
        try {
            dispatch();
        } finally {
            req = null;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!closing) {
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset connection, or one closed with a request half-received (the aggregator says so): nothing useful can
        // be said to the client. Anything else is a fault of ours, closed the same way but said in the log (as the
        // text handler does), so it is seen, not swallowed.
        if (!Faults.escalate(cause)
                && !(cause instanceof java.io.IOException || cause instanceof PrematureChannelClosureException)) {
            LOG.log(System.Logger.Level.WARNING, "closing " + ctx.channel().remoteAddress()
                    + ": its reply could not be completed: " + cause);
        }
        ctx.close();
    }

    private void dispatch() {
        if (!req.decoderResult().isSuccess()) {
            // Netty rejects a header whose key and extras do not fit its body; memcached answers that so and closes.
            errorAndClose(BinaryStatus.UNKNOWN_COMMAND);
            return;
        }
        if ((req.magic() & 0xFF) != REQUEST_MAGIC) {
            close();
            return;
        }
        if (keyLength > Key.MAX_LENGTH) {
            errorAndClose(BinaryStatus.EINVAL);
            return;
        }
        byte opcode = req.opcode();
        if (session.authRequired()) {
            if (opcode == SASL_LIST_MECHS || opcode == SASL_AUTH || opcode == SASL_STEP) {
                sasl(opcode);
                return;
            }
            if (!session.authenticated() && opcode != VERSION) {
                // memcached: before SASL only the SASL commands and VERSION; anything else, "Auth failure." and close.
                errorAndClose(BinaryStatus.AUTH_ERROR);
                return;
            }
        }
        switch (opcode) {
            case GET, GETQ, GETK, GETKQ -> {
                if (extrasLength == 0 && bodyLength == keyLength && keyLength > 0) {
                    get(opcode == GETK || opcode == GETKQ, opcode == GETQ || opcode == GETKQ);
                } else {
                    protocolError();
                }
            }
            case SET, SETQ -> update(Store.Mode.SET, opcode == SETQ);
            case ADD, ADDQ -> update(Store.Mode.ADD, opcode == ADDQ);
            case REPLACE, REPLACEQ -> update(Store.Mode.REPLACE, opcode == REPLACEQ);
            case APPEND, APPENDQ -> concat(Store.Mode.APPEND, opcode == APPENDQ);
            case PREPEND, PREPENDQ -> concat(Store.Mode.PREPEND, opcode == PREPENDQ);
            case DELETE, DELETEQ -> delete(opcode == DELETEQ);
            case INCREMENT, INCREMENTQ -> arithmetic(true, opcode == INCREMENTQ);
            case DECREMENT, DECREMENTQ -> arithmetic(false, opcode == DECREMENTQ);
            case TOUCH -> touch(false, false, false);
            case GAT, GATQ -> touch(true, false, opcode == GATQ);
            case GATK, GATKQ -> touch(true, true, opcode == GATKQ);
            case FLUSH, FLUSHQ -> flush(opcode == FLUSHQ);
            case NOOP -> {
                if (emptyRequest()) {
                    success(null, null, null, 0, false);
                } else {
                    protocolError();
                }
            }
            case VERSION -> {
                if (emptyRequest()) {
                    success(null, null, Unpooled.wrappedBuffer(VERSION_BODY), 0, false);
                } else {
                    protocolError();
                }
            }
            case QUIT, QUITQ -> {
                if (emptyRequest()) {
                    success(null, null, null, 0, opcode == QUITQ);
                    close();
                } else {
                    protocolError();
                }
            }
            case STAT -> stat();
            case SNAPSHOT -> snapshot();
            case VERBOSITY -> verbosity();
            case SASL_LIST_MECHS -> {
                // No SASL in this server: answered as memcached without SASL does, connection kept.
                if (emptyRequest()) {
                    error(BinaryStatus.UNKNOWN_COMMAND);
                } else {
                    protocolError();
                }
            }
            case SASL_AUTH, SASL_STEP -> {
                if (extrasLength == 0 && keyLength != 0) {
                    error(BinaryStatus.UNKNOWN_COMMAND);
                } else {
                    protocolError();
                }
            }
            default -> error(BinaryStatus.UNKNOWN_COMMAND);
        }
    }

    /**
     * SASL when the server requires logins: LIST_MECHS answers the mechanisms; AUTH starts PLAIN (done in one step)
     * or CRAM-MD5 (answered AUTH_CONTINUE with a challenge); STEP answers the challenge. Success answers
     * "Authenticated"; a failure "Auth failure." (status 0x20), and the connection closes after a few.
     */
    private void sasl(byte opcode) {
        if (opcode == SASL_LIST_MECHS) {
            if (emptyRequest()) {
                success(null, null, Unpooled.copiedBuffer(Authenticator.MECHANISMS, StandardCharsets.US_ASCII), 0,
                        false);
            } else {
                protocolError();
            }
            return;
        }
        if (extrasLength != 0 || keyLength == 0 || bodyLength > MAX_SASL_BODY) {
            protocolError();
            return;
        }
        String mechanism = req.key().toString(StandardCharsets.US_ASCII);
        byte[] data = ByteBufUtil.getBytes(req.content());
        Command.Login.Kind kind = opcode == SASL_STEP ? Command.Login.Kind.STEP
                : mechanism.equals("PLAIN") ? Command.Login.Kind.PLAIN
                : mechanism.equals("CRAM-MD5") ? Command.Login.Kind.CRAM_MD5_START : Command.Login.Kind.UNSUPPORTED;
        Outcome outcome = exec.execute(session, new Command.Login(kind, null, data));
        java.util.Arrays.fill(data, (byte) 0);
        if (outcome instanceof Outcome.Later later) {
            // Held like a snapshot: later requests wait in the queue until this one is answered.
            waiting = req.retain();
            queue.pause();
            later.result().whenComplete((result, failure) -> ctx.executor().execute(() ->
                    answerLater(() -> answerLogin(result instanceof Outcome.LoginResult done ? done : null))));
            return;
        }
        answerLogin((Outcome.LoginResult) outcome);
    }

    /** Answers a login; a null result (its check failed) is a failed login that closes. */
    private void answerLogin(Outcome.LoginResult result) {
        if (result == null) {
            errorAndClose(BinaryStatus.AUTH_ERROR);
            return;
        }
        switch (result.status()) {
            case OK -> success(null, null, Unpooled.wrappedBuffer(AUTHENTICATED), 0, false);
            case CONTINUE -> respond(BinaryStatus.AUTH_CONTINUE, null, null,
                    Unpooled.wrappedBuffer(result.challenge()), 0);
            case FAILED -> error(BinaryStatus.AUTH_ERROR);
            case FAILED_CLOSE -> errorAndClose(BinaryStatus.AUTH_ERROR);
            case BUSY -> error(BinaryStatus.TEMPORARY_FAILURE);
        }
    }

    private boolean emptyRequest() {
        return extrasLength == 0 && keyLength == 0 && bodyLength == 0;
    }

    private Key key() {
        return Key.of(ByteBufUtil.getBytes(req.key()));
    }

    private long valueLength() {
        return bodyLength - keyLength - extrasLength;
    }

    private void get(boolean returnKey, boolean quiet) {
        Key key = key();
        Outcome outcome = exec.execute(session, get.read(key));
        if (outcome instanceof Outcome.Refused) {
            error(BinaryStatus.AUTH_ERROR);
            return;
        }
        Item item = outcome instanceof Outcome.Hit hit ? hit.item() : null;
        if (item == null) {
            if (!quiet) {
                miss(key, returnKey);
            }
            return;
        }
        respond(BinaryStatus.SUCCESS, flags(item), returnKey ? Unpooled.wrappedBuffer(key.bytes()) : null,
                Unpooled.wrappedBuffer(item.value), item.cas);
    }

    /** Touch (flags only), GAT (flags and value) and GATK (flags, key and value). */
    private void touch(boolean returnValue, boolean returnKey, boolean quiet) {
        if (extrasLength != 4 || keyLength == 0) {
            protocolError();
            return;
        }
        Key key = key();
        long exptime = req.extras().getUnsignedInt(req.extras().readerIndex());
        Outcome outcome = exec.execute(session, returnValue ? get.touch(key, exptime) : new Command.Touch(key, exptime));
        if (outcome instanceof Outcome.Refused) {
            error(BinaryStatus.AUTH_ERROR);
            return;
        }
        Item item = null;
        if (outcome instanceof Outcome.Hit hit) {
            item = hit.item();
        } else if (outcome instanceof Outcome.Found found) {
            item = found.item();
        }
        if (item == null) {
            if (!quiet) {
                miss(key, returnKey);
            }
            return;
        }
        respond(BinaryStatus.SUCCESS, flags(item), returnKey ? Unpooled.wrappedBuffer(key.bytes()) : null,
                returnValue ? Unpooled.wrappedBuffer(item.value) : null, item.cas);
    }

    /** A miss: the key-returning commands send the key and no message, the others "Not found". */
    private void miss(Key key, boolean returnKey) {
        if (returnKey) {
            respond(BinaryStatus.KEY_ENOENT, null, Unpooled.wrappedBuffer(key.bytes()), null, 0);
        } else {
            error(BinaryStatus.KEY_ENOENT);
        }
    }

    private static ByteBuf flags(Item item) {
        return Unpooled.buffer(4).writeInt(item.flags);
    }

    /** Set, Add, Replace: extras are flags and expiry; a CAS in the header makes any of them a compare-and-swap. */
    private void update(Store.Mode mode, boolean quiet) {
        if (extrasLength != 8 || keyLength == 0 || bodyLength < keyLength + 8L) {
            protocolError();
            return;
        }
        ByteBuf extras = req.extras();
        int flags = extras.getInt(extras.readerIndex());
        long exptime = extras.getUnsignedInt(extras.readerIndex() + 4);
        long cas = req.cas();
        store(mode, cas != 0 ? Store.Mode.CAS : mode, flags, exptime, cas, quiet);
    }

    /** Append, Prepend: no extras; a CAS in the header must match. */
    private void concat(Store.Mode mode, boolean quiet) {
        if (extrasLength != 0 || keyLength == 0) {
            protocolError();
            return;
        }
        store(mode, mode, 0, 0, req.cas(), quiet);
    }

    private void store(Store.Mode requested, Store.Mode mode, int flags, long exptime, long cas, boolean quiet) {
        Key key = key();
        // A value over -I: BinaryValueLimit already dropped its bytes; a set also loses the old value, as in memcached.
        boolean dropsOld = requested == Store.Mode.SET;
        Command.Write write = valueLength() > exec.maxItemSize()
                ? Command.Write.oversized(mode, key, valueLength(), dropsOld)
                : Command.Write.of(mode, key, flags, exptime, ByteBufUtil.getBytes(req.content()), cas, dropsOld);
        Outcome outcome = exec.execute(session, write);
        if (outcome instanceof Outcome.Refused) {
            error(BinaryStatus.AUTH_ERROR);
            return;
        }
        if (!(outcome instanceof Outcome.Wrote written)) {
            error(BinaryStatus.E2BIG);
            return;
        }
        switch (written.result()) {
            case STORED -> success(null, null, null, written.item().cas, quiet);
            case EXISTS -> error(BinaryStatus.KEY_EEXISTS);
            case NOT_FOUND -> error(BinaryStatus.KEY_ENOENT);
            case NO_MEMORY -> error(BinaryStatus.ENOMEM);
            // memcached reports a failed add as "exists" and a failed replace as "not found".
            case NOT_STORED -> error(requested == Store.Mode.ADD ? BinaryStatus.KEY_EEXISTS
                    : requested == Store.Mode.REPLACE ? BinaryStatus.KEY_ENOENT : BinaryStatus.NOT_STORED);
        }
    }

    private void delete(boolean quiet) {
        if (keyLength == 0 || extrasLength != 0 || bodyLength != keyLength) {
            protocolError();
            return;
        }
        Outcome outcome = exec.execute(session, Command.Delete.of(key(), req.cas()));
        if (outcome instanceof Outcome.Refused) {
            error(BinaryStatus.AUTH_ERROR);
            return;
        }
        switch (((Outcome.Deleted) outcome).result()) {
            case DELETED -> success(null, null, null, 0, quiet);
            case NOT_FOUND -> error(BinaryStatus.KEY_ENOENT);
            case EXISTS -> error(BinaryStatus.KEY_EEXISTS);
        }
    }

    /** Extras: delta (8), initial value (8), expiry (4; 0xffffffff means a miss is not created). */
    private void arithmetic(boolean incr, boolean quiet) {
        if (keyLength == 0 || extrasLength != 20 || bodyLength != keyLength + 20L) {
            protocolError();
            return;
        }
        ByteBuf extras = req.extras();
        int at = extras.readerIndex();
        long delta = extras.getLong(at);
        long initial = extras.getLong(at + 8);
        long exptime = extras.getUnsignedInt(at + 16);
        Command.Delta.OnMiss onMiss = exptime != NO_CREATE ? Command.Delta.OnMiss.ADD : Command.Delta.OnMiss.ANSWER;
        Outcome outcome = exec.execute(session,
                new Command.Delta(key(), incr, delta, req.cas(), onMiss, initial, exptime, false, 0, 0));
        if (outcome instanceof Outcome.Refused) {
            error(BinaryStatus.AUTH_ERROR);
            return;
        }
        Store.DeltaResult result = ((Outcome.Counted) outcome).result();
        switch (result.kind()) {
            case OK -> success(null, null, Unpooled.buffer(8).writeLong(result.value()), result.item().cas, quiet);
            case NOT_FOUND -> error(BinaryStatus.KEY_ENOENT);
            case NON_NUMERIC -> error(BinaryStatus.DELTA_BADVAL);
            case EXISTS -> error(BinaryStatus.KEY_EEXISTS);
            case NOT_STORED -> error(BinaryStatus.NOT_STORED);
            case NO_MEMORY -> error(BinaryStatus.ENOMEM);
        }
    }

    /** Extras: none, or a delay (4) with memcached's expiry rules. {@code -F} and read-only sources get AUTH_ERROR. */
    private void flush(boolean quiet) {
        if (keyLength != 0 || bodyLength != extrasLength || (extrasLength != 0 && extrasLength != 4)) {
            protocolError();
            return;
        }
        long delay = extrasLength == 4 ? req.extras().getUnsignedInt(req.extras().readerIndex()) : 0;
        if (exec.execute(session, new Command.Flush(delay)) instanceof Outcome.Refused) {
            error(BinaryStatus.AUTH_ERROR);
            return;
        }
        success(null, null, null, 0, quiet);
    }

    private void verbosity() {
        if (extrasLength != 4 || keyLength != 0 || bodyLength != 4) {
            protocolError();
            return;
        }
        long level = req.extras().getUnsignedInt(req.extras().readerIndex());
        if (exec.execute(session, new Command.Verbosity((int) Math.min(level, Integer.MAX_VALUE)))
                instanceof Outcome.Refused) {
            error(BinaryStatus.AUTH_ERROR);
            return;
        }
        success(null, null, null, 0, false);
    }

    /**
     * One response per statistic (key = name, value = value), then an empty one. The key selects the group as
     * memcached's binary protocol does: "reset", "settings" and "detail" by prefix ("detail" followed by " dump",
     * " on" or " off"), "items", "slabs", "sizes", "sizes_enable" and "sizes_disable" exactly; anything else
     * ({@code conns} and {@code cachedump} among them, which memcached answers only in text) is a miss.
     */
    private void stat() {
        if (extrasLength != 0) {
            protocolError();
            return;
        }
        Command.Stats query = statQuery(req.key() == null ? "" : req.key().toString(StandardCharsets.ISO_8859_1));
        if (query == null) {
            error(BinaryStatus.KEY_ENOENT);
            return;
        }
        Outcome outcome = exec.execute(session, query);
        if (outcome instanceof Outcome.Later later) {
            // A walk of the whole store, done off the event loop: later requests wait in the queue until it is answered.
            waiting = req.retain();
            queue.pause();
            later.result().whenComplete((result, failure) -> ctx.executor().execute(() ->
                    answerLater(() -> answerStats(failure == null ? result : Outcome.Done.UNKNOWN_STATS))));
            return;
        }
        answerStats(outcome);
    }

    /** The stats query a binary key names, or null when memcached's binary protocol knows no such group. */
    static Command.Stats statQuery(String key) {
        if (key.startsWith("reset")) {
            return new Command.Stats("reset", null, null);
        }
        if (key.startsWith("settings")) {
            return new Command.Stats("settings", null, null);
        }
        if (key.startsWith("detail")) {
            String rest = key.substring("detail".length());
            for (String arg : new String[] {"dump", "on", "off"}) {
                if (rest.startsWith(" " + arg)) {
                    return new Command.Stats("detail", arg, null);
                }
            }
            return null;
        }
        return switch (key) {
            case "", "items", "slabs", "sizes", "sizes_enable", "sizes_disable" -> new Command.Stats(key, null, null);
            default -> null;
        };
    }

    private void answerStats(Outcome outcome) {
        if (outcome instanceof Outcome.Refused && outcome != Outcome.Refused.DUMP_DISABLED) {
            error(BinaryStatus.AUTH_ERROR);
            return;
        }
        if (outcome == Outcome.Done.UNKNOWN_STATS) {
            error(BinaryStatus.KEY_ENOENT);
            return;
        }
        if (outcome instanceof Outcome.Figures figures) {
            for (Stat stat : figures.stats()) {
                respond(BinaryStatus.SUCCESS, null, Unpooled.copiedBuffer(stat.name(), StandardCharsets.ISO_8859_1),
                        Unpooled.copiedBuffer(stat.value(), StandardCharsets.ISO_8859_1), 0);
            }
        } else if (outcome instanceof Outcome.Lines lines && !lines.lines().isEmpty()
                && lines.lines().get(lines.lines().size() - 1).equals("END")) {
            // detail dump: memcached sends the text dump, END included, as the value of one statistic "detailed".
            StringBuilder dump = new StringBuilder();
            lines.lines().forEach(line -> dump.append(line).append("\r\n"));
            respond(BinaryStatus.SUCCESS, null, Unpooled.copiedBuffer("detailed", StandardCharsets.ISO_8859_1),
                    Unpooled.copiedBuffer(dump, StandardCharsets.ISO_8859_1), 0);
        }
        // Anything else (reset, detail on/off, a refusal) is answered with the terminator alone.
        success(null, null, null, 0, false);
    }

    /** Starts a snapshot and holds this connection's later requests until it is answered. */
    private void snapshot() {
        if (!emptyRequest()) {
            protocolError();
            return;
        }
        Outcome outcome = exec.execute(session, new Command.Snapshot());
        if (outcome instanceof Outcome.Refused) {
            error(BinaryStatus.AUTH_ERROR);
            return;
        }
        waiting = req.retain();
        queue.pause();
        ((Outcome.Snapshotting) outcome).durable().whenComplete((summary, failure) ->
                ctx.executor().execute(() -> answerLater(() -> answerSnapshot(failure))));
    }

    private void answerSnapshot(Throwable failure) {
        if (failure == null) {
            respond(BinaryStatus.SUCCESS, null, null, null, 0);
        } else {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException
                    && failure.getCause() != null ? failure.getCause() : failure;
            respond(INTERNAL_ERROR, null, null, Unpooled.copiedBuffer("snapshot failed: " + cause.getMessage(),
                    StandardCharsets.UTF_8), 0);
        }
    }

    /**
     * On the event loop: answers the held request (a snapshot, a login, a stats walk) with {@code answer}, then runs
     * what was held behind it, in order.
     */
    private void answerLater(Runnable answer) {
        FullBinaryMemcacheRequest request = waiting;
        if (request == null) {
            return; // the connection closed meanwhile
        }
        waiting = null;
        try {
            req = request;
            answer.run();
        } finally {
            req = null;
            request.release();
        }
        ctx.flush();
        if (!closing) {
            queue.resume();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (waiting != null) {
            waiting.release();
            waiting = null;
        }
    }

    private void success(ByteBuf extras, ByteBuf key, ByteBuf value, long cas, boolean quiet) {
        if (quiet) {
            if (value != null) {
                value.release();
            }
            return;
        }
        respond(BinaryStatus.SUCCESS, extras, key, value, cas);
    }

    /** Errors are always sent, quiet command or not. */
    private void error(short status) {
        respond(status, null, null, Unpooled.wrappedBuffer(BinaryStatus.message(status)), 0);
    }

    /** memcached answers a malformed request "Invalid arguments" and closes the connection. */
    private void protocolError() {
        errorAndClose(BinaryStatus.EINVAL);
    }

    private void errorAndClose(short status) {
        error(status);
        close();
    }

    private void respond(short status, ByteBuf extras, ByteBuf key, ByteBuf value, long cas) {
        DefaultFullBinaryMemcacheResponse response = new DefaultFullBinaryMemcacheResponse(key, extras,
                value == null ? Unpooled.EMPTY_BUFFER : value);
        response.setOpcode(req.opcode());
        response.setOpaque(req.opaque());
        response.setStatus(status);
        response.setCas(cas);
        int body = (response.keyLength() & 0xFFFF) + (response.extrasLength() & 0xFF)
                + response.content().readableBytes();
        response.setTotalBodyLength(body);
        stats.bytesWritten.add(HEADER_LENGTH + body);
        ctx.write(response, ctx.voidPromise());
    }

    /** Sends what is pending, then closes; later requests in the same read are ignored. */
    private void close() {
        closing = true;
        LingeringClose.afterReplies(ctx);
    }
}
