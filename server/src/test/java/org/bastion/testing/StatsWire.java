package org.bastion.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A blocking text-protocol connection for the observability tests: send a command, read up to a terminator. */
public final class StatsWire implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public StatsWire(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Sends the bytes and reads until the reply ends with one of the terminators. */
    public String call(String command, String... terminators) throws IOException {
        out.write(command.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                return got.toString(StandardCharsets.ISO_8859_1);
            }
            got.write(b);
            String s = got.toString(StandardCharsets.ISO_8859_1);
            for (String t : terminators) {
                if (s.endsWith(t)) {
                    return s;
                }
            }
        }
    }

    /** {@code stats [sub]} as a map, in reply order. */
    public Map<String, String> stats(String sub) throws IOException {
        String reply = call(sub.isEmpty() ? "stats\r\n" : "stats " + sub + "\r\n", "END\r\n", "ERROR\r\n");
        Map<String, String> map = new LinkedHashMap<>();
        for (String line : reply.split("\r\n")) {
            if (line.startsWith("STAT ")) {
                String[] parts = line.split(" ", 3);
                map.put(parts[1], parts[2]);
            }
        }
        return map;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
