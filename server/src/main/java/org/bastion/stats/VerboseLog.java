package org.bastion.stats;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * memcached's {@code -vv} log on stderr: connections opening and closing, the protocol each speaks, and every text
 * command line a client sends ({@code <N get foo}). {@code -v} alone logs nothing more than start-up, as memcached's
 * does. The {@code verbosity} command changes the level while running. A flood cannot fill a disk: at most
 * {@link #LINES_PER_SECOND} lines a second are written, the rest counted and reported once a second.
 */
public final class VerboseLog {
    /** The most lines written in one second; memcached has no bound, Bastion does. */
    public static final int LINES_PER_SECOND = 1000;
    /** Command lines longer than this are cut (a get line may be a megabyte). */
    static final int MAX_LINE = 256;

    private final Supplier<PrintStream> out;
    private volatile int level;
    private long windowStart;
    private int linesInWindow;
    private long dropped;

    /** Writes to whatever {@link System#err} is when a line is written (the CLI may point it at a log file). */
    public VerboseLog(int level) {
        this(level, () -> System.err);
    }

    VerboseLog(int level, Supplier<PrintStream> out) {
        this.level = level;
        this.out = out;
    }

    public int level() {
        return level;
    }

    public void level(int level) {
        this.level = level;
    }

    /** Whether connection and command events are logged: one volatile read, so free when off. */
    public boolean commands() {
        return level >= 2;
    }

    /** A connection accepted ({@code <N new auto-negotiating client connection}). */
    public void opened(long connection) {
        if (commands()) {
            write("<" + connection + " new auto-negotiating client connection");
        }
    }

    /** The protocol a connection turned out to speak. */
    public void protocol(long connection, boolean binary) {
        if (commands()) {
            write(connection + ": Client using the " + (binary ? "binary" : "ascii") + " protocol");
        }
    }

    public void closed(long connection) {
        if (commands()) {
            write("<" + connection + " connection closed.");
        }
    }

    /**
     * A text command line as the client sent it (cut at {@link #MAX_LINE} bytes), control bytes written as
     * {@code \xNN}: a line can hold a bare CR or terminal escapes, which would forge or garble log lines. memcached
     * prints them raw.
     */
    public void command(long connection, byte[] line, int length) {
        if (commands()) {
            int n = Math.min(length, MAX_LINE);
            StringBuilder text = new StringBuilder(n + 16).append('<').append(connection).append(' ');
            for (int i = 0; i < n; i++) {
                int b = line[i] & 0xFF;
                if (b < 0x20 || b == 0x7F) {
                    text.append(String.format("\\x%02x", b));
                } else {
                    text.append((char) b);
                }
            }
            write(text.toString());
        }
    }

    private synchronized void write(String line) {
        long now = System.nanoTime();
        if (now - windowStart >= 1_000_000_000L) {
            if (dropped > 0) {
                out.get().println("bastion: -vv log: " + dropped + " lines dropped (more than " + LINES_PER_SECOND
                        + " a second)");
                dropped = 0;
            }
            windowStart = now;
            linesInWindow = 0;
        }
        if (linesInWindow >= LINES_PER_SECOND) {
            dropped++;
            return;
        }
        linesInWindow++;
        out.get().println(line);
    }
}
