package org.bastion.bench.replay;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The look-aside client of a replay: one blocking text-protocol connection. A miss is filled with {@code set ...
 * noreply}, sent together with the next request, so each request costs one round trip and the order is exact.
 */
final class TextClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] line = new byte[1024];

    TextClient(int port) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
    }

    /** {@code get key}: true on a hit. The value is read and dropped. */
    boolean get(byte[] key) throws IOException {
        out.write("get ".getBytes(StandardCharsets.US_ASCII));
        out.write(key);
        out.write('\r');
        out.write('\n');
        out.flush();
        String first = readLine();
        if (first.equals("END")) {
            return false;
        }
        if (!first.startsWith("VALUE ")) {
            throw new IOException("unexpected reply to get: " + first);
        }
        int bytes = Integer.parseInt(first.substring(first.lastIndexOf(' ') + 1));
        skip(bytes + 2);
        String end = readLine();
        if (!end.equals("END")) {
            throw new IOException("unexpected end of get: " + end);
        }
        return true;
    }

    /** {@code set key 0 0 n noreply}, buffered until the next request. */
    void setNoReply(byte[] key, byte[] value) throws IOException {
        out.write("set ".getBytes(StandardCharsets.US_ASCII));
        out.write(key);
        out.write((" 0 0 " + value.length + " noreply\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(value);
        out.write('\r');
        out.write('\n');
    }

    /** The general {@code stats} as name to value. */
    Map<String, String> stats() throws IOException {
        out.write("stats\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        Map<String, String> stats = new LinkedHashMap<>();
        for (int i = 0; i < 1000; i++) {
            String reply = readLine();
            if (reply.equals("END")) {
                return stats;
            }
            String[] parts = reply.split(" ", 3);
            if (parts.length == 3 && parts[0].equals("STAT")) {
                stats.put(parts[1], parts[2]);
            }
        }
        throw new IOException("stats did not end");
    }

    private String readLine() throws IOException {
        int n = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b == '\n') {
                int end = n > 0 && line[n - 1] == '\r' ? n - 1 : n;
                return new String(line, 0, end, StandardCharsets.ISO_8859_1);
            }
            if (n == line.length) {
                throw new IOException("reply line longer than " + line.length + " bytes");
            }
            line[n++] = (byte) b;
        }
    }

    private void skip(int bytes) throws IOException {
        int left = bytes;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException("connection closed in a value");
                }
                skipped = 1;
            }
            left -= (int) skipped;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
