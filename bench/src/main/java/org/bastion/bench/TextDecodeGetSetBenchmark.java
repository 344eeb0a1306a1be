package org.bastion.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.bastion.command.CommandExecutor;
import org.bastion.policy.Session;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.stats.Stats;
import org.bastion.store.Clock;
import org.bastion.store.Store;

/**
 * Text decoding alone: framing, tokenizing and building the key and numbers of a {@code get} or {@code set} command
 * line, through the real {@link TextProtocolHandler} code, with nothing executed.
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
    private TextProtocolHandler handler;
    private ByteBuf getLine;
    private ByteBuf getMultiLine;
    private ByteBuf setLine;

    @Setup
    public void setUp() {
        Stats stats = new Stats();
        Store store = new Store(64L << 20, false, Clock.system(), stats);
        CommandExecutor exec = new CommandExecutor(store, stats, org.bastion.config.Settings.defaults(), null);
        handler = new TextProtocolHandler(exec, Session.local());
        getLine = buffer("get user:0000012345\r\n");
        getMultiLine = buffer("get k:000001 k:000002 k:000003 k:000004 k:000005 k:000006 k:000007 k:000008"
                + " k:000009 k:000010\r\n");
        setLine = buffer("set user:0000012345 0 3600 100\r\n");
        if (decode(getLine) < 0 || decode(setLine) < 0 || decode(getMultiLine) < 0) {
            throw new IllegalStateException("benchmark lines did not decode");
        }
    }

    private static ByteBuf buffer(String s) {
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private long decode(ByteBuf in) {
        in.readerIndex(0);
        return handler.decodeOnly(in);
    }

    @Benchmark
    public long decodeGet() {
        return decode(getLine);
    }

    @Benchmark
    public long decodeGet10Keys() {
        return decode(getMultiLine);
    }

    @Benchmark
    public long decodeSet() {
        return decode(setLine);
    }
}
