package org.bastion.cli.tools;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import org.bastion.snapshot.SnapshotException;
import org.bastion.snapshot.SnapshotFile;

/**
 * {@code bastion snapshot inspect|verify FILE}: what a snapshot file holds (header, counts, size, expiry spread), and
 * whether every checksum is right. Both read the whole file; verify prints one line.
 */
public final class SnapshotCommand {
    /** sysexits' EX_DATAERR: the file is unusable. */
    static final int EXIT_BAD_FILE = 65;
    static final String USAGE = "usage: bastion snapshot inspect|verify <file>";

    private SnapshotCommand() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            out.println(USAGE);
            out.println("  inspect: header, item count, sizes and the spread of expiry times (checks every checksum)");
            out.println("  verify:  checks every checksum; exit 0 when the file would load, 65 when it would not");
            return 0;
        }
        if (args.length != 2 || !(args[0].equals("inspect") || args[0].equals("verify"))) {
            err.println("bastion: snapshot: " + USAGE);
            return Tool.EXIT_USAGE;
        }
        Path file = Path.of(args[1]);
        SnapshotFile.Contents c;
        try {
            c = SnapshotFile.verify(file);
        } catch (SnapshotException e) {
            err.println("bastion: snapshot " + args[0] + ": " + e.getMessage());
            return EXIT_BAD_FILE;
        }
        if (args[0].equals("verify")) {
            out.println("OK " + file + ": " + c.items() + " items in " + c.blocks() + " blocks, every checksum right");
            return 0;
        }
        out.println("file            " + file);
        out.println("format          " + c.header().formatVersion());
        out.println("written by      Bastion " + c.header().writerVersion());
        out.println("written at      " + Instant.ofEpochMilli(c.header().writtenAtMillis()));
        out.println("file size       " + c.fileBytes() + " bytes");
        out.println("blocks          " + c.blocks() + " (every CRC32C right)");
        out.println("items           " + c.items());
        out.println("key+value bytes " + c.bytes());
        out.println("expiry (from now):");
        for (int i = 0; i < SnapshotFile.Contents.BUCKETS.length; i++) {
            out.printf("  %-12s %d%n", SnapshotFile.Contents.BUCKETS[i], c.expirySpread()[i]);
        }
        return 0;
    }
}
