package org.bastion.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.bastion.stats.Stats;
import org.junit.jupiter.api.Test;

/**
 * Keys of every length and of nearly equal bytes (prefixes of each other, trailing zero bytes, one bit apart) must
 * each find their own item, written and read from several threads at once, through stored keys and through probes
 * over a command line. Every value carries its key's checksum, so an item found under the wrong key shows.
 */
class PackedKeyIntegrityTest {
    private static final int THREADS = 4;

    /** Keys 1..250 bytes long and their near relatives, each once. */
    private static List<byte[]> keys() {
        SplittableRandom random = new SplittableRandom(14);
        Set<ByteBuffer> keys = new LinkedHashSet<>();
        for (int length = 1; length <= Key.MAX_LENGTH; length++) {
            for (int n = 0; n < 40; n++) {
                byte[] key = new byte[length];
                random.nextBytes(key);
                keys.add(ByteBuffer.wrap(key));
            }
            byte[] zeros = new byte[length];
            keys.add(ByteBuffer.wrap(zeros)); // all zero: differs from its neighbours only in length
            byte[] bit = zeros.clone();
            bit[length - 1] = 1;
            keys.add(ByteBuffer.wrap(bit));
        }
        return keys.stream().map(ByteBuffer::array).toList();
    }

    private static byte[] valueFor(byte[] key) {
        CRC32 crc = new CRC32();
        crc.update(key);
        return ByteBuffer.allocate(12).putInt(key.length).putLong(crc.getValue()).array();
    }

    @Test
    void everyKeyFindsItsOwnItemUnderConcurrentWritesAndReads() throws Exception {
        List<byte[]> keys = keys();
        Store store = new Store(1L << 30, false, Clock.system(), new Stats());
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    int checked = 0;
                    Key.Probe probe = new Key.Probe();
                    // Each thread writes its share and reads everything written so far by anyone.
                    for (int i = thread; i < keys.size(); i += THREADS) {
                        byte[] key = keys.get(i);
                        store.write(Store.Mode.SET, Key.of(key.clone()), 0, Item.NEVER, valueFor(key), 0, 0).result();
                        for (int j = Math.max(0, i - 64); j <= i; j++) {
                            byte[] other = keys.get(j);
                            // The key inside a line of other bytes, as a command line has them around it.
                            byte[] line = new byte[other.length + 8];
                            Arrays.fill(line, (byte) ' ');
                            System.arraycopy(other, 0, line, 4, other.length);
                            Item item = store.get(probe.set(line, 4, 4 + other.length));
                            if (j == i) {
                                assertNotNull(item, "the key this thread just wrote is found through a probe");
                            }
                            if (item != null) {
                                assertArrayEquals(valueFor(other), item.value, "key " + j + " found another's item");
                                checked++;
                            }
                        }
                    }
                    return checked;
                }));
            }
            int checked = 0;
            for (Future<Integer> f : done) {
                checked += f.get(60, TimeUnit.SECONDS);
            }
            assertTrue(checked > keys.size(), "reads found items while writes went on: " + checked);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(keys.size(), store.itemCount());
        for (byte[] key : keys) {
            Item item = store.get(Key.of(key.clone()));
            assertNotNull(item, () -> "missing: " + Arrays.toString(key));
            assertArrayEquals(valueFor(key), item.value);
        }
    }
}
