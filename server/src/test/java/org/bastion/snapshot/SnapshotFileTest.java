package org.bastion.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bastion.stats.Stats;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.ManualClock;
import org.bastion.store.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file format's promises: the committed fixture of format 1 loads; a torn file (cut at any block boundary or
 * inside a block), a flipped bit, a foreign file or a newer format is refused whole with a message naming the flaw,
 * and nothing of it reaches the store; {@code --snapshot-on-error empty} sets the file aside and starts empty; a write
 * leaves no temporary file and an owner-only file.
 */
class SnapshotFileTest {
    @TempDir
    Path dir;

    private static Store store() {
        return new Store(64L << 20, false, 1 << 20, new ManualClock(System.currentTimeMillis()), new Stats());
    }

    private static Snapshots service(Store store, Path file, boolean startEmpty) {
        return new Snapshots(store, file, 0, startEmpty, "test", SnapshotRoundTripTest.daemon(), line -> { });
    }

    /** A file of about 3 MB: several blocks. */
    private Path written() throws IOException {
        Store s = store();
        for (int i = 0; i < 3000; i++) {
            s.write(Store.Mode.SET, Key.of("k" + i), i, 0, new byte[1000], 0, 0);
        }
        Path file = dir.resolve("c.snap");
        service(s, file, false).requestAndWait();
        return file;
    }

    private Path fixture() throws IOException {
        Path file = dir.resolve("format-1.snap");
        try (InputStream in = getClass().getResourceAsStream("/snapshots/format-1.snap")) {
            assertNotNull(in, "the committed fixture");
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    @Test
    void theCommittedFormatOneFixtureLoads() throws Exception {
        Store s = store();
        Snapshots.Loaded loaded = service(s, fixture(), false).load();
        assertEquals(6, loaded.restored(), loaded.summary());
        assertTrue(loaded.summary().contains("format 1"), loaded.summary());
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), s.peek(Key.of("greeting")).value);
        assertEquals(1, s.peek(Key.of("greeting")).cas);
        assertEquals(0xFFFF_FFFFL, s.peek(Key.of("flags:max")).flagsUnsigned());
        Item far = s.peek(Key.of("far:future"));
        assertEquals(42, far.flags);
        assertTrue(far.expiresAt != Item.NEVER, "keeps its expiry in 2100");
        assertArrayEquals(new byte[] {0, 1, 2, (byte) 0xff, '\r', '\n'}, s.peek(Key.of("binary")).value);
        assertEquals(1234567890123L, s.peek(Key.of("binary")).cas);
        assertEquals(0, s.peek(Key.of("empty")).value.length);
        assertEquals(-1L, s.peek(Key.of("cas:max")).cas);
        long next = s.write(Store.Mode.SET, Key.of("n"), 0, 0, new byte[1], 0, 0).item().cas;
        assertTrue(next > 1234567890123L, "the counter continues above the loaded CAS values: " + next);
        SnapshotFile.Contents c = SnapshotFile.verify(fixture());
        assertEquals(1, c.header().formatVersion());
        assertEquals("0.1.0-SNAPSHOT", c.header().writerVersion());
        assertEquals(4, c.expirySpread()[0], "four never expire");
        assertEquals(2, c.expirySpread()[6], "two expire in 2100");
    }

    @Test
    void aTornFileIsRefusedWholeWhereverItWasCut() throws Exception {
        byte[] whole = Files.readAllBytes(written());
        assertTrue(whole.length > 3 * SnapshotFormat.BLOCK_TARGET / 2, "several blocks");
        int[] cuts = {0, 5, 20, 40, 41, 100, SnapshotFormat.BLOCK_TARGET, SnapshotFormat.BLOCK_TARGET + 40,
                whole.length / 2, whole.length - 30, whole.length - 4, whole.length - 1};
        for (int cut : cuts) {
            Path torn = dir.resolve("torn-" + cut + ".snap");
            Files.write(torn, java.util.Arrays.copyOf(whole, cut));
            Store s = store();
            SnapshotException e = assertThrows(SnapshotException.class, () -> service(s, torn, false).load(),
                    "cut at " + cut);
            assertTrue(e.getMessage().contains(torn.toString()) && e.getMessage().contains("Not starting"),
                    e.getMessage());
            assertTrue(cut < 20 || e.getMessage().contains("torn") || e.getMessage().contains("header"),
                    e.getMessage());
            assertEquals(0, s.itemCount(), "nothing loaded from a file cut at " + cut);
        }
        Path longer = dir.resolve("longer.snap");
        Files.write(longer, java.util.Arrays.copyOf(whole, whole.length + 1));
        assertTrue(assertThrows(SnapshotException.class, () -> SnapshotFile.verify(longer)).getMessage()
                .contains("follow the END block"));
    }

    @Test
    void aFlippedBitAnywhereIsRefusedWhole() throws Exception {
        byte[] whole = Files.readAllBytes(written());
        for (int at : new int[] {9, 30, 50, 1000, whole.length / 2, whole.length - 10}) {
            byte[] bad = whole.clone();
            bad[at] ^= 0x10;
            Path file = dir.resolve("flip-" + at + ".snap");
            Files.write(file, bad);
            Store s = store();
            SnapshotException e = assertThrows(SnapshotException.class, () -> service(s, file, false).load());
            assertEquals(0, s.itemCount(), "nothing loaded with byte " + at + " flipped: " + e.getMessage());
        }
        byte[] midBlock = whole.clone();
        midBlock[whole.length / 2] ^= 1;
        Path file = dir.resolve("crc.snap");
        Files.write(file, midBlock);
        assertTrue(assertThrows(SnapshotException.class, () -> SnapshotFile.verify(file)).getMessage()
                .contains("CRC32C"));
    }

    @Test
    void foreignFilesAndNewerFormatsAreRefusedWithTheReason() throws Exception {
        Path text = dir.resolve("text.snap");
        Files.writeString(text, "set a 0 0 1\r\na\r\n");
        assertTrue(assertThrows(SnapshotException.class, () -> SnapshotFile.verify(text)).getMessage()
                .contains("not a Bastion snapshot"));
        byte[] newer = Files.readAllBytes(fixture());
        newer[9] = (byte) (SnapshotFormat.CURRENT_VERSION + 1);
        Path future = dir.resolve("future.snap");
        Files.write(future, newer);
        assertTrue(assertThrows(SnapshotException.class, () -> SnapshotFile.verify(future)).getMessage()
                .contains("newer than this Bastion reads"));
    }

    @Test
    void startEmptySetsTheBadFileAsideAndTheNextWriteReplacesIt() throws Exception {
        byte[] whole = Files.readAllBytes(written());
        Path file = dir.resolve("c.snap");
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2));
        Store s = store();
        Snapshots service = service(s, file, true);
        Snapshots.Loaded loaded = service.load();
        assertTrue(loaded.setAside(), loaded.summary());
        assertEquals(0, s.itemCount());
        assertFalse(Files.exists(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.filter(p -> p.getFileName().toString().startsWith("c.snap.corrupt-")).count());
        }
        s.write(Store.Mode.SET, Key.of("after"), 0, 0, new byte[] {1}, 0, 0);
        service.requestAndWait();
        assertEquals(1, SnapshotFile.verify(file).items());
    }

    @Test
    void aWriteLeavesNoTemporaryFileAndAnOwnerOnlyFile() throws Exception {
        Path file = written();
        assertFalse(Files.exists(SnapshotFile.temporary(file)));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(file)));
        // A leftover temporary file from a killed writer is removed at the next start, the snapshot loads.
        Files.writeString(SnapshotFile.temporary(file), "half a write");
        List<String> log = new ArrayList<>();
        Snapshots.Loaded loaded = new Snapshots(store(), file, 0, false, "t", SnapshotRoundTripTest.daemon(), log::add)
                .load();
        assertEquals(3000, loaded.restored());
        assertFalse(Files.exists(SnapshotFile.temporary(file)));
        assertTrue(log.get(0).contains("unfinished snapshot write"), log.toString());
    }

    @Test
    void noFileMeansAnEmptyStart() throws Exception {
        Snapshots.Loaded loaded = service(store(), dir.resolve("none.snap"), false).load();
        assertFalse(loaded.found());
        assertEquals(0, loaded.restored());
    }
}
