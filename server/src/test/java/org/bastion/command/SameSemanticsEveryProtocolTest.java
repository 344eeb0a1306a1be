package org.bastion.command;

import static org.bastion.testing.BinaryFrames.incrExtras;
import static org.bastion.testing.BinaryFrames.int32;
import static org.bastion.testing.BinaryFrames.request;
import static org.bastion.testing.BinaryFrames.set;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bastion.policy.Session;
import org.bastion.store.ManualClock;
import org.bastion.testing.BinaryFrames;
import org.bastion.testing.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One executor suite for all three protocols: the same operations sent as text, meta and binary commands through the
 * real translators and executor must leave the same store and the same counters behind.
 */
class SameSemanticsEveryProtocolTest {
    /** One protocol's way of saying each operation; answers are reduced to what the test compares. */
    enum Dialect {
        TEXT {
            @Override
            String set(Wire w, String key, String value, int exptime) {
                return w.text("set " + key + " 0 " + exptime + " " + value.length() + "\r\n" + value + "\r\n");
            }

            @Override
            String get(Wire w, String key) {
                String r = w.text("get " + key + "\r\n");
                return r.equals("END\r\n") ? null : r.split("\r\n")[1];
            }

            @Override
            String delete(Wire w, String key) {
                return w.text("delete " + key + "\r\n");
            }

            @Override
            String incr(Wire w, String key, long by) {
                return w.text("incr " + key + " " + by + "\r\n").trim();
            }

            @Override
            String touch(Wire w, String key, int exptime) {
                return w.text("touch " + key + " " + exptime + "\r\n");
            }
        },
        META {
            @Override
            String set(Wire w, String key, String value, int exptime) {
                return w.text("ms " + key + " " + value.length() + " T" + exptime + "\r\n" + value + "\r\n");
            }

            @Override
            String get(Wire w, String key) {
                String r = w.text("mg " + key + " v\r\n");
                return r.startsWith("EN") ? null : r.split("\r\n")[1];
            }

            @Override
            String delete(Wire w, String key) {
                return w.text("md " + key + "\r\n");
            }

            @Override
            String incr(Wire w, String key, long by) {
                String r = w.text("ma " + key + " D" + by + " v\r\n");
                return r.startsWith("VA") ? r.split("\r\n")[1] : r.trim();
            }

            @Override
            String touch(Wire w, String key, int exptime) {
                return w.text("mg " + key + " T" + exptime + "\r\n");
            }
        },
        BINARY {
            @Override
            String set(Wire w, String key, String value, int exptime) {
                return status(w.binary(BinaryFrames.set(0x01, key, 0, exptime, value, 0)));
            }

            @Override
            String get(Wire w, String key) {
                BinaryFrames.Response r = w.binary(request(0x00, key));
                return r.status() == 0 ? r.valueText() : null;
            }

            @Override
            String delete(Wire w, String key) {
                return status(w.binary(request(0x04, key)));
            }

            @Override
            String incr(Wire w, String key, long by) {
                BinaryFrames.Response r = w.binary(request(0x05, key, incrExtras(by, 0, -1), new byte[0]));
                return r.status() == 0 ? Long.toString(r.valueAsLong()) : status(r);
            }

            @Override
            String touch(Wire w, String key, int exptime) {
                return status(w.binary(request(0x1c, key, int32(exptime), new byte[0])));
            }

            private static String status(BinaryFrames.Response r) {
                return r.status() == 0 ? "ok" : "status " + r.status();
            }
        };

        abstract String set(Wire w, String key, String value, int exptime);

        abstract String get(Wire w, String key);

        abstract String delete(Wire w, String key);

        abstract String incr(Wire w, String key, long by);

        abstract String touch(Wire w, String key, int exptime);
    }

    /** One connection of a protocol to the server's command path. */
    static final class Wire {
        final EmbeddedChannel channel;

        Wire(TestServers.Parts parts) {
            channel = new EmbeddedChannel(parts.detector(Session.local()));
        }

        private byte[] exchange(byte[] request) {
            channel.writeInbound(Unpooled.wrappedBuffer(request));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Object o = channel.readOutbound(); o != null; o = channel.readOutbound()) {
                ByteBuf buf = (ByteBuf) o;
                byte[] bytes = new byte[buf.readableBytes()];
                buf.readBytes(bytes);
                buf.release();
                out.writeBytes(bytes);
            }
            return out.toByteArray();
        }

        String text(String request) {
            return new String(exchange(request.getBytes(StandardCharsets.ISO_8859_1)), StandardCharsets.ISO_8859_1);
        }

        BinaryFrames.Response binary(byte[] request) {
            List<BinaryFrames.Response> responses = BinaryFrames.parse(exchange(request));
            assertEquals(1, responses.size());
            return responses.get(0);
        }
    }

    private Wire wire;

    @AfterEach
    void release() {
        wire.channel.finishAndReleaseAll();
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void theSameOperationsLeaveTheSameStoreAndCounters(Dialect d) {
        ManualClock clock = new ManualClock();
        TestServers.Parts parts = TestServers.parts(
                org.bastion.config.Settings.builder().port(0).threads(1).build(), clock);
        wire = new Wire(parts);
        d.set(wire, "a", "alpha", 0);
        d.set(wire, "n", "41", 0);
        d.set(wire, "short", "lived", 10);
        assertEquals("alpha", d.get(wire, "a"));
        assertNull(d.get(wire, "missing"));
        assertEquals("42", d.incr(wire, "n", 1));
        d.touch(wire, "a", 5);
        d.delete(wire, "n");
        assertNull(d.get(wire, "n"));
        clock.advance(6, TimeUnit.SECONDS);
        assertNull(d.get(wire, "a"), "touched to 5 s");
        assertEquals("lived", d.get(wire, "short"));
        clock.advance(5, TimeUnit.SECONDS);
        assertNull(d.get(wire, "short"));
        // The same counters, whichever protocol asked (meta's T on mg counts as a touch, as memcached counts it).
        assertEquals(3, parts.stats.cmdSet.sum());
        assertEquals(1, parts.stats.incrHits.sum());
        assertEquals(1, parts.stats.deleteHits.sum());
        assertEquals(1, parts.stats.touchHits.sum());
        assertEquals(2, parts.stats.getHits.sum());
        assertEquals(4, parts.stats.getMisses.sum());
        assertEquals(0, countLive(parts), "deleted, touched away and expired: nothing left");
    }

    private static long countLive(TestServers.Parts parts) {
        long[] live = new long[1];
        parts.store.forEachLive((k, v) -> live[0]++);
        return live[0];
    }
}
