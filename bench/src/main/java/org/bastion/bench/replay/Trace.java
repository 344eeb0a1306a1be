package org.bastion.bench.replay;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.ArrayList;
import java.util.Map;

/**
 * A request stream: {@code ids[i]} is the key of request {@code i}, an index into {@code keys}. The file format is one
 * key per line (memcached key rules: 1 to 250 bytes, no spaces or control characters), so a real trace can be replayed
 * after stripping it down to its keys.
 */
public record Trace(String name, int[] ids, byte[][] keys) {

    /** Number of distinct keys the stream touches at least once. */
    public int distinctKeys() {
        return keys.length;
    }

    /** Reads a key-per-line file; blank lines are skipped. */
    public static Trace read(Path file) throws IOException {
        Map<String, Integer> index = new HashMap<>();
        List<byte[]> keys = new ArrayList<>();
        int[] ids = new int[1024];
        int n = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            String line;
            while ((line = in.readLine()) != null) {
                String key = line.strip();
                if (key.isEmpty()) {
                    continue;
                }
                if (key.length() > 250 || key.chars().anyMatch(c -> c <= ' ' || c == 127)) {
                    throw new IOException(file + ": not a memcached key: " + key);
                }
                Integer id = index.get(key);
                if (id == null) {
                    id = keys.size();
                    index.put(key, id);
                    keys.add(key.getBytes(StandardCharsets.ISO_8859_1));
                }
                if (n == ids.length) {
                    ids = java.util.Arrays.copyOf(ids, n * 2);
                }
                ids[n++] = id;
            }
        }
        return new Trace(file.getFileName().toString(), java.util.Arrays.copyOf(ids, n),
                keys.toArray(new byte[0][]));
    }

    /** Writes the stream in the key-per-line format {@link #read} takes. */
    public void write(Path file) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.ISO_8859_1)) {
            for (int id : ids) {
                out.write(new String(keys[id], StandardCharsets.ISO_8859_1));
                out.write('\n');
            }
        }
    }
}
