package org.bastion.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bastion.config.SettingsException;

/**
 * {@code audit --probe}: asks a memcached-protocol server what any client may ask ({@code version}, {@code stats},
 * {@code stats settings}) over the text protocol. It sends nothing that changes data.
 */
final class Probe {
    static final int TIMEOUT_MILLIS = 5000;
    /** More lines than any real stats reply; a server that never ends its reply cannot keep us reading. */
    private static final int MAX_LINES = 10_000;

    /** What the server told us; {@code closedEarly} when it closed or refused before answering everything. */
    record Result(String version, Map<String, String> stats, Map<String, String> settings, String closedEarly) {
    }

    private Probe() {
    }

    /** Splits {@code HOST:PORT} ({@code [v6]:PORT} for IPv6). */
    static InetSocketAddress parseTarget(String target) {
        int colon = target.lastIndexOf(':');
        if (colon <= 0 || colon == target.length() - 1) {
            throw new SettingsException("--probe", "'" + target + "' is not HOST:PORT, for example 127.0.0.1:11211");
        }
        String host = target.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(target.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new SettingsException("--probe", "'" + target + "' has no valid port (1-65535)");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    /**
     * Connects and asks.
     *
     * @throws IOException when the server cannot be reached at all
     */
    static Result run(InetSocketAddress target) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(target.getHostString(), target.getPort()), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            Conversation c = new Conversation(socket.getInputStream(), socket.getOutputStream());
            String version = null;
            Map<String, String> stats = new LinkedHashMap<>();
            Map<String, String> settings = new LinkedHashMap<>();
            String line = c.ask("version");
            if (line == null || !line.startsWith("VERSION ")) {
                return new Result(null, stats, settings, closed(line));
            }
            version = line.substring("VERSION ".length()).trim();
            String end = c.askStats("stats", stats);
            if (end != null) {
                return new Result(version, stats, settings, end);
            }
            end = c.askStats("stats settings", settings);
            return new Result(version, stats, settings, end);
        }
    }

    private static String closed(String line) {
        return line == null ? "the server closed the connection without answering (this source may be denied)"
                : "the server answered '" + line + "'";
    }

    /** One request line at a time, replies read as ISO-8859-1 lines. */
    private static final class Conversation {
        private final InputStream in;
        private final OutputStream out;

        Conversation(InputStream in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        String ask(String command) throws IOException {
            out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return readLine();
        }

        /** Fills {@code into} from {@code STAT name value} lines; null on END, otherwise why it stopped. */
        String askStats(String command, Map<String, String> into) throws IOException {
            String line = ask(command);
            for (int i = 0; i < MAX_LINES; i++) {
                if (line == null) {
                    return "the server closed the connection after '" + command + "'";
                }
                if (line.equals("END")) {
                    return null;
                }
                if (!line.startsWith("STAT ")) {
                    return "'" + command + "' was answered '" + line + "'";
                }
                String[] parts = line.split(" ", 3);
                into.put(parts[1], parts.length > 2 ? parts[2] : "");
                line = readLine();
            }
            return "'" + command + "' did not end after " + MAX_LINES + " lines";
        }

        private String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                int b;
                try {
                    b = in.read();
                } catch (SocketTimeoutException e) {
                    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    return null; // reset by a server that refused us
                }
                if (b < 0) {
                    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
                }
                if (b == '\n') {
                    String s = line.toString(StandardCharsets.ISO_8859_1);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                if (line.size() < 64 * 1024) {
                    line.write(b);
                }
            }
        }
    }
}
