package org.bastion.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bastion.Bastion;

/**
 * First start of an embedded server in a fresh JVM: launches N new JVMs, each of which starts one server (defaults:
 * ephemeral port, {@value Bastion#DEFAULT_THREADS} worker), waits until it is bound, closes it and reports. Prints
 * the median and range of: the {@code start()} call itself (cold: every class loaded for the first time), the CPU
 * time the calling thread spent in it (less sensitive to other load on the machine), the {@code close()} call, and
 * the wall time from launching the {@code java} process to the bound port.
 *
 * <p>Run after {@code mvn -B -q package -DskipTests}:
 * <pre>
 * java -cp bench/target/benchmarks.jar org.bastion.bench.EmbeddedFirstStart [jvms=15] [extra JVM flags...]
 * </pre>
 */
public final class EmbeddedFirstStart {
    private EmbeddedFirstStart() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int jvms = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        List<String> jvmFlags = args.length > 1 ? Arrays.asList(args).subList(1, args.length) : List.of();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long[] start = new long[jvms];
        long[] close = new long[jvms];
        long[] launchToBound = new long[jvms];
        long[] startCpu = new long[jvms];
        for (int i = 0; i < jvms; i++) {
            List<String> command = new ArrayList<>(List.of(java));
            command.addAll(jvmFlags);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
            long launched = System.nanoTime();
            Process p = pb.start();
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
                String bound = out.readLine(); // "bound <port>", printed as soon as start() returned
                launchToBound[i] = System.nanoTime() - launched;
                String times = out.readLine(); // "start_ns <n> close_ns <n>"
                if (bound == null || times == null || !bound.startsWith("bound ")) {
                    throw new IllegalStateException("child JVM failed: " + bound + " / " + times);
                }
                String[] t = times.split(" ");
                start[i] = Long.parseLong(t[1]);
                close[i] = Long.parseLong(t[3]);
                startCpu[i] = Long.parseLong(t[5]);
            }
            if (p.waitFor() != 0) {
                throw new IllegalStateException("child JVM exited with " + p.exitValue());
            }
        }
        System.out.printf("first start in a fresh JVM, %d JVMs (%s %s, %d cpus)%n", jvms,
                System.getProperty("java.vm.name"), System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        report("start() until bound", start);
        report("start(), calling thread CPU", startCpu);
        report("close()", close);
        report("java launch until bound", launchToBound);
    }

    static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("  %-26s median %7.1f ms   min %7.1f ms   max %7.1f ms%n", what,
                sorted[sorted.length / 2] / 1e6, sorted[0] / 1e6, sorted[sorted.length - 1] / 1e6);
    }

    /** The fresh JVM: starts one server, says when it is bound, stops it. */
    public static final class Child {
        private Child() {
        }

        public static void main(String[] args) {
            // JDK classes only, loaded before the clock starts: the CPU time of this thread alone shows the work
            // start() does, whatever else the machine is busy with.
            ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
            long c0 = cpu.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            Bastion server = Bastion.builder().start();
            long t1 = System.nanoTime();
            long c1 = cpu.getCurrentThreadCpuTime();
            System.out.println("bound " + server.port());
            System.out.flush();
            server.close();
            long t2 = System.nanoTime();
            System.out.println("start_ns " + (t1 - t0) + " close_ns " + (t2 - t1) + " start_cpu_ns " + (c1 - c0));
        }
    }
}
