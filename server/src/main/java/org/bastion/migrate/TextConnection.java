package org.bastion.migrate;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** One blocking connection speaking memcached's text and meta protocol: lines out, lines and data blocks in. */
final class TextConnection implements Closeable {
    /** Longer reply lines are a broken peer, not data. */
    private static final int MAX_LINE = 64 * 1024;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    TextConnection(InetSocketAddress address, int timeoutMillis) throws IOException {
        socket = new Socket();
        socket.connect(address, timeoutMillis);
        socket.setSoTimeout(timeoutMillis);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
        out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
    }

    void send(String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.ISO_8859_1));
    }

    void flush() throws IOException {
        out.flush();
    }

    /** The next line without its CR LF. */
    String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the server closed the connection");
            }
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            if (b.size() >= MAX_LINE) {
                throw new IOException("a reply line longer than " + MAX_LINE + " bytes");
            }
            b.write(c);
        }
    }

    /** A data block of {@code length} bytes and its CR LF. */
    byte[] data(int length) throws IOException {
        byte[] value = in.readNBytes(length);
        if (value.length != length || in.read() != '\r' || in.read() != '\n') {
            throw new EOFException("a value was cut short");
        }
        return value;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
