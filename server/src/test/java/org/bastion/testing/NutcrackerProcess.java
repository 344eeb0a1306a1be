package org.bastion.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's {@code nutcracker} (twemproxy) started by a test on loopback, from a copy of a shipped configuration with
 * the listen port and the servers' ports replaced. Its two ports are picked at random and the start retried with
 * others when nutcracker cannot bind (it exits), as {@link MemcachedProcess} does: no racy free-port finder. Its JSON
 * stats are aggregated every 200 ms ({@code -i}).
 */
public final class NutcrackerProcess implements AutoCloseable {
    private static final Pattern LISTEN = Pattern.compile("(?m)^(\\s*listen:\\s*127\\.0\\.0\\.1:)\\d+\\s*$");
    private static final Pattern SERVER = Pattern.compile("(?m)^(\\s*-\\s*127\\.0\\.0\\.1:)\\d+(:\\d+\\s+(\\S+))\\s*$");

    private final Process process;
    private final int port;
    private final int statsPort;
    private final List<String> names;
    private final Path dir;

    private NutcrackerProcess(Process process, int port, int statsPort, List<String> names, Path dir) {
        this.process = process;
        this.port = port;
        this.statsPort = statsPort;
        this.names = names;
        this.dir = dir;
    }

    /**
     * Starts nutcracker with {@code shipped}'s configuration, its listen port replaced by a free one and its server
     * lines' ports, in order, by {@code serverPorts} (one each); waits until it accepts clients and stats requests.
     */
    public static NutcrackerProcess start(Path shipped, List<Integer> serverPorts) throws IOException, InterruptedException {
        String yaml = Files.readString(shipped, StandardCharsets.UTF_8);
        List<String> names = new ArrayList<>();
        StringBuilder withServers = new StringBuilder();
        Matcher m = SERVER.matcher(yaml);
        int i = 0;
        while (m.find()) {
            if (i >= serverPorts.size()) {
                throw new IllegalArgumentException(shipped + " has more servers than the " + serverPorts.size() + " ports given");
            }
            names.add(m.group(3));
            m.appendReplacement(withServers, Matcher.quoteReplacement(m.group(1) + serverPorts.get(i++) + m.group(2)));
        }
        m.appendTail(withServers);
        if (i != serverPorts.size()) {
            throw new IllegalArgumentException(shipped + " has " + i + " server lines, not " + serverPorts.size());
        }
        Path dir = Files.createTempDirectory("nutcracker");
        IOException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(40_000, 50_000);
            int statsPort = port + 1;
            Matcher listen = LISTEN.matcher(withServers);
            if (!listen.find()) {
                throw new IllegalArgumentException(shipped + " has no 'listen: 127.0.0.1:<port>' line");
            }
            Path yml = dir.resolve("nutcracker.yml");
            Files.writeString(yml, listen.replaceFirst(Matcher.quoteReplacement(listen.group(1) + port)));
            Path log = dir.resolve("nutcracker.log");
            Process p = new ProcessBuilder("nutcracker", "-c", yml.toString(), "-a", "127.0.0.1", "-s",
                    Integer.toString(statsPort), "-i", "200", "-o", log.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("nutcracker.out").toFile()).start();
            NutcrackerProcess started = new NutcrackerProcess(p, port, statsPort, List.copyOf(names), dir);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline && p.isAlive()) {
                try (WireClient client = WireClient.connect(port); WireClient stats = WireClient.connect(statsPort)) {
                    return started;
                } catch (IOException notYet) {
                    Thread.sleep(20);
                }
            }
            last = new IOException("nutcracker on ports " + port + "/" + statsPort + " did not start: "
                    + (Files.exists(log) ? Files.readString(log) : ""));
            started.close();
        }
        throw last;
    }

    /** The port clients connect to. */
    public int port() {
        return port;
    }

    /** The server names of the configuration, in order: what twemproxy's ketama hashes. */
    public List<String> names() {
        return names;
    }

    /** The configuration written for this run (for messages). */
    public Path configuration() {
        return dir.resolve("nutcracker.yml");
    }

    /** nutcracker's JSON stats document, as text. */
    public String stats() throws IOException {
        try (WireClient c = WireClient.connect(statsPort)) {
            return WireClient.ascii(c.readToEnd());
        }
    }

    /** A counter of the pool as a whole, such as {@code server_ejects} or {@code fragments}. */
    public long poolCounter(String name) throws IOException {
        return number(stats(), "\"" + name + "\":\\s*(\\d+)");
    }

    /** A counter of one server of the pool, by its name, such as {@code server_ejected_at} or {@code requests}. */
    public long serverCounter(String server, String name) throws IOException {
        return number(stats(), "\"" + Pattern.quote(server) + "\":\\s*\\{[^}]*\"" + name + "\":\\s*(\\d+)");
    }

    private static long number(String json, String regex) {
        Matcher m = Pattern.compile(regex).matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no match for " + regex + " in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }
}
