package org.bastion.cli;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code -d/--daemon}. The JVM cannot fork, so the launcher starts the same java binary with the same class path,
 * JVM options and arguments, detached (own session via setsid, stdin from /dev/null), and waits until the child
 * reports through a status file that it has bound its port ({@code READY <pid> <port>}) or why it could not
 * ({@code ERROR <message>}). The launcher exits 0 only after READY.
 */
final class Daemon {
    /** System property that marks the detached child and names its status file. */
    static final String STATUS_PROPERTY = "bastion.daemon.status";
    /** How long the launcher waits for the child; JVM start-up on a loaded machine can take a while. */
    static final long READY_TIMEOUT_SECONDS = 120;

    /** What the launcher learned from the child. */
    record Outcome(boolean ready, long pid, int port, String error) {
    }

    private Daemon() {
    }

    /** Whether this process is the detached child of a launcher. */
    static boolean isChild() {
        return System.getProperty(STATUS_PROPERTY) != null;
    }

    /** Starts the detached child with {@code args} and waits for its report. */
    static Outcome launch(String[] args, boolean keepOutput) {
        Path status;
        try {
            status = Files.createTempFile("bastion-daemon-", ".status");
        } catch (IOException e) {
            return new Outcome(false, -1, -1, "-d/--daemon: cannot create a status file in "
                    + System.getProperty("java.io.tmpdir") + ": " + e.getMessage());
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(command(args, status));
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            // As memcached -d: output goes nowhere unless verbose, when it stays on the launcher's terminal.
            ProcessBuilder.Redirect output = keepOutput ? ProcessBuilder.Redirect.INHERIT
                    : ProcessBuilder.Redirect.to(new File("/dev/null"));
            pb.redirectOutput(output);
            pb.redirectError(output);
            Process child;
            try {
                child = pb.start();
            } catch (IOException e) {
                return new Outcome(false, -1, -1, "-d/--daemon: cannot start " + pb.command().get(0) + ": "
                        + e.getMessage());
            }
            return await(child, status);
        } finally {
            try {
                Files.deleteIfExists(status);
            } catch (IOException e) {
                // A leftover empty temp file is harmless.
            }
        }
    }

    private static Outcome await(Process child, Path status) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
        while (true) {
            Outcome outcome = read(status);
            if (outcome != null) {
                return outcome;
            }
            if (!child.isAlive()) {
                outcome = read(status); // it may have reported just before exiting
                return outcome != null ? outcome : new Outcome(false, -1, -1, "-d/--daemon: the server exited with"
                        + " status " + child.exitValue() + " before it was ready (run without -d to see why)");
            }
            if (System.nanoTime() > deadline) {
                child.destroy();
                return new Outcome(false, -1, -1, "-d/--daemon: the server was not ready after "
                        + READY_TIMEOUT_SECONDS + " s and was stopped");
            }
            try {
                child.waitFor(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome(false, -1, -1, "-d/--daemon: interrupted while waiting for the server");
            }
        }
    }

    /** The child's report, or null while it has not written a whole line. */
    static Outcome read(Path status) {
        String text;
        try {
            text = Files.readString(status, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
        int nl = text.indexOf('\n');
        if (nl < 0) {
            return null;
        }
        String line = text.substring(0, nl);
        if (line.startsWith("READY ")) {
            String[] parts = line.split(" ");
            return new Outcome(true, Long.parseLong(parts[1]), Integer.parseInt(parts[2]), null);
        }
        return new Outcome(false, -1, -1, line.startsWith("ERROR ") ? line.substring(6) : line);
    }

    /** The child's command line: setsid if present, java, JVM options, the status marker, class path, main class. */
    static List<String> command(String[] args, Path status) {
        List<String> cmd = new ArrayList<>();
        for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(setsid))) {
                cmd.add(setsid); // leaves the launcher's session, so its terminal's hang-up does not reach us
                break;
            }
        }
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // A debugger port would clash with the launcher's; our own marker is set afresh below.
            if (!option.startsWith("-D" + STATUS_PROPERTY + "=") && !option.startsWith("-agentlib:jdwp")
                    && !option.startsWith("-Xrunjdwp")) {
                cmd.add(option);
            }
        }
        cmd.add("-D" + STATUS_PROPERTY + "=" + status.toAbsolutePath());
        cmd.add("-cp");
        cmd.add(absoluteClassPath());
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String absoluteClassPath() {
        List<String> parts = new ArrayList<>();
        for (String part : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!part.isEmpty()) {
                parts.add(Path.of(part).toAbsolutePath().toString());
            }
        }
        return String.join(File.pathSeparator, parts);
    }

    /** The child's side: opened at start (while it may still be root), written once. */
    static final class Reporter {
        private final FileChannel channel;

        private Reporter(FileChannel channel) {
            this.channel = channel;
        }

        /** The reporter for this child, or null when this process is not a daemon child. */
        static Reporter open() {
            String path = System.getProperty(STATUS_PROPERTY);
            if (path == null) {
                return null;
            }
            try {
                return new Reporter(FileChannel.open(Path.of(path), StandardOpenOption.WRITE));
            } catch (IOException e) {
                return new Reporter(null); // the launcher will see us exit without a report
            }
        }

        void ready(long pid, int port) {
            write("READY " + pid + " " + port + "\n");
        }

        void failed(String message) {
            write("ERROR " + message.replace('\n', ' ') + "\n");
        }

        private synchronized void write(String line) {
            if (channel == null || !channel.isOpen()) {
                return;
            }
            try (FileChannel c = channel) {
                c.write(java.nio.ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
                c.force(false);
            } catch (IOException e) {
                // The launcher reports the exit instead.
            }
        }
    }
}
