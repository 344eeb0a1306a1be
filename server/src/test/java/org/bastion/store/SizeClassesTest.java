package org.bastion.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The size classes are Debian's memcached 1.6.18's, and an item goes in the class memcached gives it. */
class SizeClassesTest {
    private static final Pattern CLASS = Pattern.compile("slab class +(\\d+): chunk size +(\\d+)");

    @TempDir
    Path dir;

    @Test
    void theChunkSizesAreThoseMemcachedPrintsAtStart() throws Exception {
        Path log = dir.resolve("memcached.log");
        // -vv prints the class table at start; -p 0 -U 0: no socket needed for that.
        Process p = new ProcessBuilder("memcached", "-vv", "-p", "0", "-U", "0", "-l", "127.0.0.1", "-u", "nobody")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        List<long[]> table = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline && !Files.readString(log).contains("slab class  39:")) {
                Thread.sleep(20);
            }
        } finally {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        Matcher m = CLASS.matcher(Files.readString(log));
        while (m.find()) {
            table.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
        }
        assertEquals(39, table.size(), Files.readString(log));
        assertEquals(table.size(), SizeClasses.count());
        for (long[] row : table) {
            assertEquals(row[1], SizeClasses.chunkSize((int) row[0]), "class " + row[0]);
        }
    }

    @Test
    void anItemGoesInTheClassOfTheSizeMemcachedAllocates() {
        // memcached: 48-byte header + key + NUL + 4 bytes of flags unless 0 + value + CR LF + 8 bytes of CAS.
        assertEquals(48 + 4 + 4 + 8, SizeClasses.memcachedSize(3, 0, 2));
        assertEquals(48 + 4 + 4 + 4 + 8, SizeClasses.memcachedSize(3, 7, 2));
        assertEquals(1, SizeClasses.of(Key.of("a:1"), 0, 2));
        // t/issue_163.t's items, 66,560 and 66,570 bytes under "key": class 31 (66,232 < size <= 82,792).
        assertEquals(31, SizeClasses.of(Key.of("key"), 0, 66560));
        assertEquals(31, SizeClasses.of(Key.of("key"), 0, 66570));
        // A class holds sizes up to its chunk: 96 is class 1, 97 class 2.
        assertEquals(1, SizeClasses.classOf(96));
        assertEquals(2, SizeClasses.classOf(97));
        // Items beyond the largest chunk (512 KiB) are in the largest class, as memcached's chunked items.
        assertEquals(39, SizeClasses.classOf(524288));
        assertEquals(39, SizeClasses.of(Key.of("big"), 0, 1024 * 1024));
    }
}
