package org.bastion.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The one raw-socket client of the tests: a blocking loopback connection, optionally from a chosen source address,
 * that sends bytes and reads a line, up to a terminator, exactly n bytes, or until the peer closes. Every read is
 * bounded by the read timeout (10 s unless changed).
 */
public final class WireClient implements AutoCloseable {
    public static final String LOCAL = "127.0.0.1";
    /** Loopback too (all of 127/8 is), so it can play a second, distinct source on one machine. */
    public static final String OTHER_SOURCE = "127.0.0.2";

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private WireClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1:port. */
    public static WireClient connect(int port) throws IOException {
        return connect(port, null);
    }

    /** Connects to 127.0.0.1:port from {@code source} (a loopback address), or from any address when null. */
    public static WireClient connect(int port, String source) throws IOException {
        Socket s = new Socket();
        try {
            if (source != null) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(source, 0));
            }
            s.connect(new InetSocketAddress(LOCAL, port), 5000);
            s.setSoTimeout(10_000);
            s.setTcpNoDelay(true);
            return new WireClient(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Wraps a connected socket, a TLS one for example; the client owns it from now on. */
    public static WireClient over(Socket connected) throws IOException {
        connected.setSoTimeout(10_000);
        connected.setTcpNoDelay(true);
        return new WireClient(connected);
    }

    /** Changes the read timeout; a read that waits longer fails (or, for {@link #closedByPeer}, answers false). */
    public WireClient timeoutMillis(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** One line without its CRLF; null at end of stream (or the partial line that preceded it). */
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

    /** Reads until what arrived ends with {@code marker}; fails on timeout or end of stream before it. */
    public byte[] readUntil(byte[] marker) throws IOException {
        return readUntil(new byte[][] {marker});
    }

    /** Reads until what arrived ends with one of the terminators; fails on timeout or end of stream before one. */
    public String readUntil(String... terminators) throws IOException {
        byte[][] markers = new byte[terminators.length][];
        for (int i = 0; i < terminators.length; i++) {
            markers[i] = terminators[i].getBytes(StandardCharsets.ISO_8859_1);
        }
        return ascii(readUntil(markers));
    }

    private byte[] readUntil(byte[][] markers) throws IOException {
        byte[] got = new byte[256];
        int size = 0;
        while (true) {
            for (byte[] m : markers) {
                if (size >= m.length && Arrays.equals(got, size - m.length, size, m, 0, m.length)) {
                    return Arrays.copyOf(got, size);
                }
            }
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                throw new IOException("no terminator after " + ascii(Arrays.copyOf(got, size)), e);
            }
            if (b < 0) {
                throw new IOException("connection closed after " + ascii(Arrays.copyOf(got, size)));
            }
            if (size == got.length) {
                got = Arrays.copyOf(got, size * 2);
            }
            got[size++] = (byte) b;
        }
    }

    /**
     * Reads until {@code done} accepts what has arrived (checked after each chunk), the peer closes, or the read
     * timeout passes; returns what arrived, never fails for lack of an end.
     */
    public String readUntilOrGiveUp(Predicate<String> done) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!done.test(got.toString(StandardCharsets.ISO_8859_1))) {
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                break;
            }
            if (n < 0) {
                break;
            }
            got.write(buf, 0, n);
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    /** Exactly {@code n} bytes; fails if the peer closes first. */
    public byte[] readExactly(int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length < n) {
            throw new IOException("connection closed after " + bytes.length + " of " + n + " bytes");
        }
        return bytes;
    }

    /** One binary-protocol packet, header and body, as it arrived; fails if the peer closes first. */
    public byte[] readFrame() throws IOException {
        byte[] header = readExactly(24);
        return BinaryFrames.concat(header, readExactly(ByteBuffer.wrap(header, 8, 4).getInt()));
    }

    /** One binary-protocol response, parsed. */
    public BinaryFrames.Response readResponse() throws IOException {
        return BinaryFrames.parse(readFrame()).get(0);
    }

    /** Sends one binary request and reads one response. */
    public BinaryFrames.Response call(byte[] request) throws IOException {
        send(request);
        return readResponse();
    }

    /** Up to {@code n} bytes, fewer only if the peer closes first. */
    public byte[] readAtMost(int n) throws IOException {
        return in.readNBytes(n);
    }

    /** Everything until the peer closes the connection (a timeout first fails). */
    public byte[] readToEnd() throws IOException {
        return in.readAllBytes();
    }

    /**
     * Whether the peer has closed the connection within the read timeout: end of stream, or a reset (the kernel
     * resets rather than ends a connection closed with unread bytes in it). Bytes that arrive first go to
     * {@code received}.
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

    /** Sends a command and returns the first reply line. */
    public String call(String command) throws IOException {
        send(command);
        return readLine();
    }

    /** Sends a command and reads until the reply ends with one of the terminators. */
    public String call(String command, String... terminators) throws IOException {
        send(command);
        return readUntil(terminators);
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

    /** {@code stats} (or {@code stats <sub>}) as a map, in reply order. */
    public Map<String, String> stats(String sub) throws IOException {
        String reply = call(sub.isEmpty() ? "stats\r\n" : "stats " + sub + "\r\n", "END\r\n", "ERROR\r\n");
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : reply.split("\r\n")) {
            if (line.startsWith("STAT ")) {
                String[] parts = line.split(" ", 3);
                map.put(parts[1], parts.length > 2 ? parts[2] : "");
            }
        }
        return map;
    }

    public long stat(String name) throws IOException {
        return Long.parseLong(stats("").get(name));
    }

    /** One command on a new connection; the reply up to {@code terminator} (an empty one reads nothing). */
    public static String call(int port, String command, String terminator) throws IOException {
        try (WireClient c = connect(port)) {
            return c.call(command, terminator);
        }
    }

    /** Stores {@code value} under {@code key} on a new connection; the reply line with its CRLF. */
    public static String set(int port, String key, String value) throws IOException {
        return call(port, "set " + key + " 0 0 " + value.length() + "\r\n" + value + "\r\n", "\r\n");
    }

    /** The value under {@code key} read on a new connection, or null on a miss. */
    public static String get(int port, String key) throws IOException {
        try (WireClient c = connect(port)) {
            return c.get(key);
        }
    }

    public static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
