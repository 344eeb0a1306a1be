package org.bastion;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A minimal blocking text-protocol client for tests: one command, one complete reply, no threads of its own. */
public final class TextClient {
    private TextClient() {
    }

    /** Stores {@code value} under {@code key}; returns the reply line, such as {@code STORED}. */
    public static String set(int port, String key, String value) throws IOException {
        return call(port, "set " + key + " 0 0 " + value.length() + "\r\n" + value + "\r\n", "\r\n");
    }

    /** The value under {@code key}, or null on a miss. */
    public static String get(int port, String key) throws IOException {
        String reply = call(port, "get " + key + "\r\n", "END\r\n");
        if (reply.equals("END\r\n")) {
            return null;
        }
        int start = reply.indexOf("\r\n") + 2;
        int end = reply.lastIndexOf("\r\nEND\r\n");
        return reply.substring(start, end);
    }

    /** Sends {@code command} on a new loopback connection and reads until the reply ends with {@code terminator}. */
    public static String call(int port, String command, String terminator) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(command.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            while (!reply.toString(StandardCharsets.US_ASCII).endsWith(terminator)) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                reply.write(buf, 0, n);
            }
            return reply.toString(StandardCharsets.US_ASCII);
        }
    }
}
