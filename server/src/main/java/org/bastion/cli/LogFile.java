package org.bastion.cli;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * {@code logfile <path>}: the process's standard output and error (start-up lines, warnings, the security log)
 * appended to a file, opened before privileges are dropped, and reopened by {@link #reopen()} on SIGHUP or SIGUSR1
 * so logrotate can move the file away. A reopen that fails keeps writing to the file already open.
 */
final class LogFile extends OutputStream {
    private final Path path;
    private FileOutputStream out;

    private LogFile(Path path, FileOutputStream out) {
        this.path = path;
        this.out = out;
    }

    /**
     * Opens {@code path} for appending.
     *
     * @throws IllegalStateException naming {@code logfile} when it cannot be opened
     */
    static LogFile open(Path path) {
        try {
            return new LogFile(path, new FileOutputStream(path.toFile(), true));
        } catch (IOException e) {
            throw new IllegalStateException("logfile: cannot open " + path + " for appending: " + e.getMessage());
        }
    }

    /** A line-flushing stream over this file. */
    PrintStream printStream() {
        return new PrintStream(this, true, StandardCharsets.UTF_8);
    }

    Path path() {
        return path;
    }

    /**
     * Opens the path afresh (a new file if it was moved away) and closes the old one.
     *
     * @return null when it worked, or why it did not (the old file is still written)
     */
    synchronized String reopen() {
        FileOutputStream fresh;
        try {
            fresh = new FileOutputStream(path.toFile(), true);
        } catch (IOException e) {
            return e.getMessage();
        }
        FileOutputStream old = out;
        out = fresh;
        try {
            old.close();
        } catch (IOException e) {
            // nothing more to write there
        }
        return null;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        out.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
    }

    @Override
    public synchronized void flush() throws IOException {
        out.flush();
    }
}
