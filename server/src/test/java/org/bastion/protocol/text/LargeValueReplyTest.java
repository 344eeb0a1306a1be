package org.bastion.protocol.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bastion.config.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.bastion.testing.TestServers;
import org.bastion.policy.Session;
import org.bastion.protocol.text.TextProtocolHandler;
import org.bastion.stats.Stats;
import org.bastion.store.Item;
import org.bastion.store.Key;
import org.bastion.store.ManualClock;
import org.bastion.store.Store;

/** Values of every size come back byte for byte, in one reply, when several are fetched in one request. */
class LargeValueReplyTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    @Test
    void valuesSmallAndLargeAreWrittenWhole() {
        TestServers.Parts parts = TestServers.parts(Settings.defaults());
        Store store = parts.store;
        channel.pipeline().addLast(parts.text());
        StringBuilder expected = new StringBuilder();
        StringBuilder request = new StringBuilder("get");
        for (int size : new int[] {0, 1, 100, 1023, 1024, 4096, 100_000}) {
            char[] chars = new char[size];
            Arrays.fill(chars, (char) ('a' + size % 26));
            String value = new String(chars);
            store.write(Store.Mode.SET, Key.of("k" + size), size, Item.NEVER, value.getBytes(StandardCharsets.ISO_8859_1),
                    0, 0);
            request.append(" k").append(size);
            expected.append("VALUE k").append(size).append(' ').append(size).append(' ').append(size).append("\r\n")
                    .append(value).append("\r\n");
        }
        expected.append("END\r\n");
        channel.writeInbound(Unpooled.copiedBuffer(request.append("\r\n"), StandardCharsets.ISO_8859_1));
        StringBuilder got = new StringBuilder();
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) msg;
            got.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        assertEquals(expected.toString(), got.toString());
    }
}
