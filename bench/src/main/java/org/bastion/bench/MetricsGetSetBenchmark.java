package org.bastion.bench;

import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.bastion.metrics.BastionMetrics;
import org.bastion.stats.Stats;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.Store;
import org.bastion.transport.BatchLatencyHandler;

/**
 * What metrics cost on the hot get/set path: the same request bytes through the real {@code TextProtocolHandler},
 * executor and store on an {@link EmbeddedChannel}, with {@code metrics=off} (no registry: the LongAdders that
 * {@code stats} needs anyway, nothing else) and {@code metrics=on} (Bastion's meters bound to a Prometheus registry, as
 * {@code --metrics-listen} does, and the {@link BatchLatencyHandler} sampling read batches into a timer with
 * percentiles). One request per read batch, as a client that waits for each reply sends them: the timer's worst case.
 *
 * <pre>
 * mvn -B -q package -DskipTests
 * java -jar bench/target/benchmarks.jar MetricsGetSetBenchmark -f 2 -wi 5 -i 10 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
public class MetricsGetSetBenchmark {
    private static final int KEYS = 10_000;

    @Param({"off", "on"})
    public String metrics;

    private EmbeddedChannel channel;
    private PrometheusMeterRegistry registry;
    private BastionMetrics meters;
    private ByteBuf getHit;
    private ByteBuf getMiss;
    private ByteBuf set100;

    @Setup
    public void setUp() {
        CommandPath path = new CommandPath(256L << 20);
        Stats stats = path.stats;
        Store store = path.store;
        byte[] value = new byte[100];
        Arrays.fill(value, (byte) 'v');
        for (int i = 0; i < KEYS; i++) {
            store.write(Store.Mode.SET, Key.of(key(i)), 0, Item.NEVER, value, 0, 0).result();
        }
        ChannelHandler protocol = path.text();
        if (metrics.equals("on")) {
            registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            meters = BastionMetrics.bind(registry, store, stats, path.securityLog, Tags.of("port", "0"));
            channel = new EmbeddedChannel(new BatchLatencyHandler(stats.batchLatency), protocol);
        } else {
            channel = new EmbeddedChannel(protocol);
        }
        getHit = request("get " + key(42) + "\r\n");
        getMiss = request("get nosuchkey:42\r\n");
        set100 = request("set " + key(43) + " 0 0 100\r\n" + "v".repeat(100) + "\r\n");
        expect(getHit, "VALUE " + key(42) + " 0 100\r\n" + "v".repeat(100) + "\r\nEND\r\n");
        expect(getMiss, "END\r\n");
        expect(set100, "STORED\r\n");
        if (registry != null && stats.batchLatency.count() != 1) {
            throw new IllegalStateException("the latency timer did not sample the first batch");
        }
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
        if (meters != null) {
            meters.close();
            registry.close();
        }
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
        send(request);
        StringBuilder out = new StringBuilder();
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) msg;
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        if (!out.toString().equals(expected)) {
            throw new IllegalStateException("expected " + expected + " but got " + out);
        }
    }

    /** The handler releases what it consumes; one retain per round reuses the request buffer without allocating. */
    private void send(ByteBuf request) {
        request.setIndex(0, request.capacity());
        channel.writeInbound(request.retain());
    }

    private void round(ByteBuf request, Blackhole bh) {
        send(request);
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) msg;
            bh.consume(buf.readableBytes());
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
    public void set(Blackhole bh) {
        round(set100, bh);
    }
}
