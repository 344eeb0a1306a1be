package org.bastion.bench;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.bastion.stats.Stats;
import org.bastion.store.Clock;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.Store;

/**
 * The store alone, modelled on Caffeine's {@code GetPutBenchmark}: {@value #ITEMS} keys prefilled, then gets and sets
 * over Zipf-distributed keys in read-only, write-only and mixed (one reader, one writer) groups, plus gets of keys
 * that are never stored. Keys and values are built in advance, so only {@link Store} and Caffeine are measured.
 *
 * <pre>
 * mvn -B -q package -DskipTests
 * java -jar bench/target/benchmarks.jar StoreGetSetBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class StoreGetSetBenchmark {
    static final int ITEMS = 1 << 16;
    private static final int SAMPLES = 1 << 20;
    private static final int MASK = SAMPLES - 1;

    @Param({"100", "4096"})
    int valueSize;

    Store store;
    Key[] keys;
    Key[] missingKeys;
    int[] order;
    byte[] value;

    @Setup
    public void setUp() {
        store = new Store(4L << 30, false, Clock.system(), new Stats());
        value = new byte[valueSize];
        keys = new Key[ITEMS];
        missingKeys = new Key[ITEMS];
        for (int i = 0; i < ITEMS; i++) {
            keys[i] = Key.of(("key:" + i).getBytes(StandardCharsets.ISO_8859_1));
            missingKeys[i] = Key.of(("missing:" + i).getBytes(StandardCharsets.ISO_8859_1));
            store.write(Store.Mode.SET, keys[i], 0, Item.NEVER, new byte[valueSize], 0, 0).result();
        }
        order = Zipf.indices(ITEMS, SAMPLES, 42);
    }

    /** Each thread walks the shared Zipf sequence from its own random start. */
    @State(Scope.Thread)
    public static class Cursor {
        int index = ThreadLocalRandom.current().nextInt();

        int next(int[] order) {
            return order[index++ & MASK];
        }
    }

    @Benchmark
    @Group("getReadOnly")
    @GroupThreads(2)
    public Item getReadOnly(Cursor cursor) {
        return store.get(keys[cursor.next(order)]);
    }

    @Benchmark
    @Group("getMissReadOnly")
    @GroupThreads(2)
    public Item getMissReadOnly(Cursor cursor) {
        return store.get(missingKeys[cursor.next(order)]);
    }

    @Benchmark
    @Group("setWriteOnly")
    @GroupThreads(2)
    public Store.StoreResult setWriteOnly(Cursor cursor) {
        return store.write(Store.Mode.SET, keys[cursor.next(order)], 0, Item.NEVER, value, 0, 0).result();
    }

    @Benchmark
    @Group("getSetMixed")
    @GroupThreads(1)
    public Item getSetMixed_get(Cursor cursor) {
        return store.get(keys[cursor.next(order)]);
    }

    @Benchmark
    @Group("getSetMixed")
    @GroupThreads(1)
    public Store.StoreResult getSetMixed_set(Cursor cursor) {
        return store.write(Store.Mode.SET, keys[cursor.next(order)], 0, Item.NEVER, value, 0, 0).result();
    }
}
