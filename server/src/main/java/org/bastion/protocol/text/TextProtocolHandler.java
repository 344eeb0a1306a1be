package org.bastion.protocol.text;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.bastion.command.Executor;
import org.bastion.config.Settings;
import org.bastion.protocol.Faults;
import org.bastion.protocol.InputBudget;
import org.bastion.protocol.LingeringClose;
import org.bastion.policy.RequestProgress;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.protocol.ReplyBuffer;
import org.bastion.protocol.Turn;
import org.bastion.stats.Stats;

/**
 * memcached's text protocol (and, for lines whose command is two letters starting with {@code m}, the meta protocol)
 * as a translator: bytes become {@link Command}s for the {@link Executor}, {@link Outcome}s become memcached's exact
 * replies. The decoder is an explicit state machine over the connection's bytes:
 * <ul>
 * <li>{@link State#LINE}: waiting for a command line (bounded by {@link #MAX_LINE}, or {@link #MAX_GET_LINE} for
 * get/gets);</li>
 * <li>{@link State#DATA}: a storage command's {@code <bytes>+2} data block, executed once whole;</li>
 * <li>{@link State#SWALLOW}: discarding a refused value's bytes without keeping them;</li>
 * <li>{@link State#LOGIN}: the data block of a login {@code set}, before the connection has logged in
 * ({@link TextLogin}: until then, no line reaches {@link TextCommands});</li>
 * <li>{@link State#CLOSING}: after {@code quit}, an oversize line or an HTTP request: nothing more is read.</li>
 * </ul>
 * Replies collect in a {@link ReplyBuffer} and go out with one flush per read batch, in request order. What a line
 * means is {@link TextCommands}' job.
 *
 * <p>Hostile clients are bounded here: the input held for an unfinished request counts against the server's
 * {@link InputBudget} (over it, the largest holders are closed); a client that does not take its replies makes the
 * decoder <em>pause</em> (no more requests decoded, auto-read off) until the channel drains below its low water mark,
 * and a multi-get reply is produced piece by piece as the socket takes it, resumed from a task so other connections
 * on the event loop are served in between; after {@code -R} requests in one turn the connection yields (a
 * {@link Turn}) so that a client pipelining thousands of requests cannot keep the others on its event loop waiting; a
 * reply that cannot be completed (an exception while producing it) closes the connection rather than leaving it
 * half-written.
 *
 * <p>Long because one connection's states (line, data, swallow, waiting for a snapshot, closing) and its pause and
 * resume are one state machine: split, the rules for which bytes may be decoded when would be spread over classes.
 */
public final class TextProtocolHandler extends ByteToMessageDecoder implements RequestProgress {
    private static final System.Logger LOG = System.getLogger("org.bastion.server");
    /** A command line longer than this with no newline closes the connection, as in memcached. */
    public static final int MAX_LINE = 2048;
    /** The longest {@code get}/{@code gets} line accepted (memcached's are unbounded); longer ones close the connection. */
    public static final int MAX_GET_LINE = 1024 * 1024;
    /** Where the decoder is in the byte stream. */
    enum State { LINE, DATA, SWALLOW, LOGIN, CLOSING }

    private final Executor exec;
    private final Stats stats;
    private final SecurityLog securityLog;
    private final Session session;
    private final InputBudget budget;
    private final Turn turn;
    private InputBudget.Account account;
    private ChannelHandlerContext ctx;
    /** Not decoding: the client is behind on taking replies (or a long reply yields its event loop). */
    private boolean paused;
    private boolean resumeScheduled;
    /** Created once per connection: resuming allocates nothing. */
    private final Runnable resumeTask = this::resume;
    private ReplyBuffer reply;
    private TextCommands commands;
    private TextLogin login;
    private State state = State.LINE;
    /** The current command line, without CR LF; grown to the longest line seen. */
    private byte[] line = new byte[256];
    /** A line buffer larger than this is dropped after its command (see {@link #shrinkScratch}). */
    private static final int LARGE_SCRATCH_BYTES = 64 * 1024;
    /** In SWALLOW: bytes of a refused value still to discard. */
    private long swallow;
    /** In DATA: bytes of the data block (and its CR LF) the command waits for. */
    private int dataBytes;
    /** Bytes after the reader index already searched for a newline without finding one. */
    private int scanned;
    /** Requests finished so far, for the request timeout's notion of progress. */
    private long completed;

    public TextProtocolHandler(Executor exec, Stats stats, SecurityLog securityLog, Session session) {
        this(exec, stats, securityLog, session, InputBudget.unlimited());
    }

    public TextProtocolHandler(Executor exec, Stats stats, SecurityLog securityLog, Session session,
            InputBudget budget) {
        this(exec, stats, securityLog, session, budget, new Turn(Settings.DEFAULT_REQS_PER_EVENT, stats.connYields));
    }

    /** As the server builds it: unfinished input counts against {@code budget}; {@code turn} is {@code -R}. */
    public TextProtocolHandler(Executor exec, Stats stats, SecurityLog securityLog, Session session,
            InputBudget budget, Turn turn) {
        this.exec = exec;
        this.stats = stats;
        this.securityLog = securityLog;
        this.session = session;
        this.budget = budget;
        this.turn = turn;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        reply = new ReplyBuffer(ctx, stats);
        commands = new TextCommands(exec, session, reply);
        login = new TextLogin(exec, session, reply);
        account = budget.open(() -> ctx.executor().execute(this::overBudget));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf buf) {
            stats.bytesRead.add(buf.readableBytes());
        }
        try {
            super.channelRead(ctx, msg);
        } finally {
            // What this connection holds of an unfinished request, as allocated (capacity, not just the bytes).
            account.hold(internalBuffer().capacity());
        }
    }

    /** Chosen by the input budget: the largest holder is closed, what it held freed. */
    private void overBudget() {
        if (state != State.CLOSING) {
            securityLog.event(SecurityLog.Kind.OVERSIZE_LINE, session.sourceAddress(), "closed: holding "
                    + internalBuffer().capacity() + " bytes of unfinished input while the server's input budget of "
                    + budget.limit() + " bytes is spent");
            ByteBuf held = internalBuffer();
            held.skipBytes(held.readableBytes());
            closeNow(ctx);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (paused && ctx.channel().isWritable()) {
            scheduleResume();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Whatever failed, the reply in progress cannot be completed: close rather than leave it half-written.
        if (state != State.CLOSING) {
            state = State.CLOSING;
            reply.discard();
            if (!Faults.escalate(cause) && !(cause instanceof java.io.IOException)) {
                LOG.log(System.Logger.Level.WARNING, "closing " + ctx.channel().remoteAddress()
                        + ": its reply could not be completed: " + cause);
            }
        }
        ctx.close();
    }

    /** Stops decoding and reading until the client has taken what was written (or, if it has, yields a turn). */
    private void pause(ChannelHandlerContext ctx) {
        paused = true;
        ctx.channel().config().setAutoRead(false);
        reply.flush();
        if (ctx.channel().isWritable()) {
            scheduleResume();
        }
    }

    /**
     * Stops decoding and reading until what the command waits for (a snapshot write) is done; then resumes from a task
     * on this event loop, which writes the reply before any later request is decoded.
     */
    private void waitFor(ChannelHandlerContext ctx) {
        waitFor(ctx, commands.waitingFor());
    }

    /** As {@link #waitFor(ChannelHandlerContext)}, for what {@code work} completes (a login's password check). */
    private void waitFor(ChannelHandlerContext ctx, java.util.concurrent.CompletableFuture<?> work) {
        paused = true;
        ctx.channel().config().setAutoRead(false);
        reply.flush();
        work.whenComplete((result, failure) -> ctx.executor().execute(() -> {
            if (paused) {
                scheduleResume();
            }
        }));
    }

    /** {@code -R} requests answered in this turn: the others on the event loop go first (see {@link Turn}). */
    private void yieldTurn(ChannelHandlerContext ctx) {
        paused = true;
        ctx.channel().config().setAutoRead(false);
        scheduleResume();
    }

    /**
     * Resumes once the event loop has served its other sockets ({@link Turn#yieldThen}), whatever paused: a long
     * reply to a client that reads as fast as it is sent to (a metadump of every item) pauses at each high mark and is
     * writable again within the same flush, and resumed from an executed task it would be produced whole in one pass
     * of the loop, every other connection of the loop waiting (a bystander waited 0.7 to 1.4 s behind a 500,000-item
     * dump).
     */
    private void scheduleResume() {
        if (!resumeScheduled) {
            resumeScheduled = true;
            Turn.yieldThen(ctx, resumeTask);
        }
    }

    /** From a task, never inside a flush: goes on with the paused reply, then decodes what is held. */
    private void resume() {
        resumeScheduled = false;
        if (!paused || state == State.CLOSING || !ctx.channel().isActive() || !ctx.channel().isWritable()) {
            return;
        }
        try {
            paused = false;
            TextCommands.Next next = login.waitingFor() != null ? resumeLogin() : commands.resume();
            if (next == TextCommands.Next.CLOSE) {
                close(ctx);
                return;
            }
            if (next == TextCommands.Next.WAIT) {
                waitFor(ctx, login.waitingFor() != null ? login.waitingFor() : commands.waitingFor());
                return;
            }
            if (next == TextCommands.Next.PAUSE || reply.mustPause()) {
                pause(ctx);
                return;
            }
            shrinkScratch();
            ctx.channel().config().setAutoRead(true);
            if (internalBuffer().isReadable()) {
                channelRead(ctx, Unpooled.EMPTY_BUFFER);
            }
            channelReadComplete(ctx);
        } catch (Throwable e) {
            // Out of direct memory included: the reply cannot be completed, so the connection closes.
            exceptionCaught(ctx, e);
        }
    }

    /** Answers a login whose password check is done; WAIT while it is not. */
    private TextCommands.Next resumeLogin() {
        return login.waitingFor().isDone() ? login.resume() : TextCommands.Next.WAIT;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        // memcached's rule for a line without its newline: over 2048 bytes, only get/gets may go on. Checked once the
        // whole read batch is decoded, so a complete long line is answered from the line itself (ERROR for junk) however
        // Netty split the reads that brought it. Unless paused, decoding consumed every complete line.
        turn.renew();
        ByteBuf held = internalBuffer();
        if (!paused && state == State.LINE && held.readableBytes() > MAX_LINE
                && (!mayBeLong(held) || !session.authenticated())) {
            closeOversize(ctx, held);
        }
        if (state != State.CLOSING) {
            reply.flush();
        }
        if (paused) {
            // Not super's: with auto-read off and no message passed on, it would ask for one more read each batch.
            discardSomeReadBytes();
            ctx.fireChannelReadComplete();
        } else {
            super.channelReadComplete(ctx);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        account.release();
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        reply.discard();
        account.release();
    }

    /**
     * Whether part of a command or value has arrived and the rest has not (for the request timeout). Not while paused:
     * then the client is behind on reading, not on sending, and what is held are requests waiting for it to catch up.
     */
    @Override
    public boolean hasPartialRequest() {
        return !paused && (state == State.DATA || state == State.SWALLOW || state == State.LOGIN
                || (internalBuffer() != null && internalBuffer().isReadable()));
    }

    @Override
    public long completedRequests() {
        return completed;
    }

    @Override
    public boolean onlyReceives() {
        return commands != null && commands.watching();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            if (paused) {
                return;
            }
            if (state != State.CLOSING && reply.mustPause()) {
                pause(ctx);
                return;
            }
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
                    if (in.readableBytes() < dataBytes) {
                        return;
                    }
                    state = State.LINE;
                    commands.completeData(in);
                    completed++;
                }
                case LOGIN -> {
                    if (in.readableBytes() < login.dataBytes()) {
                        return;
                    }
                    state = State.LINE;
                    completed++;
                    switch (login.data(in)) {
                        case CLOSE -> close(ctx);
                        case WAIT -> {
                            waitFor(ctx, login.waitingFor());
                            return;
                        }
                        default -> { }
                    }
                }
                case LINE -> {
                    int len = readLine(in);
                    if (len < 0) {
                        // Only the get line's own bound here; the 2048-byte rule waits for the end of the read batch.
                        if (in.readableBytes() > MAX_GET_LINE) {
                            closeOversize(ctx, in);
                        }
                        return;
                    }
                    session.commandDone();
                    if (!session.authenticated()) {
                        completed++;
                        switch (login.line(line, len)) {
                            case DATA -> state = State.LOGIN;
                            case CLOSE -> close(ctx);
                            default -> { }
                        }
                        if (state != State.CLOSING && turn.spend()) {
                            yieldTurn(ctx);
                            return;
                        }
                        continue;
                    }
                    stats.verbose.command(session.id(), line, len);
                    TextCommands.Next next = commands.process(line, len);
                    completed++;
                    switch (next) {
                        case DATA -> {
                            dataBytes = commands.dataBytes();
                            state = State.DATA;
                        }
                        case SWALLOW -> {
                            swallow = commands.swallowBytes();
                            state = State.SWALLOW;
                        }
                        case CLOSE -> close(ctx);
                        case PAUSE -> {
                            pause(ctx);
                            return;
                        }
                        case WAIT -> {
                            waitFor(ctx);
                            return;
                        }
                        case LINE -> shrinkScratch();
                    }
                    if (state != State.CLOSING && turn.spend()) {
                        yieldTurn(ctx);
                        return;
                    }
                }
                case CLOSING -> in.skipBytes(in.readableBytes());
            }
        }
    }

    /**
     * After a command is done: a line buffer and token tables that one long get grew go back to their first size, so
     * a connection that goes idle after a 1 MiB get holds kilobytes, not the 7 MB it did (line, token bounds, items).
     */
    private void shrinkScratch() {
        if (line.length > LARGE_SCRATCH_BYTES) {
            line = new byte[256];
        }
        commands.shrinkScratch();
    }

    /** Bytes of heap this connection keeps for parsing between commands (tests). */
    long scratchBytes() {
        return line.length + commands.scratchBytes();
    }

    /** Copies the next complete line (without CR LF) into {@link #line} and consumes it; -1 when none has arrived. */
    private int readLine(ByteBuf in) {
        int start = in.readerIndex();
        // Resume the search where the last one stopped: a long line arriving in many reads is scanned once, not once
        // per read (which made 300 clients each drip a 1 MB get line cost the event loops quadratic time).
        int from = start + Math.min(scanned, in.readableBytes());
        int lf = in.indexOf(from, in.writerIndex(), (byte) '\n');
        if (lf < 0) {
            scanned = in.readableBytes();
            return -1;
        }
        scanned = 0;
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

    private void closeOversize(ChannelHandlerContext ctx, ByteBuf in) {
        securityLog.event(SecurityLog.Kind.OVERSIZE_LINE, session.sourceAddress(), "closed: "
                + in.readableBytes() + " bytes without a newline (limit " + MAX_LINE + ", get/gets "
                + MAX_GET_LINE + ")");
        in.skipBytes(in.readableBytes());
        session.closeFor(Session.CloseReason.ERROR);
        closeNow(ctx);
    }

    /** Ends the connection after its replies, reading and dropping what the client still sends (see LingeringClose). */
    private void close(ChannelHandlerContext ctx) {
        state = State.CLOSING;
        reply.writePending();
        LingeringClose.afterReplies(ctx);
    }

    /**
     * Ends the connection as soon as its replies are written, without lingering: for a line too long or the input
     * budget, where the point is to free the megabyte of input the connection holds (its decoder's buffer is freed
     * only when the channel closes, and the budget has already stopped counting it).
     */
    private void closeNow(ChannelHandlerContext ctx) {
        state = State.CLOSING;
        reply.writePending();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
