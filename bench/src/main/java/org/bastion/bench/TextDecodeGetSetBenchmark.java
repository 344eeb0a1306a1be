package org.bastion.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.bastion.command.Command;
import org.bastion.command.Executor;
import org.bastion.command.Outcome;
import org.bastion.policy.SecurityLog;
import org.bastion.policy.Session;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.stats.Stats;
import org.bastion.store.Store;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Text decoding alone: framing, tokenizing and building the {@code get} or {@code set} command of a line, through the
 * real {@link TextProtocolHandler} on an {@link EmbeddedChannel}, against an executor that answers every get with a
 * miss and every write with STORED without touching a store. What it measures is the translator: bytes to
 * {@link Command} and {@link Outcome} to bytes.
 *
 * <pre>
 * mvn -B -q package -DskipTests
 * java -jar bench/target/benchmarks.jar TextDecodeGetSetBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TextDecodeGetSetBenchmark {
    private static final Outcome STORED = new Outcome.Wrote(Store.StoreResult.STORED, null);

    private EmbeddedChannel channel;
    private ByteBuf getLine;
    private ByteBuf getMultiLine;
    private ByteBuf setLine;

    @Setup
    public void setUp() {
        Executor answering = new Executor() {
            @Override
            public Outcome execute(Session session, Command command) {
                return command instanceof Command.Get ? Outcome.Done.MISS : STORED;
            }

            @Override
            public int maxItemSize() {
                return 1024 * 1024;
            }

            @Override
            public long deadline(long exptime) {
                return 0;
            }

            @Override
            public long nanoTime() {
                return 0;
            }
        };
        channel = new EmbeddedChannel(
                new TextProtocolHandler(answering, new Stats(), new SecurityLog(), Session.local()));
        getLine = buffer("get user:0000012345\r\n");
        getMultiLine = buffer("get k:000001 k:000002 k:000003 k:000004 k:000005 k:000006 k:000007 k:000008"
                + " k:000009 k:000010\r\n");
        setLine = buffer("set user:0000012345 0 3600 100\r\n" + "v".repeat(100) + "\r\n");
        if (!reply(getLine).equals("END\r\n") || !reply(setLine).equals("STORED\r\n")
                || !reply(getMultiLine).equals("END\r\n")) {
            throw new IllegalStateException("benchmark lines did not decode");
        }
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    private static ByteBuf buffer(String s) {
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** Sends the request as one read and returns the number of reply bytes, releasing them. */
    private int exchange(ByteBuf request) {
        request.readerIndex(0);
        channel.writeInbound(request);
        int bytes = 0;
        for (ByteBuf out = channel.readOutbound(); out != null; out = channel.readOutbound()) {
            bytes += out.readableBytes();
            out.release();
        }
        return bytes;
    }

    private String reply(ByteBuf request) {
        request.readerIndex(0);
        channel.writeInbound(request);
        StringBuilder text = new StringBuilder();
        for (ByteBuf out = channel.readOutbound(); out != null; out = channel.readOutbound()) {
            text.append(out.toString(StandardCharsets.ISO_8859_1));
            out.release();
        }
        return text.toString();
    }

    @Benchmark
    public int decodeGet() {
        return exchange(getLine);
    }

    @Benchmark
    public int decodeGet10Keys() {
        return exchange(getMultiLine);
    }

    @Benchmark
    public int decodeSet() {
        return exchange(setLine);
    }
}
