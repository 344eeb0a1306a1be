package org.bastion.bench.replay;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A cache server run as a child process on loopback for one replay: Debian's memcached or Bastion's shaded jar. */
final class ServerProcess implements AutoCloseable {
    private final Process process;
    final int port;

    private ServerProcess(List<String> command, int port, File log) throws IOException {
        this.port = port;
        this.process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        // A replay stopped by a signal must not leave its server running on the port.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
        awaitPort();
    }

    /** {@code memcached -m <mb> -t 1} on loopback, UDP off. */
    static ServerProcess memcached(int memoryMb, int port, File log) throws IOException {
        List<String> command = new ArrayList<>(List.of("memcached", "-l", "127.0.0.1", "-p", Integer.toString(port),
                "-U", "0", "-m", Integer.toString(memoryMb), "-t", "1"));
        if (isRoot()) {
            command.addAll(List.of("-u", "nobody"));
        }
        return new ServerProcess(command, port, log);
    }

    /** {@code java [jvmFlags] -jar bastion.jar -m <mb> -t 1} on loopback. */
    static ServerProcess bastion(String jar, String jvmFlags, int memoryMb, int port, File log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(System.getProperty("java.home") + "/bin/java");
        if (!jvmFlags.isBlank()) {
            command.addAll(Arrays.asList(jvmFlags.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", jar, "-l", "127.0.0.1", "-p", Integer.toString(port), "-m",
                Integer.toString(memoryMb), "-t", "1"));
        if (isRoot()) {
            command.addAll(List.of("-u", "root"));
        }
        return new ServerProcess(command, port, log);
    }

    /** The process id, for reading /proc. */
    long pid() {
        return process.pid();
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private void awaitPort() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("server exited with " + process.exitValue() + " before listening on " + port);
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
        }
        close();
        throw new IOException("nothing listens on port " + port + " after 60 s");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
