package org.bastion.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.bastion.stats.Stats;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.Store;

/**
 * The whole in-process path: request bytes in, reply bytes out, through the real {@code TextProtocolHandler},
 * {@code CommandExecutor}, {@link Store} and {@code ReplyBuffer} on an {@link EmbeddedChannel} (pooled allocator, one
 * read batch and one flush per operation, as a non-pipelining client causes). No sockets: the figure is Bastion's
 * own cost per command, and {@code -prof gc} shows what it allocates per operation.
 *
 * <pre>
 * mvn -B -q package -DskipTests
 * java -jar bench/target/benchmarks.jar PipelineGetSetBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// The Netty defaults the CLI sets (org.bastion.cli.Main#serverNettyDefaults), and event-loop-like threads on which
// Netty recycles buffers and write entries, so the figures are the server's.
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.allocator.type=pooled", "-Dio.netty.leakDetection.level=disabled",
        "-Djmh.executor=CUSTOM", "-Djmh.executor.class=org.bastion.bench.FastThreadExecutor"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PipelineGetSetBenchmark {
    private static final int KEYS = 10_000;

    private EmbeddedChannel channel;
    private ByteBuf getHit;
    private ByteBuf getMiss;
    private ByteBuf set100;
    private ByteBuf multiGet10;

    @Setup
    public void setUp() {
        CommandPath path = new CommandPath(256L << 20);
        Stats stats = path.stats;
        Store store = path.store;
        byte[] value = new byte[100];
        java.util.Arrays.fill(value, (byte) 'v');
        for (int i = 0; i < KEYS; i++) {
            store.write(Store.Mode.SET, Key.of(key(i)), 0, Item.NEVER, value, 0, 0).result();
        }
        channel = new EmbeddedChannel(path.text());
        getHit = request("get " + key(42) + "\r\n");
        getMiss = request("get nosuchkey:42\r\n");
        set100 = request("set " + key(43) + " 0 0 100\r\n" + "v".repeat(100) + "\r\n");
        StringBuilder multi = new StringBuilder("get");
        for (int i = 0; i < 10; i++) {
            multi.append(' ').append(key(100 + i));
        }
        multiGet10 = request(multi.append("\r\n").toString());
        expect(getHit, "VALUE " + key(42) + " 0 100\r\n" + "v".repeat(100) + "\r\nEND\r\n");
        expect(getMiss, "END\r\n");
        expect(set100, "STORED\r\n");
        if (!reply(multiGet10).startsWith("VALUE " + key(100)) || !reply(multiGet10).endsWith("END\r\n")) {
            throw new IllegalStateException("multi-get did not answer 10 values");
        }
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    private static String key(int i) {
        return String.format("key:%010d", i);
    }

    private static ByteBuf request(String s) {
        ByteBuf buf = Unpooled.directBuffer(s.length());
        buf.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
        return buf;
    }

    private void expect(ByteBuf request, String expected) {
        String got = reply(request);
        if (!got.equals(expected)) {
            throw new IllegalStateException("expected " + expected + " but got " + got);
        }
    }

    private String reply(ByteBuf request) {
        send(request);
        StringBuilder out = new StringBuilder();
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) msg;
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    /**
     * Feeds the same request buffer again: the handler releases what it consumes, so one retain per round keeps the
     * buffer alive without allocating a new one.
     */
    private void send(ByteBuf request) {
        request.setIndex(0, request.capacity());
        channel.writeInbound(request.retain());
    }

    private void round(ByteBuf request, Blackhole bh) {
        send(request);
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) msg;
            bh.consume(ByteBufUtil.hashCode(buf));
            buf.release();
        }
    }

    @Benchmark
    public void getHit(Blackhole bh) {
        round(getHit, bh);
    }

    @Benchmark
    public void getMiss(Blackhole bh) {
        round(getMiss, bh);
    }

    @Benchmark
    public void set100(Blackhole bh) {
        round(set100, bh);
    }

    @Benchmark
    public void multiGet10(Blackhole bh) {
        round(multiGet10, bh);
    }
}
