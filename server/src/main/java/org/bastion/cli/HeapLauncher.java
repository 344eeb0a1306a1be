package org.bastion.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bastion.config.Settings;
import org.bastion.config.SettingsException;

/**
 * Makes sure the JVM serving the cache has room for {@code -m} and exits on {@link OutOfMemoryError} instead of
 * lingering as a process that holds its port and answers nothing. Items live on the heap, so:
 *
 * <ul>
 *   <li>a heap set with {@code -Xmx} (or {@code JAVA_TOOL_OPTIONS}) that is smaller than {@code -m} needs is refused
 *       in one line naming {@code -m} and the heap to give;</li>
 *   <li>otherwise, when the JVM's default heap is too small or {@code -XX:+ExitOnOutOfMemoryError} is not set, the
 *       process replaces itself (execv: same pid, so systemd, pid files and signals are unaffected) with the same
 *       java, its options, {@code -Xmx} sized from {@code -m} when needed, and
 *       {@code -XX:+ExitOnOutOfMemoryError};</li>
 *   <li>in that relaunch, a cache of {@link #CONCURRENT_COLLECTOR_FROM_BYTES} or more on a JVM left to its default
 *       collector also gets {@code -XX:+UseShenandoahGC}, where the JVM has it, so a large heap of items is not
 *       stopped for a second at a time.</li>
 * </ul>
 *
 * So every way the CLI is launched ({@code java -jar}, {@code -d}, the systemd unit) ends in a JVM that has the heap
 * {@code -m} needs and dies on OutOfMemoryError, for a supervisor to restart.
 */
final class HeapLauncher {
    /** Marks a JVM this class started, so a second pass refuses rather than loops. */
    static final String RELAUNCHED_PROPERTY = "bastion.relaunched";
    private static final long MB = 1024 * 1024;

    interface LibC extends Library {
        int execv(String path, String[] argv);

        String strerror(int errnum);
    }

    /** The JVM facts the decision needs. */
    record Jvm(long maxHeapBytes, boolean heapExplicit, boolean exitsOnOom, boolean relaunched,
            boolean collectorChosen, boolean hasShenandoah) {
        private static final List<String> COLLECTORS = List.of("UseSerialGC", "UseParallelGC", "UseG1GC", "UseZGC",
                "UseShenandoahGC", "UseEpsilonGC");

        static Jvm current() {
            HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            VMOption heap = hs.getVMOption("MaxHeapSize");
            boolean exits = Boolean.parseBoolean(hs.getVMOption("ExitOnOutOfMemoryError").getValue())
                    || Boolean.parseBoolean(hs.getVMOption("CrashOnOutOfMemoryError").getValue());
            boolean chosen = false;
            boolean shenandoah = false;
            for (String collector : COLLECTORS) {
                try {
                    chosen |= explicit(hs.getVMOption(collector));
                    shenandoah |= collector.equals("UseShenandoahGC");
                } catch (IllegalArgumentException notInThisJvm) {
                    // this JVM was built without that collector
                }
            }
            return new Jvm(Long.parseLong(heap.getValue()), explicit(heap), exits,
                    System.getProperty(RELAUNCHED_PROPERTY) != null, chosen, shenandoah);
        }

        /** Set by whoever started the JVM (command line, environment, a file), not by the JVM's own defaults. */
        private static boolean explicit(VMOption option) {
            return option.getOrigin() != VMOption.Origin.DEFAULT && option.getOrigin() != VMOption.Origin.ERGONOMIC;
        }
    }

    /** What to do: serve as we are, refuse with a message, or relaunch with these extra JVM options. */
    record Plan(String refusal, List<String> jvmOptions) {
        boolean serveAsIs() {
            return refusal == null && jvmOptions.isEmpty();
        }
    }

    private HeapLauncher() {
    }

    /** The heap {@code -m} needs: the items, about half as much again for the JVM's own use, and 64 MB. */
    static long neededHeapBytes(Settings settings) {
        long m = settings.memoryLimitBytes();
        return m + m / 2 + 64 * MB;
    }

    /**
     * From this {@code -m} on, a JVM left to its default collector is given Shenandoah, which collects concurrently.
     * Measured with {@code bench/gc-pauses.sh} at {@code -m 4096} (13.9 million items of 100 B) on JDK 17: G1 stopped
     * the server for up to 944 ms while the items were loaded and Parallel for up to 7.4 s (full collections), where
     * Shenandoah's longest pause was 4.75 ms, with throughput no lower than G1's. Below it G1's pauses measured tens
     * of ms (65 ms at {@code -m 32}, 74 ms at {@code -m 64}, while loading) and the JVM's default is kept.
     */
    static final long CONCURRENT_COLLECTOR_FROM_BYTES = 1024 * MB;

    /** Decides; pure, so the rules are tested without starting JVMs. */
    static Plan plan(Settings settings, Jvm jvm) {
        long needed = neededHeapBytes(settings);
        long neededMb = (needed + MB - 1) / MB;
        boolean heapTooSmall = jvm.maxHeapBytes() < needed;
        if (heapTooSmall && (jvm.heapExplicit() || jvm.relaunched())) {
            return new Plan("-m/--memory-limit: -m " + settings.memoryLimitBytes() / MB + " needs " + neededMb
                    + " MB of heap but the JVM was given " + jvm.maxHeapBytes() / MB + " MB: start java with -Xmx"
                    + neededMb + "m (or leave -Xmx out and Bastion sizes the heap), or lower -m", List.of());
        }
        List<String> options = new ArrayList<>();
        if (heapTooSmall) {
            options.add("-Xmx" + neededMb + "m");
        }
        if (!jvm.exitsOnOom() && !jvm.relaunched()) {
            options.add("-XX:+ExitOnOutOfMemoryError");
        }
        if (settings.memoryLimitBytes() >= CONCURRENT_COLLECTOR_FROM_BYTES && !jvm.collectorChosen()
                && jvm.hasShenandoah() && !jvm.relaunched()) {
            options.add("-XX:+UseShenandoahGC");
        }
        return new Plan(null, options);
    }

    /**
     * Applies the plan for a server start with these arguments: returns to serve in this JVM, returns a refusal, or
     * does not return (the process became the relaunched JVM). Arguments that do not parse, help, version and audit
     * are left for {@link Main#run}.
     *
     * @return null to go on in this JVM, or a one-line refusal
     */
    static String ensure(String[] args, java.io.PrintStream err) {
        Settings settings = serverSettings(args);
        if (settings == null) {
            return null;
        }
        Jvm jvm = Jvm.current();
        Plan plan = plan(settings, jvm);
        if (plan.refusal() != null || plan.serveAsIs()) {
            return plan.refusal();
        }
        List<String> cmd = command(plan.jvmOptions(), args);
        err.flush();
        System.out.flush();
        String why;
        try {
            LibC libc = Native.load("c", LibC.class);
            libc.execv(cmd.get(0), cmd.toArray(new String[0]));
            why = libc.strerror(Native.getLastError()); // execv returns only on failure
        } catch (LinkageError e) {
            why = e.getMessage();
        }
        err.println("bastion: warning: could not restart java with " + String.join(" ", plan.jvmOptions()) + " ("
                + why + "); start java with them yourself");
        return plan(settings, new Jvm(jvm.maxHeapBytes(), true, true, true, true, false)).refusal();
    }

    /** This JVM's command line with {@code extra} options and the relaunch marker added before the main class. */
    static List<String> command(List<String> extra, String[] args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!option.startsWith("-D" + RELAUNCHED_PROPERTY)) {
                cmd.add(option);
            }
        }
        cmd.addAll(extra);
        cmd.add("-D" + RELAUNCHED_PROPERTY + "=true");
        cmd.add("-cp");
        List<String> parts = new ArrayList<>();
        for (String part : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!part.isEmpty()) {
                parts.add(Path.of(part).toAbsolutePath().toString());
            }
        }
        cmd.add(String.join(File.pathSeparator, parts));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Parses just enough to know {@code -m}; null when the arguments do not describe a server start. */
    static Settings serverSettings(String[] args) {
        if (args.length > 0 && args[0].equals("audit")) {
            return null;
        }
        try {
            org.bastion.config.Flags.Parsed parsed = org.bastion.config.Flags.parse(args);
            return parsed.help() || parsed.version() ? null : parsed.settings();
        } catch (SettingsException e) {
            return null;
        }
    }
}
