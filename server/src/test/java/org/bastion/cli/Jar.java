package org.bastion.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastion.testing.WireClient;

/** Runs {@code bastion.jar} (built by {@code package}, path in system property {@code bastion.jar}) for ITs. */
final class Jar {
    /** The start-up line: a TCP port, or (with {@code -s}) a Unix socket, reported as port 0. */
    static final Pattern LISTENING = Pattern.compile("listening on (?:Unix socket \\S+|\\S+ port (\\d+))");
    static final long WAIT_SECONDS = 120;

    /** A finished run: exit status and everything it printed. */
    record Run(int exit, String out, String err) {
    }

    private Jar() {
    }

    static Path path() {
        Path jar = Path.of(System.getProperty("bastion.jar", "target/bastion.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run mvn -B verify (these tests run after package)");
        }
        return jar;
    }

    static Path configDir() {
        return Path.of(System.getProperty("bastion.config.dir", "../config"));
    }

    static boolean root() throws IOException, InterruptedException {
        return Integer.parseInt(output("id", "-u").trim()) == 0;
    }

    static String output(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    static ProcessBuilder builder(String... args) {
        return builder(List.of("-Xmx160m"), args);
    }

    /** {@code java <jvmOptions> -jar bastion.jar <args>}. */
    static ProcessBuilder builder(List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(path().toString());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectInput(new File("/dev/null"));
    }

    /** {@code args}, plus {@code -u root} when the tests run as root (CI does; a root start must be explicit). */
    static String[] asThisUser(String... args) {
        List<String> out = new ArrayList<>(List.of(args));
        if ("root".equals(System.getProperty("user.name"))) {
            out.addAll(List.of("-u", "root"));
        }
        return out.toArray(String[]::new);
    }

    /** Runs to completion (the command must end by itself). */
    static Run run(String... args) throws Exception {
        return run(builder(args), args);
    }

    static Run run(ProcessBuilder builder, String... args) throws Exception {
        Process p = builder.start();
        // Both streams read aside, so a run that does not end fails after WAIT_SECONDS instead of blocking the read.
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        if (!p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bastion " + String.join(" ", args) + " did not end");
        }
        return new Run(p.exitValue(), out.get(WAIT_SECONDS, TimeUnit.SECONDS), err.get(WAIT_SECONDS, TimeUnit.SECONDS));
    }

    /**
     * A server in the foreground, started and read until it prints the port it listens on. Every line it prints, on
     * either stream, is kept for {@link #awaitLine}; standard error also for {@link #errText}.
     */
    static final class Server implements AutoCloseable {
        final Process process;
        final int port;
        private final StringBuilder err = new StringBuilder();
        private final List<String> lines = new ArrayList<>();
        private int openStreams = 2;

        Server(String... args) throws Exception {
            this(builder(args), args);
        }

        Server(ProcessBuilder builder, String... args) throws Exception {
            process = builder.start();
            pump(process.getErrorStream(), true);
            pump(process.getInputStream(), false);
            int p;
            try {
                Matcher m = LISTENING.matcher(awaitLine(LISTENING, WAIT_SECONDS));
                p = !m.find() ? -1 : m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
            } catch (AssertionError notListening) {
                p = -1;
            }
            if (p < 0) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError("bastion " + String.join(" ", args) + " did not start: " + errText());
            }
            port = p;
        }

        private void pump(java.io.InputStream stream, boolean isErr) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = reader(stream)) {
                    for (String line; (line = r.readLine()) != null; ) {
                        synchronized (lines) {
                            lines.add(line);
                            if (isErr) {
                                err.append(line).append('\n');
                            }
                            lines.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // process gone
                }
                synchronized (lines) {
                    openStreams--;
                    lines.notifyAll();
                }
            }, "bastion-output");
            t.setDaemon(true);
            t.start();
        }

        /** The first line printed so far or within {@code seconds} that matches; fails when none does or can. */
        String awaitLine(Pattern pattern, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            synchronized (lines) {
                for (int seen = 0; ; ) {
                    for (; seen < lines.size(); seen++) {
                        if (pattern.matcher(lines.get(seen)).find()) {
                            return lines.get(seen);
                        }
                    }
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0 || openStreams == 0) {
                        throw new AssertionError("no line matching " + pattern + " within " + seconds + " s: " + lines);
                    }
                    lines.wait(left);
                }
            }
        }

        String errText() {
            synchronized (lines) {
                return err.toString();
            }
        }

        long pid() {
            return process.pid();
        }

        /** SIGTERM, then the exit status. */
        int terminate() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("did not stop on SIGTERM");
            }
            return process.exitValue();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static BufferedReader reader(java.io.InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** Sends {@code version} and returns the reply line. */
    static String version(int port) throws IOException {
        try (WireClient c = WireClient.connect(port)) {
            return c.call("version\r\n");
        }
    }

    /** The command line of a process, as the kernel has it (after any exec). */
    static List<String> commandLine(long pid) throws IOException {
        String raw = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8);
        return List.of(raw.split("\0"));
    }

    /** The Uid, Gid and Groups lines of /proc/PID/status. */
    static List<String> credentials(long pid) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Uid:") || line.startsWith("Gid:") || line.startsWith("Groups:")) {
                out.add(line.trim());
            }
        }
        return out;
    }
}
