package org.bastion.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One request's bytes to a server on loopback and the reply, cut where a trailing no-op's answer ends, so the same
 * exchange can be made with memcached and with Bastion and compared byte for byte.
 */
public final class Exchange {
    private static final int BINARY_NOOP = 0x0a;

    private Exchange() {
    }

    /** Sends {@code request} then {@code mn}, on one fresh connection; the reply before {@code MN}. */
    public static String text(int port, String request) throws IOException {
        try (WireClient c = WireClient.connect(port)) {
            c.send(request + "mn\r\n");
            String got = c.readUntil("MN\r\n");
            return got.substring(0, got.length() - 4);
        }
    }

    /** Sends the frames then a binary no-op, on one fresh connection; the responses before the no-op's. */
    public static List<BinaryFrames.Response> binary(int port, byte[]... frames) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(BinaryFrames.concat(BinaryFrames.concat(frames),
                    BinaryFrames.request(BINARY_NOOP)));
            s.getOutputStream().flush();
            return untilNoop(s.getInputStream());
        }
    }

    /** Reads whole responses until the no-op's; fails on a closed connection or after the socket timeout. */
    public static List<BinaryFrames.Response> untilNoop(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] chunk = new byte[64 * 1024];
        while (true) {
            List<BinaryFrames.Response> parsed = complete(got.toByteArray());
            if (parsed != null && !parsed.isEmpty() && parsed.get(parsed.size() - 1).opcode() == BINARY_NOOP) {
                return parsed.subList(0, parsed.size() - 1);
            }
            int n;
            try {
                n = in.read(chunk);
            } catch (SocketTimeoutException e) {
                throw new IOException("no no-op reply after " + got.size() + " bytes", e);
            }
            if (n < 0) {
                throw new IOException("connection closed after " + got.size() + " bytes");
            }
            got.write(chunk, 0, n);
        }
    }

    private static List<BinaryFrames.Response> complete(byte[] stream) {
        try {
            return BinaryFrames.parse(stream);
        } catch (AssertionError partial) {
            return null;
        }
    }
}
