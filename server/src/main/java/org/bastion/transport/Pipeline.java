package org.bastion.transport;

import io.micrometer.core.instrument.Timer;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.util.AttributeKey;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.bastion.command.Executor;
import org.bastion.config.Settings;
import org.bastion.policy.ConnectionGate;
import org.bastion.policy.ConnectionLimits;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.policy.SourcePolicy;
import org.bastion.policy.TimeoutHandler;
import org.bastion.protocol.InputBudget;
import org.bastion.protocol.Turn;
import org.bastion.protocol.binary.BinaryProtocol;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.stats.ConnectionRegistry;
import org.bastion.stats.Stats;
import org.bastion.tls.ServerTls;
import org.bastion.tls.TlsHandshake;

/**
 * Builds every connection's pipeline; the one place that names the stages and orders them. A connection's pipeline
 * grows in three steps, each decided by the stage before it:
 *
 * <pre>
 * accept:     GATE
 * admitted:   OUTPUT_GUARD? → (TLS → TLS_HANDSHAKE)? → TIMEOUTS? → LATENCY? → DETECT → LAST
 *             (the gate removes itself, then turns on auto-read)
 * first byte: OUTPUT_GUARD? → TIMEOUTS? → LATENCY? → TEXT → LAST          (text and meta)
 *         or: OUTPUT_GUARD? → TIMEOUTS? → LATENCY? → BINARY_BYTES_IN → BINARY_CODEC → BINARY_VALUE_LIMIT
 *             → BINARY_AGGREGATOR → BINARY_QUEUE → BINARY → LAST
 * </pre>
 *
 * Why this order: the gate is first so a refused source has not a byte read; the output guard next, so that it hears
 * of every connection passing its write-buffer high mark first ({@link OutputGuard}); TLS ({@code -Z}, on listeners
 * without {@code notls:}) comes right after it, so every later stage sees only decrypted bytes and a client that fails the
 * handshake is closed before any protocol stage saw a byte (TLS_HANDSHAKE records the client certificate's names on the
 * session, then leaves; the handshake has its own timeout); timeouts come before any decoder so they
 * see every byte, whichever protocol; the latency timer wraps the protocol so it times whole read batches; the
 * detector replaces itself with the protocol its first byte names; in binary, raw bytes are counted before framing
 * (for {@code bytes_read} and the request timeout), values over {@code -I} are dropped before the aggregator could
 * buffer them, and the command handler sees only whole requests. Backpressure (while the channel is past its
 * write-buffer high water mark, {@link MemoryBudget}, stop reading and stop answering requests already read) acts on
 * whole requests: in binary the queue before the command handler holds them, the text translator does it itself. The
 * last stage closes on failures no stage handled and hands fatal ones (out of memory) to the process.
 */
public final class Pipeline extends ChannelInitializer<Channel> {
    static final String GATE = "gate";
    static final String OUTPUT_GUARD = "output-guard";
    static final String TLS = "tls";
    static final String TLS_HANDSHAKE = "tls-handshake";
    /** Set on a listener's channel from {@code -l notls:...}: its connections stay plain under {@code -Z}. */
    static final AttributeKey<Boolean> PLAIN_LISTENER = AttributeKey.valueOf("bastion.plainListener");
    static final String TIMEOUTS = "timeouts";
    static final String LATENCY = "latency";
    static final String DETECT = "detect";
    static final String TEXT = "text";
    static final String BINARY_BYTES_IN = "binary-bytes-in";
    static final String BINARY_CODEC = "binary-codec";
    static final String BINARY_VALUE_LIMIT = "binary-value-limit";
    static final String BINARY_AGGREGATOR = "binary-aggregator";
    static final String BINARY_QUEUE = "binary-queue";
    static final String BINARY = "binary";
    static final String LAST = "last";

    private final Settings settings;
    private final Executor exec;
    private final Stats stats;
    private final SecurityLog securityLog;
    private final ConnectionGate gate;
    /** Shared by every connection's text translator: the bound on partial input held across the server. */
    private final InputBudget inputBudget;
    /** Shared by every connection: the bound on replies held for clients that do not read them, or null. */
    private final OutputGuard outputGuard;
    /** The server's TLS, or null without {@code -Z}. */
    private final ServerTls tls;

    public Pipeline(Settings settings, Executor exec, Stats stats, SecurityLog securityLog, SourcePolicy sources,
            ConnectionLimits limits) {
        this(settings, exec, stats, securityLog, sources, limits, InputBudget.unlimited(), null, null);
    }

    /** As the server builds it but without the output bound (tests), serving TLS with {@code tls} (null for none). */
    public Pipeline(Settings settings, Executor exec, Stats stats, SecurityLog securityLog, SourcePolicy sources,
            ConnectionLimits limits, InputBudget inputBudget, ServerTls tls) {
        this(settings, exec, stats, securityLog, sources, limits, inputBudget, null, tls);
    }

    /**
     * With the server-wide input and output bounds, serving TLS with {@code tls} (null for none) on listeners not
     * marked {@link #PLAIN_LISTENER}.
     */
    Pipeline(Settings settings, Executor exec, Stats stats, SecurityLog securityLog, SourcePolicy sources,
            ConnectionLimits limits, InputBudget inputBudget, OutputGuard outputGuard, ServerTls tls) {
        this.tls = tls;
        this.inputBudget = inputBudget;
        this.outputGuard = outputGuard;
        this.settings = settings;
        this.exec = exec;
        this.stats = stats;
        this.securityLog = securityLog;
        this.gate = new ConnectionGate(sources, limits, stats, securityLog, settings, this::admitted);
    }

    /** Every connection from registration to close, so that stopping the server closes each of them. */
    private final Set<Channel> open = ConcurrentHashMap.newKeySet();

    @Override
    protected void initChannel(Channel ch) {
        open.add(ch);
        ch.closeFuture().addListener(f -> open.remove(ch));
        ch.pipeline().addLast(GATE, gate);
    }

    /**
     * Closes every connection and waits (bounded) for them to close. The event loops' own shutdown does not: a
     * connection registered just as they began to stop was seen left open after they ended, its client never told
     * (one in about thirty stops with a connection made just before).
     */
    void closeAll(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Channel ch : open) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (!ch.close().awaitUninterruptibly(Math.max(left, 1))) {
                ch.unsafe().closeForcibly();
            }
        }
    }

    /** Called by the gate for an admitted connection, before it removes itself and starts reading. */
    private void admitted(ChannelPipeline pipeline, Session session) {
        if (outputGuard != null) {
            // First, so that it hears of the connection passing its high mark before any stage could hold that back.
            outputGuard.watch(pipeline.channel());
            pipeline.addLast(OUTPUT_GUARD, outputGuard.stage());
        }
        Channel listener = pipeline.channel().parent();
        if (tls != null && (listener == null || !Boolean.TRUE.equals(listener.attr(PLAIN_LISTENER).get()))) {
            // Unpooled: with TLS clients that never read, the pool kept 29.5 MB of direct memory reserved while the
            // output it held was 16.8 MB (the guard's 16 MiB budget), and the next chunk ended the process at 32 MiB.
            // Unpooled buffers go back to the system as they are freed: 1,000 such clients then peaked at 23 MB.
            // TLS records are about 16 KiB each, so an allocation per record is small beside the encryption.
            pipeline.channel().config().setAllocator(UnpooledByteBufAllocator.DEFAULT);
            pipeline.addLast(TLS, tls.newHandler(UnpooledByteBufAllocator.DEFAULT));
            pipeline.addLast(TLS_HANDSHAKE, tls.handshake(session, securityLog));
        }
        int idle = settings.idleTimeoutSeconds();
        int request = settings.requestTimeoutSeconds();
        if (TimeoutHandler.needed(idle, request)) {
            pipeline.addLast(TIMEOUTS, new TimeoutHandler(idle, request, securityLog, stats, session));
        }
        Timer latency = stats.batchLatency;
        if (latency != null) {
            pipeline.addLast(LATENCY, new BatchLatencyHandler(latency));
        }
        // Registered for `stats conns` while the connection is open, whatever protocol it turns out to speak.
        ConnectionRegistry registry = stats.connections;
        long id = registry.add(session);
        session.id(id);
        stats.watchers.connNew(session.remote(), id);
        stats.verbose.opened(id);
        pipeline.channel().closeFuture().addListener(f -> {
            registry.remove(id);
            stats.watchers.connClose(session.remote(), id, session.closeReason().label());
            stats.verbose.closed(id);
        });
        pipeline.addLast(DETECT, detector(session));
        pipeline.addLast(LAST, LastStage.INSTANCE);
    }

    /** The detector stage for one session: it installs text or binary after itself, then leaves. */
    public ChannelHandler detector(Session session) {
        return new ProtocolDetector(settings.protocol(), (ctx, binary) -> {
            stats.verbose.protocol(session.id(), binary);
            if (binary) {
                installBinary(ctx.pipeline(), ctx.name(), session);
            } else {
                ctx.pipeline().addAfter(ctx.name(), TEXT, new TextProtocolHandler(exec, stats, securityLog, session,
                        inputBudget, new Turn(settings.reqsPerEvent(), stats.connYields)));
            }
        });
    }

    private void installBinary(ChannelPipeline pipeline, String detector, Session session) {
        int maxValue = settings.maxItemSize();
        BinaryProtocol.Stages binary = BinaryProtocol.stages(exec, stats, session, maxValue, inputBudget, securityLog,
                new Turn(settings.reqsPerEvent(), stats.connYields));
        pipeline.addAfter(detector, BINARY_BYTES_IN, binary.bytesIn());
        pipeline.addAfter(BINARY_BYTES_IN, BINARY_CODEC, binary.codec());
        pipeline.addAfter(BINARY_CODEC, BINARY_VALUE_LIMIT, binary.valueLimit());
        pipeline.addAfter(BINARY_VALUE_LIMIT, BINARY_AGGREGATOR, binary.aggregator());
        pipeline.addAfter(BINARY_AGGREGATOR, BINARY_QUEUE, binary.queue());
        pipeline.addAfter(BINARY_QUEUE, BINARY, binary.handler());
    }

}
