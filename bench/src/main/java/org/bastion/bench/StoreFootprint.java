package org.bastion.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.bastion.stats.Stats;
import org.bastion.store.Clock;
import org.bastion.store.Store;
import org.bastion.store.Item;
import org.bastion.store.Key;

/**
 * Measures the heap bytes one stored item costs, and how far {@link Store#weigh} (the key object's layout, the value's
 * bytes and {@link Store#ENTRY_OVERHEAD}) is from it: the weight must match for {@code -m} to mean memory. Fills a
 * store with items, forces full collections before and after, and divides the growth of the used heap by the item
 * count.
 *
 * <pre>
 * mvn -B -q package -DskipTests
 * java -Xmx2g -XX:+UseParallelGC -cp bench/target/benchmarks.jar org.bastion.bench.StoreFootprint [items] [value bytes]
 * </pre>
 */
public final class StoreFootprint {
    private StoreFootprint() {
    }

    public static void main(String[] args) throws InterruptedException {
        int items = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        int valueSize = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Store store = new Store(Long.MAX_VALUE / 4, false, Clock.system(), new Stats());
        long before = usedAfterGc();
        long keyAndValueBytes = 0;
        for (int i = 0; i < items; i++) {
            // Key and value are made here, as the protocol handler makes them, so their objects count too.
            Key key = Key.of(String.format("key:%010d", i));
            store.write(Store.Mode.SET, key, 0, Item.NEVER, new byte[valueSize], 0, 0).result();
            keyAndValueBytes += key.length() + valueSize;
        }
        long after = usedAfterGc();
        if (store.itemCount() != items) {
            throw new IllegalStateException("expected " + items + " items, store holds " + store.itemCount());
        }
        double perItem = (double) (after - before) / items;
        double overhead = perItem - (double) keyAndValueBytes / items;
        int weight = Store.weigh(Key.of(String.format("key:%010d", 0)), valueSize);
        System.out.printf("items %d, key %d B, value %d B: %.1f heap bytes per item, %.1f beyond key and value bytes;"
                + " Store.weigh gives %d (%+.1f%%; Store.ENTRY_OVERHEAD is %d)%n", items,
                keyAndValueBytes / items - valueSize, valueSize, perItem, overhead, weight,
                100 * (weight - perItem) / perItem, Store.ENTRY_OVERHEAD);
    }

    private static long usedAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
