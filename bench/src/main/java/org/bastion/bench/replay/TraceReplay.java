package org.bastion.bench.replay;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Look-aside trace replay against memcached and Bastion at the same {@code -m}: for each request, {@code get}; on a
 * miss, {@code set} a value of the chosen size. Reports the hit ratio over the whole stream (cold misses included) and
 * the items each server holds at the end ({@code stats} curr_items), side by side; {@code --mem} with several sizes
 * gives a miss-ratio curve. Each server is started fresh for each size, with {@code -t 1}, on loopback.
 *
 * <pre>
 * bench/replay.sh --workload zipf --theta 0.99 --keys 200000 --requests 300000 --value 100 --mem 8
 * bench/replay.sh --workload scan --theta 0.99 --keys 1000000 --requests 600000 --mem 4,8,16,32,64,128 --csv out.csv
 * bench/replay.sh --trace keys.txt --value 1024 --mem 16        # one key per line
 * </pre>
 *
 * Options (defaults in brackets): --workload zipf|scan [zipf], --theta [0.99], --keys [200000], --requests [300000],
 * --scan-every [50000] and --scan-length [20000] (scan: one-time sequential scans of new keys between Zipf runs),
 * --trace FILE (replay a key-per-line file instead), --write-trace FILE (save the generated stream), --seed [42],
 * --value BYTES [100], --mem MB[,MB...] [8], --servers [memcached,bastion], --jar [server/target/bastion.jar],
 * --bastion-jvm "FLAGS" [none: plain java -jar, as the README starts it], --csv FILE (appends one row per run),
 * --ports MC,BASTION [21311,21322].
 */
public final class TraceReplay {
    private TraceReplay() {
    }

    /** One replay of a stream against one server at one size. */
    record Result(String server, int memoryMb, long hits, long requests, long items, double seconds) {
        double hitRatio() {
            return (double) hits / requests;
        }
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> o = options(args);
        Trace trace = trace(o);
        if (o.containsKey("write-trace")) {
            trace.write(Path.of(o.get("write-trace")));
        }
        int valueBytes = Integer.parseInt(o.getOrDefault("value", "100"));
        int[] sizes = Arrays.stream(o.getOrDefault("mem", "8").split(",")).mapToInt(Integer::parseInt).toArray();
        List<String> servers = List.of(o.getOrDefault("servers", "memcached,bastion").split(","));
        String[] ports = o.getOrDefault("ports", "21311,21322").split(",");
        String jar = o.getOrDefault("jar", "server/target/bastion.jar");
        String jvm = o.getOrDefault("bastion-jvm", "");
        File log = File.createTempFile("bastion-replay", ".log");
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "%s, %,d requests over %,d keys, %d B values (server output in %s)%n", trace.name(),
                trace.ids().length, trace.distinctKeys(), valueBytes, log);
        out.println("| -m (MB) | server | hit ratio | items held | seconds |");
        out.println("|---:|---|---:|---:|---:|");
        Map<Integer, Map<String, Result>> all = new LinkedHashMap<>();
        for (int mb : sizes) {
            for (String server : servers) {
                Result r;
                switch (server) {
                    case "memcached" -> {
                        try (ServerProcess p = ServerProcess.memcached(mb, Integer.parseInt(ports[0]), log)) {
                            r = replay(server, mb, trace, valueBytes, p.port);
                        }
                    }
                    case "bastion" -> {
                        try (ServerProcess p = ServerProcess.bastion(jar, jvm, mb, Integer.parseInt(ports[1]), log)) {
                            r = replay(server, mb, trace, valueBytes, p.port);
                        }
                    }
                    default -> throw new IllegalArgumentException("--servers: unknown server " + server);
                }
                all.computeIfAbsent(mb, k -> new LinkedHashMap<>()).put(server, r);
                out.printf(Locale.ROOT, "| %d | %s | %.4f | %,d | %.1f |%n", mb, server, r.hitRatio(), r.items(),
                        r.seconds());
                if (o.containsKey("csv")) {
                    csv(Path.of(o.get("csv")), trace, valueBytes, r);
                }
            }
        }
        if (servers.contains("memcached") && servers.contains("bastion")) {
            out.println();
            out.println("| -m (MB) | memcached hit ratio (items) | Bastion hit ratio (items) | Bastion/memcached |");
            out.println("|---:|---:|---:|---:|");
            all.forEach((mb, r) -> {
                Result m = r.get("memcached");
                Result b = r.get("bastion");
                out.printf(Locale.ROOT, "| %d | %.3f (%,d) | %.3f (%,d) | %.3fx |%n", mb, m.hitRatio(), m.items(),
                        b.hitRatio(), b.items(), b.hitRatio() / m.hitRatio());
            });
        }
    }

    static Result replay(String server, int memoryMb, Trace trace, int valueBytes, int port) throws IOException {
        byte[] value = new byte[valueBytes];
        for (int i = 0; i < valueBytes; i++) {
            value[i] = (byte) ('a' + i % 26);
        }
        long start = System.nanoTime();
        long hits = 0;
        try (TextClient client = new TextClient(port)) {
            byte[][] keys = trace.keys();
            for (int id : trace.ids()) {
                if (client.get(keys[id])) {
                    hits++;
                } else {
                    client.setNoReply(keys[id], value);
                }
            }
            Map<String, String> stats = client.stats();
            long items = Long.parseLong(stats.getOrDefault("curr_items", "-1"));
            if (System.getenv("REPLAY_STATS") != null) {
                System.err.println(server + " " + stats);
            }
            return new Result(server, memoryMb, hits, trace.ids().length, items, (System.nanoTime() - start) / 1e9);
        }
    }

    private static Trace trace(Map<String, String> o) throws IOException {
        if (o.containsKey("trace")) {
            return Trace.read(Path.of(o.get("trace")));
        }
        double theta = Double.parseDouble(o.getOrDefault("theta", "0.99"));
        int keys = Integer.parseInt(o.getOrDefault("keys", "200000"));
        int requests = Integer.parseInt(o.getOrDefault("requests", "300000"));
        long seed = Long.parseLong(o.getOrDefault("seed", "42"));
        return switch (o.getOrDefault("workload", "zipf")) {
            case "zipf" -> Generators.zipf(theta, keys, requests, seed);
            case "scan" -> Generators.scanMix(theta, keys, requests,
                    Integer.parseInt(o.getOrDefault("scan-every", "50000")),
                    Integer.parseInt(o.getOrDefault("scan-length", "20000")), seed);
            default -> throw new IllegalArgumentException("--workload: zipf or scan, not " + o.get("workload"));
        };
    }

    private static void csv(Path file, Trace trace, int valueBytes, Result r) throws IOException {
        boolean fresh = !Files.exists(file);
        String header = fresh ? "workload,keys,requests,value_bytes,mem_mb,server,hit_ratio,items,seconds\n" : "";
        String row = String.format(Locale.ROOT, "\"%s\",%d,%d,%d,%d,%s,%.5f,%d,%.1f%n", trace.name(),
                trace.distinctKeys(), r.requests(), valueBytes, r.memoryMb(), r.server(), r.hitRatio(), r.items(),
                r.seconds());
        Files.writeString(file, header + row, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if (!a.startsWith("--") || i + 1 >= rest.size()) {
                throw new IllegalArgumentException("expected --name value, got " + a + " (see the class javadoc)");
            }
            o.put(a.substring(2), rest.get(++i));
        }
        return o;
    }
}
