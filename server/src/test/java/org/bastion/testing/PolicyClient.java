package org.bastion.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** A raw text-protocol client for the hardening tests, able to connect from a chosen loopback source address. */
public final class PolicyClient implements AutoCloseable {
    public static final String ALLOWED_SOURCE = "127.0.0.1";
    /** Loopback too (all of 127/8 is), so it can play a second, distinct source on one machine. */
    public static final String OTHER_SOURCE = "127.0.0.2";

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private PolicyClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1:port from the given source address, with a 5 s read timeout. */
    public static PolicyClient connect(int port, String source) throws IOException {
        Socket s = new Socket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(5000);
        s.setTcpNoDelay(true);
        return new PolicyClient(s);
    }

    public static PolicyClient connect(int port) throws IOException {
        return connect(port, ALLOWED_SOURCE);
    }

    public void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** One reply line without its CRLF, or null at end of stream. */
    public String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            if (b == '\n' && prev == '\r') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            prev = b;
        }
    }

    /** Sends a command and returns the first reply line. */
    public String call(String command) throws IOException {
        send(command);
        return readLine();
    }

    /** The value of a key via {@code get}, or null when missing. */
    public String get(String key) throws IOException {
        send("get " + key + "\r\n");
        String first = readLine();
        if ("END".equals(first)) {
            return null;
        }
        if (first == null || !first.startsWith("VALUE ")) {
            throw new IOException("unexpected reply to get: " + first);
        }
        String value = readLine();
        String end = readLine();
        if (!"END".equals(end)) {
            throw new IOException("unexpected end of get: " + end);
        }
        return value;
    }

    /** {@code stats} (or {@code stats <sub>}) as a map. */
    public Map<String, String> stats(String sub) throws IOException {
        send(sub.isEmpty() ? "stats\r\n" : "stats " + sub + "\r\n");
        Map<String, String> out = new HashMap<>();
        for (String line = readLine(); line != null && !line.equals("END"); line = readLine()) {
            String[] parts = line.split(" ", 3);
            out.put(parts[1], parts.length > 2 ? parts[2] : "");
        }
        return out;
    }

    public long stat(String name) throws IOException {
        return Long.parseLong(stats("").get(name));
    }

    /**
     * Whether the server has closed the connection: end of stream, or a reset (the kernel resets rather than ends a
     * connection closed with unread bytes in it). Bytes that arrive first are returned through {@code received}.
     */
    public boolean closedByPeer(ByteArrayOutputStream received) throws IOException {
        try {
            byte[] buf = new byte[4096];
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    return true;
                }
                received.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true;
        }
    }

    public boolean closedByPeer() throws IOException {
        return closedByPeer(new ByteArrayOutputStream());
    }

    public void readTimeoutMillis(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
