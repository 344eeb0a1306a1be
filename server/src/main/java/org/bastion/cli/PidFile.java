package org.bastion.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** {@code -P/--pidfile}: this process's pid, written whole (temp file + rename), removed on clean exit. */
final class PidFile {
    private final Path path;
    private final long pid;

    private PidFile(Path path, long pid) {
        this.path = path;
        this.pid = pid;
    }

    /** Writes {@code pid} and a newline to {@code path}. */
    static PidFile write(Path path, long pid) {
        Path absolute = path.toAbsolutePath();
        Path dir = absolute.getParent();
        try {
            Path tmp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
            try {
                Files.writeString(tmp, pid + "\n", StandardCharsets.US_ASCII);
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new IllegalStateException("-P/--pidfile: cannot write " + absolute + " (" + e.getClass().getSimpleName()
                    + ": " + e.getMessage() + "); its directory must be writable by the user the server runs as", e);
        }
        return new PidFile(absolute, pid);
    }

    /** Removes the file if it still names this process (another instance may have taken it over). */
    synchronized void remove() {
        try {
            String content = Files.readString(path, StandardCharsets.US_ASCII).trim();
            if (content.equals(Long.toString(pid))) {
                Files.delete(path);
            }
        } catch (IOException e) {
            // Already gone, or not ours to remove: nothing to clean up.
        }
    }

    Path path() {
        return path;
    }
}
