package org.bastion.bench.replay;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.bastion.bench.Zipf;

/**
 * Synthetic request streams. Keys are {@code key:%010d} (14 bytes, the key size of the figures); Zipf ranks are
 * scrambled over the key space with a fixed permutation (YCSB's ScrambledZipfian), so hot keys are not neighbours.
 */
public final class Generators {
    private Generators() {
    }

    /** {@code requests} draws from a Zipf distribution with exponent {@code theta} over {@code keys} keys. */
    public static Trace zipf(double theta, int keys, int requests, long seed) {
        int[] ids = zipfIds(theta, keys, requests, new SplittableRandom(seed));
        return new Trace("zipf(" + theta + ")", ids, keyNames(keys));
    }

    /**
     * A Zipf stream polluted by one-time sequential scans: after every {@code scanEvery} Zipf requests comes a scan of
     * {@code scanLength} keys that were never requested before and never are again (a batch job walking its table).
     * The total is {@code requests}, scans included.
     */
    public static Trace scanMix(double theta, int keys, int requests, int scanEvery, int scanLength, long seed) {
        int cycle = scanEvery + scanLength;
        int scanned = requests / cycle * scanLength + Math.max(0, requests % cycle - scanEvery);
        int[] zipf = zipfIds(theta, keys, requests - scanned, new SplittableRandom(seed));
        int[] ids = new int[requests];
        int z = 0;
        int nextScanKey = keys;
        for (int i = 0; i < requests; i++) {
            ids[i] = i % cycle < scanEvery ? zipf[z++] : nextScanKey++;
        }
        return new Trace("scan-mix(" + theta + ", " + scanLength + " every " + scanEvery + ")", ids,
                keyNames(nextScanKey));
    }

    private static byte[][] keyNames(int count) {
        byte[][] names = new byte[count][];
        for (int i = 0; i < count; i++) {
            names[i] = String.format("key:%010d", i).getBytes(StandardCharsets.US_ASCII);
        }
        return names;
    }

    private static int[] zipfIds(double theta, int keys, int samples, SplittableRandom random) {
        return Zipf.indices(theta, keys, samples, random);
    }
}
