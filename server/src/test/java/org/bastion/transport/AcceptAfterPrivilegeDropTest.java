package org.bastion.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.bastion.config.Settings;
import org.junit.jupiter.api.Test;
import org.bastion.transport.Server;

/** The CLI binds, drops root, then accepts: nothing is served between bind and {@code acceptConnections()}. */
class AcceptAfterPrivilegeDropTest {
    @Test
    void aBoundButPausedServerAnswersOnlyOnceItAccepts() throws Exception {
        try (Server server = Server.bindWithoutAccepting(Settings.builder().port(0).build());
                Socket client = new Socket("127.0.0.1", server.port())) {
            // The kernel completes the handshake from the listen backlog; the server reads nothing yet.
            client.getOutputStream().write("version\r\n".getBytes(StandardCharsets.US_ASCII));
            client.setSoTimeout(500);
            InputStream in = client.getInputStream();
            assertThrows(SocketTimeoutException.class, in::read);
            server.acceptConnections();
            client.setSoTimeout(10_000);
            byte[] buf = new byte[64];
            int n = in.read(buf);
            assertEquals("VERSION 1.6.18\r\n", new String(buf, 0, n, StandardCharsets.US_ASCII));
        }
    }
}
