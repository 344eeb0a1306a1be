package org.bastion.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A blocking loopback connection for byte-level tests: send bytes, read until the reply ends with a marker. */
public final class TextConnection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public TextConnection(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(30_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public void send(String ascii) throws IOException {
        send(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Reads until what arrived ends with {@code marker}; fails after the socket timeout or on end of stream. */
    public byte[] readUntilEndsWith(byte[] marker) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] chunk = new byte[64 * 1024];
        while (true) {
            byte[] sofar = got.toByteArray();
            if (sofar.length >= marker.length
                    && Arrays.equals(sofar, sofar.length - marker.length, sofar.length, marker, 0, marker.length)) {
                return sofar;
            }
            int n;
            try {
                n = in.read(chunk);
            } catch (SocketTimeoutException e) {
                throw new IOException("no '" + ascii(marker).trim() + "' after " + ascii(sofar), e);
            }
            if (n < 0) {
                throw new IOException("connection closed after " + ascii(sofar));
            }
            got.write(chunk, 0, n);
        }
    }

    /** Reads until the peer closes the connection (or the timeout passes, which fails). */
    public byte[] readToEnd() throws IOException {
        return in.readAllBytes();
    }

    /** Reads up to {@code n} bytes, fewer only if the peer closes first. */
    public byte[] readToEnd(int n) throws IOException {
        return in.readNBytes(n);
    }

    public static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
