package org.bastion.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Builds binary protocol requests and splits response streams, for tests. */
public final class BinaryFrames {
    public static final int MAGIC_REQUEST = 0x80;
    public static final int OPAQUE = 0xdeadbeef;

    private BinaryFrames() {
    }

    /** One request packet. */
    public static byte[] request(int opcode, byte[] key, byte[] extras, byte[] value, long cas, int opaque) {
        return request(MAGIC_REQUEST, opcode, key, extras, value, cas, opaque, key.length + extras.length + value.length);
    }

    public static byte[] request(int magic, int opcode, byte[] key, byte[] extras, byte[] value, long cas, int opaque,
            long bodyLength) {
        ByteBuffer b = ByteBuffer.allocate(24 + key.length + extras.length + value.length);
        b.put((byte) magic).put((byte) opcode).putShort((short) key.length).put((byte) extras.length).put((byte) 0)
                .putShort((short) 0).putInt((int) bodyLength).putInt(opaque).putLong(cas);
        b.put(extras).put(key).put(value);
        return b.array();
    }

    public static byte[] request(int opcode, String key, byte[] extras, byte[] value) {
        return request(opcode, ascii(key), extras, value, 0, OPAQUE);
    }

    public static byte[] request(int opcode, String key) {
        return request(opcode, key, new byte[0], new byte[0]);
    }

    public static byte[] request(int opcode) {
        return request(opcode, "");
    }

    public static byte[] set(int opcode, String key, int flags, int exptime, String value, long cas) {
        return request(opcode, ascii(key), setExtras(flags, exptime), ascii(value), cas, OPAQUE);
    }

    public static byte[] setExtras(int flags, int exptime) {
        return ByteBuffer.allocate(8).putInt(flags).putInt(exptime).array();
    }

    public static byte[] incrExtras(long delta, long initial, int exptime) {
        return ByteBuffer.allocate(20).putLong(delta).putLong(initial).putInt(exptime).array();
    }

    public static byte[] int32(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    public static byte[] hex(String spaced) {
        return HexFormat.of().parseHex(spaced.replace(" ", ""));
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A parsed response packet. */
    public record Response(int magic, int opcode, int status, byte[] extras, byte[] key, byte[] value, int opaque, long cas) {
        public String valueText() {
            return new String(value, StandardCharsets.ISO_8859_1);
        }

        public String keyText() {
            return new String(key, StandardCharsets.ISO_8859_1);
        }

        public long valueAsLong() {
            return ByteBuffer.wrap(value).getLong();
        }

        public int flags() {
            return ByteBuffer.wrap(extras).getInt();
        }
    }

    /** Splits a stream of whole response packets; fails on a trailing partial one. */
    public static List<Response> parse(byte[] stream) {
        List<Response> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(stream);
        while (b.hasRemaining()) {
            if (b.remaining() < 24) {
                throw new AssertionError("partial header: " + b.remaining() + " bytes");
            }
            int magic = b.get() & 0xFF;
            int opcode = b.get() & 0xFF;
            int keyLength = b.getShort() & 0xFFFF;
            int extrasLength = b.get() & 0xFF;
            b.get();
            int status = b.getShort() & 0xFFFF;
            int body = b.getInt();
            int opaque = b.getInt();
            long cas = b.getLong();
            if (b.remaining() < body) {
                throw new AssertionError("partial body: " + b.remaining() + " of " + body);
            }
            byte[] extras = new byte[extrasLength];
            byte[] key = new byte[keyLength];
            byte[] value = new byte[body - keyLength - extrasLength];
            b.get(extras).get(key).get(value);
            out.add(new Response(magic, opcode, status, extras, key, value, opaque, cas));
        }
        return out;
    }
}
