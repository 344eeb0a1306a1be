package org.bastion.bench;

import java.util.SplittableRandom;

/** Zipf-distributed indices (exponent 0.99, as YCSB's default), precomputed so sampling costs nothing in a benchmark. */
public final class Zipf {
    private Zipf() {
    }

    /**
     * {@code samples} indices in {@code [0, items)}; index 0 is the most popular. Ranks are scrambled over the key space
     * with a fixed permutation, as YCSB's ScrambledZipfianGenerator does, so hot keys are not neighbours.
     */
    static int[] indices(int items, int samples, long seed) {
        return indices(0.99, items, samples, new SplittableRandom(seed));
    }

    /** As above with exponent {@code theta}, drawing from {@code random} (the replay tool's generators share it). */
    public static int[] indices(double theta, int items, int samples, SplittableRandom random) {
        double[] cumulative = new double[items];
        double sum = 0;
        for (int i = 0; i < items; i++) {
            sum += 1.0 / Math.pow(i + 1, theta);
            cumulative[i] = sum;
        }
        int[] permutation = new int[items];
        for (int i = 0; i < items; i++) {
            permutation[i] = i;
        }
        for (int i = items - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = permutation[i];
            permutation[i] = permutation[j];
            permutation[j] = t;
        }
        int[] out = new int[samples];
        for (int s = 0; s < samples; s++) {
            double u = random.nextDouble() * sum;
            int lo = 0;
            int hi = items - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cumulative[mid] < u) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            out[s] = permutation[lo];
        }
        return out;
    }
}
