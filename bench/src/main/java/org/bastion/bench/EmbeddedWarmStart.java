package org.bastion.bench;

import java.util.Arrays;
import org.bastion.Bastion;

/**
 * Warm start and stop of an embedded server in one JVM: starts and closes servers in a loop (each bound to an
 * ephemeral port, as a test would), discards a warm-up, then prints the median and 90th percentile of
 * {@code start()}, {@code close()} and the two together.
 *
 * <p>Run after {@code mvn -B -q package -DskipTests}:
 * <pre>
 * java -cp bench/target/benchmarks.jar org.bastion.bench.EmbeddedWarmStart [threads=1] [warmup=300] [measured=500]
 * </pre>
 */
public final class EmbeddedWarmStart {
    private EmbeddedWarmStart() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Bastion.DEFAULT_THREADS;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int measured = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        Bastion.Builder builder = Bastion.builder().settings(s -> s.threads(threads));
        for (int i = 0; i < warmup; i++) {
            builder.start().close();
        }
        long[] start = new long[measured];
        long[] close = new long[measured];
        long[] both = new long[measured];
        for (int i = 0; i < measured; i++) {
            long t0 = System.nanoTime();
            Bastion server = builder.start();
            long t1 = System.nanoTime();
            server.close();
            long t2 = System.nanoTime();
            start[i] = t1 - t0;
            close[i] = t2 - t1;
            both[i] = t2 - t0;
        }
        System.out.printf("warm start+stop, threads=%d, %d measured after %d warm-up (%s %s, %d cpus)%n", threads,
                measured, warmup, System.getProperty("java.vm.name"), System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        report("start()", start);
        report("close()", close);
        report("start() + close()", both);
    }

    static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("  %-18s median %6.2f ms   p90 %6.2f ms   max %6.2f ms%n", what,
                sorted[sorted.length / 2] / 1e6, sorted[sorted.length * 9 / 10] / 1e6, sorted[sorted.length - 1] / 1e6);
    }
}
